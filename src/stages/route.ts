// Stage: the routing decision (rules, model string, mode's ordering) over the
// live inputs — price sources, latency statistics, account limits and
// cool-downs. When only passing conditions (limits, cool-downs) emptied the
// candidate set, the 422 becomes a 429 with retry-after (live-inputs.ts).
import type { CanonicalRequest } from '../canonical/types.js';
import type { Slicer } from '../event-loop/slicer.js';
import type { ProviderSpec } from '../policy/types.js';
import { decide } from '../routing/decide.js';
import { hasCredentials } from '../upstream/credentials.js';
import type { Exchange, PipelineDeps, Routed } from './types.js';

/** Reads only the policy snapshot and the caller of the exchange (count_tokens routes with no more). */
export async function route(deps: PipelineDeps, ex: Pick<Exchange, 'policy' | 'caller'>, request: CanonicalRequest, slicer: Slicer): Promise<Routed> {
  const live = deps.liveInputs.decideHooks(ex.policy, ex.caller);
  const { filters, latency, price } = live.context;
  const decision = await decide(ex.policy, request, { caller: ex.caller, hasCredentials: credentialsOncePerProvider(), filters, latency, price, slicer }).catch((err: unknown) => {
    throw live.settle(err);
  });
  return { request, decision };
}

/** hasCredentials, asked once per provider for this request (many candidate models share a provider). */
function credentialsOncePerProvider(): (p: Readonly<ProviderSpec>) => boolean {
  const seen = new Map<string, boolean>();
  return (p) => {
    let has = seen.get(p.name);
    if (has === undefined) seen.set(p.name, (has = hasCredentials(p)));
    return has;
  };
}
