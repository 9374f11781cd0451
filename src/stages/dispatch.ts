// Stage: the upstream exchange's context — the screened request, the routed
// candidates in order, the client, the deadline, the resilience settings of
// this policy snapshot, and the hooks that count retries and failovers and
// take live account limits (live-inputs.ts). The attempt loop (upstream/) does
// the calling; its attempts land in the context's list.
import type { FailureReason } from '../upstream/classify.js';
import { type DispatchContext } from '../upstream/dispatch.js';
import { resilienceSettings } from '../upstream/resilience.js';
import { secretsFor } from '../upstream/secrets.js';
import { modelLabel, providerLabel } from '../telemetry/labels.js';
import type { Admitted, Exchange, PipelineDeps } from './types.js';

export function dispatchContext(deps: PipelineDeps, ex: Exchange, admitted: Admitted, startedAt: number, onFailover: (reason: FailureReason) => void): DispatchContext {
  deps.resilience.apply(ex.policy);
  const settings = resilienceSettings(ex.policy);
  const m = deps.metrics;
  const set = ex.policy;
  return {
    request: admitted.screened.request,
    candidates: admitted.screened.routed.decision.candidates,
    client: deps.client,
    signal: ex.signal,
    attempts: [],
    resilience: deps.resilience,
    settings,
    deadline: startedAt + settings.requestTimeoutMs,
    secrets: () => secretsFor(set),
    balancing: set.settings.balancing ?? 'weighted',
    ttftMs: (c) => deps.liveInputs.latency.latency(c)?.ttftMs,
    span: ex.span,
    hooks: {
      retry: (c, reason) => m.retries.inc({ provider: providerLabel(set, c.provider.name), model: modelLabel(set, c.provider.name, c.model.name), reason }),
      failover: (reason) => {
        onFailover(reason);
        m.failovers.inc({ reason });
      },
      authFailure: (c) => {
        m.upstreamAuthFailures.inc({ provider: providerLabel(set, c.provider.name) });
        deps.logger.error({ provider: c.provider.name }, "the provider refused the router's credentials: check its key; the provider is ejected until then");
      },
      keyCoolDown: (c, key, ms) => {
        // The key by its env var name (or index) only: never its value.
        deps.logger.warn({ provider: c.provider.name, key: key.env ?? `#${key.index}`, coolDownMs: ms }, 'a key of the provider key pool got a 429: it sits out while the others carry on');
      },
      ...deps.liveInputs.dispatchHooks(set),
    },
  };
}
