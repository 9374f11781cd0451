// Response scope, non-streamed: the output text and refusals of every message
// and the arguments of every function call, screened before anything is
// rendered. Reasoning summaries are not scanned (they carry the provider's
// signature, which any rewrite would invalidate).
import type { CanonicalResult, OutputItem } from '../canonical/types.js';
import type { ActiveRule } from './rules.js';
import type { ScanBudget } from './scan.js';
import { applyRules, type ScreenOutcome, type Slot } from './screen.js';

export interface ResultScreen extends ScreenOutcome {
  /** The result with masks applied (the original when blocked). */
  result: CanonicalResult;
}

export function screenResult(rules: readonly ActiveRule[], result: CanonicalResult, budget: ScanBudget): ResultScreen {
  const slots: Slot[] = [];
  mapOutput(result.output, (text, json) => {
    slots.push({ text, ...(json ? { json } : {}) });
    return text;
  });
  const outcome = applyRules(rules, slots, budget);
  if (outcome.blocked || !outcome.hits.some((h) => h.action === 'mask')) return { ...outcome, result };
  let i = 0;
  return { ...outcome, result: { ...result, output: mapOutput(result.output, () => outcome.texts[i++]!) } };
}

function mapOutput(output: readonly OutputItem[], f: (text: string, json: boolean) => string): OutputItem[] {
  return output.map((o) => {
    if (o.type === 'message') return { ...o, text: f(o.text, false), ...(o.refusal !== undefined ? { refusal: f(o.refusal, false) } : {}) };
    if (o.type === 'function_call') return { ...o, arguments: f(o.arguments, true) };
    return o;
  });
}
