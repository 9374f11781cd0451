// The firewall's semantics, in one function shared by every scope: rules run
// in evaluation order over a list of texts; a block stops at once; a mask
// replaces every match with the rule's replacement and later rules see the
// masked text; a warn is recorded. What is recorded about a rule is its name,
// its action and how many matches it had, never the matched text.
import type { ActiveRule } from './rules.js';
import { runToEnd } from '../event-loop/slicer.js';
import type { Span } from './matcher.js';
import { replaceSpans, scanSteps, scanText, ScanLimitExceeded, type ScanBudget } from './scan.js';

/** Texts longer than this are scanned window by window as steps; shorter ones in one call. */
const LONG_TEXT = 16 * 1024;

export type FirewallAction = 'block' | 'mask' | 'warn';

export interface Slot {
  text: string;
  /** The text sits inside a JSON string (function-call arguments): a replacement is JSON-escaped. */
  json?: boolean;
}

export interface RuleHit {
  rule: string;
  /** scan_limit: the rule could not finish within the scan budget, which blocks (fail closed). */
  action: FirewallAction | 'scan_limit';
  matches: number;
}

export interface ScreenOutcome {
  texts: string[];
  /** The hit that stopped screening: a block rule, or a rule that ran out of budget. */
  blocked?: RuleHit;
  /** Every rule that matched, in evaluation order (the blocking one last). */
  hits: RuleHit[];
}

export function applyRules(rules: readonly ActiveRule[], slots: readonly Slot[], budget: ScanBudget): ScreenOutcome {
  if (rules.length === 0) return { texts: slots.map((s) => s.text), hits: [] };
  return budget.run(() => runToEnd(applySteps(rules, slots, budget)));
}

/**
 * applyRules as steps (a long text yields between scan windows). The caller
 * counts each step's time in `budget` (scan.ts budgeted()).
 */
export function* applySteps(rules: readonly ActiveRule[], slots: readonly Slot[], budget: ScanBudget): Generator<void, ScreenOutcome, undefined> {
  const texts = slots.map((s) => s.text);
  const hits: RuleHit[] = [];
  try {
    for (const { rule, matcher } of rules) {
      const action = rule.spec.action;
      let matches = 0;
      for (let i = 0; i < texts.length; i++) {
        const text = texts[i]!;
        let spans: Span[];
        if (text.length <= LONG_TEXT) spans = scanText(matcher, text, budget, rule.name);
        else yield* scanSteps(matcher, text, budget, rule.name, (spans = []));
        if (spans.length === 0) continue;
        matches += spans.length;
        if (action === 'block') break;
        if (action === 'mask') texts[i] = replaceSpans(text, spans, slots[i]!.json ? jsonEscaped(rule.replacement) : rule.replacement);
      }
      if (matches === 0) continue;
      const hit: RuleHit = { rule: rule.name, action, matches };
      hits.push(hit);
      if (action === 'block') return { texts, blocked: hit, hits };
    }
    return { texts, hits };
  } catch (err) {
    if (!(err instanceof ScanLimitExceeded)) throw err;
    const hit: RuleHit = { rule: err.rule, action: 'scan_limit', matches: 0 };
    hits.push(hit);
    return { texts, blocked: hit, hits };
  }
}

/** `text` as it must appear between the quotes of a JSON string. */
function jsonEscaped(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

/** The warning a warn rule adds to the response (metadata.warnings, x-tokenrouter-warnings). */
export function warningFor(rule: string, scope: 'prompt' | 'response'): string {
  return `firewall rule ${rule} matched the ${scope}`;
}
