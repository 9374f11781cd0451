// Stage: the key's limits, in two halves (state/key-admission.ts). The rate
// half (rpm, tpm) runs first of all, before any text is counted or scanned;
// the budget half reserves the routing estimate once the request is screened.
import type { CanonicalRequest } from '../canonical/types.js';
import type { KeyTicket } from '../state/key-admission.js';
import type { Admitted, Exchange, PipelineDeps, Screened } from './types.js';

export function admitRate(deps: PipelineDeps, ex: Pick<Exchange, 'policy' | 'caller'>): Promise<KeyTicket | undefined> {
  return deps.state.keys.admitRate(ex.policy, ex.caller);
}

/** The key's budget: a reservation of the routing estimate (throws 429 insufficient_quota). */
export async function reserveBudget(deps: PipelineDeps, screened: Screened, ticket: KeyTicket | undefined): Promise<Admitted> {
  const estimateUsd = estimate(deps, screened.request, screened);
  await deps.state.keys.reserve(ticket, estimateUsd);
  return { screened, ticket, estimateUsd };
}

/**
 * What a budget reserves before the call: the routing estimate of the first
 * candidate (input tokens at its price + the expected output), else — a rule's
 * fallback has no score — the input estimate plus the most output the request
 * allows, at the dearest candidate's prices.
 */
function estimate(deps: PipelineDeps, req: CanonicalRequest, screened: Screened): number {
  const decision = screened.routed.decision;
  const first = decision.candidates[0];
  if (first?.terms) return first.terms.costUsd;
  let worst = 0;
  for (const c of decision.candidates) {
    const p = deps.liveInputs.priceOf(c);
    const output = req.maxOutputTokens ?? c.model.maxOutputTokens ?? 4096;
    worst = Math.max(worst, (decision.estimatedInputTokens * p.input + output * p.output) / 1e6);
  }
  return worst;
}
