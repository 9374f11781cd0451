// The secrets a policy set knows, as one precompiled scrubber
// (telemetry/secrets.ts): its providers' keys (apiKeyEnv / apiKeyFile), the
// hashes of its client keys (ApiKeys) and the process's own secrets (the
// Redis URL's password). Built once per policy set and rebuilt only when a
// provider key changed underneath it (a rotated key file or env): asking costs
// one providerKey() per provider and a string compare, so error paths and log
// lines may ask freely.
import type { PolicySet } from '../policy/types.js';
import { SecretScrubber, SHAPES_ONLY } from '../telemetry/secrets.js';
import { providerKeys } from './credentials.js';

const PROCESS_SECRETS = new Set<string>();
let processOnly: { size: number; scrubber: SecretScrubber } | undefined;
const CACHE = new WeakMap<PolicySet, { fingerprint: string; scrubber: SecretScrubber }>();

/** A secret of the process itself (not of a policy set), masked from then on in every set's scrubber. */
export function registerProcessSecret(secret: string | undefined): void {
  if (secret && !PROCESS_SECRETS.has(secret)) PROCESS_SECRETS.add(secret);
}

/** The password of a redis:// (or any) URL, if it has one. */
export function urlPassword(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const p = new URL(url).password;
    return p ? decodeURIComponent(p) : undefined;
  } catch {
    return undefined;
  }
}

/** The scrubber for `set` (shapes only without one). */
export function secretsFor(set: PolicySet | undefined): SecretScrubber {
  if (!set) {
    if (PROCESS_SECRETS.size === 0) return SHAPES_ONLY;
    if (processOnly?.size !== PROCESS_SECRETS.size) processOnly = { size: PROCESS_SECRETS.size, scrubber: new SecretScrubber(PROCESS_SECRETS) };
    return processOnly.scrubber;
  }
  const keys: string[] = [];
  for (const p of set.providers.values()) {
    for (const k of providerKeys(p)) keys.push(k.value); // every key of a pool, not only the first
    // Bedrock signs with the AWS chain: its secret and session token from the environment are secrets of this set too.
    if (p.type === 'bedrock') for (const v of [process.env.AWS_SECRET_ACCESS_KEY, process.env.AWS_SESSION_TOKEN]) if (v && v.trim() && !keys.includes(v.trim())) keys.push(v.trim());
  }
  const fingerprint = `${keys.join('\0')}\u0001${PROCESS_SECRETS.size}`;
  const cached = CACHE.get(set);
  if (cached && cached.fingerprint === fingerprint) return cached.scrubber;
  const scrubber = new SecretScrubber(
    [...keys, ...PROCESS_SECRETS],
    set.apiKeys.map((k) => k.hash.toString('hex')),
  );
  CACHE.set(set, { fingerprint, scrubber });
  return scrubber;
}
