// The x-tokenrouter-* headers every answer carries, success or error: what
// was decided and what happened, from the pipeline's trace.
import type { Exchange } from './types.js';
import type { Trace } from './trace.js';

/** `costUsd`: the actual cost, or a stream's routing estimate (its headers precede its usage). */
export function decisionHeaders(ex: Exchange, t: Trace, costUsd: number | undefined): Record<string, string> {
  const attempts = t.dispatch?.attempts.length ?? 0;
  const h: Record<string, string> = {
    'x-tokenrouter-request-id': ex.requestId,
    'x-tokenrouter-policy-version': ex.policy.version,
    // A stream commits during its (successful) attempt, before that attempt is recorded.
    'x-tokenrouter-attempts': String(attempts + (t.committed && !t.answered ? 1 : 0)),
  };
  if (t.routed) h['x-tokenrouter-mode'] = t.routed.decision.mode;
  const served = t.served;
  if (served) {
    h['x-tokenrouter-provider'] = served.provider.name;
    h['x-tokenrouter-model'] = served.model.name;
  }
  const rules = t.rules;
  if (rules.length) h['x-tokenrouter-rules'] = rules.join(',');
  if (costUsd !== undefined) h['x-tokenrouter-cost-usd'] = costUsd.toFixed(8);
  if (t.failoverReason) h['x-tokenrouter-failover-reason'] = t.failoverReason;
  if (t.dispatch?.stopReason) h['x-tokenrouter-stop-reason'] = t.dispatch.stopReason;
  if (t.cache) h['x-tokenrouter-cache'] = t.cache;
  const warnings = t.warnings;
  if (warnings.length) h['x-tokenrouter-warnings'] = encodeURIComponent(warnings.join(' | ')).slice(0, 2000);
  return h;
}
