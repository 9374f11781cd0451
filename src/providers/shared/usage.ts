// Builds a consistent Usage: totals always equal input + output, so no
// provider's accounting quirk (cache excluded from input, thoughts excluded
// from candidates) leaks into what we report and bill.
import type { Usage } from '../../canonical/types.js';

export function makeUsage(u: Partial<Usage> & { inputTokens: number; outputTokens: number }): Usage {
  const inputTokens = nonNeg(u.inputTokens);
  const outputTokens = nonNeg(u.outputTokens);
  return {
    inputTokens,
    cachedTokens: nonNeg(u.cachedTokens),
    cacheWriteTokens: nonNeg(u.cacheWriteTokens),
    outputTokens,
    reasoningTokens: nonNeg(u.reasoningTokens),
    totalTokens: inputTokens + outputTokens,
  };
}

function nonNeg(n: unknown): number {
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}
