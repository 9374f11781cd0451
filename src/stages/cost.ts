// What reported usage cost, at the live price (price sources) or the catalog's.
import type { Usage } from '../canonical/types.js';
import type { Candidate } from '../routing/select.js';
import type { PipelineDeps } from './types.js';

export function costUsd(deps: Pick<PipelineDeps, 'liveInputs'>, c: Candidate, u: Usage): number {
  const p = deps.liveInputs.priceOf(c);
  const cached = Math.min(u.cachedTokens, u.inputTokens);
  const input = (u.inputTokens - cached) * p.input + cached * (p.cachedInput ?? p.input);
  return (input + u.outputTokens * p.output) / 1e6;
}
