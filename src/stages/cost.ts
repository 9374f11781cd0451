// What reported usage cost, at the live price (price sources) or the catalog's.
// Input tokens split three ways: cache reads at pricing.cachedInput, cache writes
// (Anthropic cache_creation_input_tokens) at pricing.cacheWrite, the rest at
// pricing.input; either cache price defaults to input when the catalog has none.
import type { Usage } from '../canonical/types.js';
import type { Candidate } from '../routing/select.js';
import type { PipelineDeps } from './types.js';

export function costUsd(deps: Pick<PipelineDeps, 'liveInputs'>, c: Candidate, u: Usage): number {
  const p = deps.liveInputs.priceOf(c);
  const cached = Math.min(u.cachedTokens, u.inputTokens);
  const written = Math.min(u.cacheWriteTokens, u.inputTokens - cached);
  const input = (u.inputTokens - cached - written) * p.input + cached * (p.cachedInput ?? p.input) + written * (p.cacheWrite ?? p.input);
  return (input + u.outputTokens * p.output) / 1e6;
}
