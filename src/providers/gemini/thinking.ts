// reasoning.effort → Gemini's thinkingConfig. Gemini 3 and later take a `thinkingLevel`
// (Pro models: low and high only; Flash models also minimal and medium); Gemini 2.5 takes a token
// `thinkingBudget` instead — sending both is a 400, so the model's generation decides which.
// includeThoughts asks for the thought summaries the router returns as reasoning text.
import type { CanonicalRequest } from '../../canonical/types.js';

type Effort = NonNullable<CanonicalRequest['reasoningEffort']>;

/** Token budgets for Gemini 2.5 (2.5 Pro cannot go below 128 nor above 32768; Flash tops out at 24576). */
const BUDGET: Record<Effort, number> = { minimal: 512, low: 1024, medium: 8192, high: 24576 };

/** `exactBudget` (a Messages client's thinking.budget_tokens) replaces the band's budget on 2.5; 3+ takes levels only. */
export function thinkingConfig(effort: Effort, upstreamModel: string, exactBudget?: number): Record<string, unknown> {
  const generation = /gemini-(\d+)/i.exec(upstreamModel);
  if (generation && Number(generation[1]) >= 3) {
    const flash = /flash/i.test(upstreamModel);
    const level = flash ? effort : effort === 'minimal' || effort === 'low' ? 'low' : 'high';
    return { includeThoughts: true, thinkingLevel: level };
  }
  return { includeThoughts: true, thinkingBudget: exactBudget ?? BUDGET[effort] };
}
