// Loads the cloud SDKs (providers/cloud-sdks.ts) a live policy set can use: bedrock's
// when it has a bedrock provider, vertex's when it has a vertex provider —
// each only when routing could choose that provider (hasCredentials, routing's
// own test: a provider without credentials is never chosen). At start the
// router waits for them before it listens, so the first request does not load
// them; a reload starts them as the set goes live.
import type { PolicySet } from '../policy/types.js';
import { hasCredentials } from './credentials.js';
import { loadAwsSdk, loadGoogleAuth } from '../providers/cloud-sdks.js';

/**
 * Resolves when the SDKs the set's routable providers use are in. A load
 * failure is not the set's fault: the call that needs the SDK reports it (as
 * an upstream failure of that provider).
 */
export async function preloadCloudSdks(set: Pick<PolicySet, 'providers'>): Promise<void> {
  const loads: Promise<unknown>[] = [];
  let needAws = false;
  let needGoogle = false;
  for (const p of set.providers.values()) {
    if (p.type === 'bedrock' && !needAws && hasCredentials(p)) needAws = true;
    if (p.type === 'vertex' && !needGoogle && hasCredentials(p)) needGoogle = true;
  }
  if (needAws) loads.push(loadAwsSdk());
  if (needGoogle) loads.push(loadGoogleAuth());
  await Promise.allSettled(loads);
}
