// Prompt scope: everything the provider will read as conversation —
// `instructions`, the text (and refusals) of every message of every role,
// function-call arguments and tool outputs in the history, and replayed
// reasoning text (masked reasoning loses its signature, so no provider
// replays it). Not scanned: image URLs (a data: URL is pixels, an http URL an
// address the provider fetches; rewriting one would only break the image)
// and tool definitions (the application's own code, whose JSON Schema a mask
// would break).
import type { CanonicalRequest, ContentPart, InputItem } from '../canonical/types.js';
import type { PolicySet } from '../policy/types.js';
import { firewallSettings, type ActiveRule } from './rules.js';
import { runToEnd } from '../event-loop/slicer.js';
import { budgeted, ScanBudget } from './scan.js';
import { applySteps, warningFor, type RuleHit, type ScreenOutcome, type Slot } from './screen.js';

export interface PromptScreen {
  /** The rule that blocked the prompt (a block rule, or one that ran out of scan budget). */
  blockedBy?: string;
  blocked?: RuleHit;
  /** Mask rules that matched, in evaluation order. */
  masked: string[];
  warnings: { rule: string; message: string }[];
  /** The request as the provider will see it (masks applied). */
  request: CanonicalRequest;
  hits: RuleHit[];
}

export function screenPrompt(set: PolicySet, req: CanonicalRequest, rules: readonly ActiveRule[]): PromptScreen {
  return runToEnd(screenPromptSteps(set, req, rules));
}

/** screenPrompt as steps: the serving path and explain drive it in slices (event-loop/slicer.ts). */
export function* screenPromptSteps(set: PolicySet, req: CanonicalRequest, rules: readonly ActiveRule[]): Generator<void, PromptScreen, undefined> {
  const slots: Slot[] = [];
  mapText(req, (text, json) => {
    slots.push(json ? { text, json } : { text });
    return text;
  });
  const budget = new ScanBudget(firewallSettings(set).scanBudgetMs);
  const outcome: ScreenOutcome = rules.length === 0 ? { texts: [], hits: [] } : yield* budgeted(budget, applySteps(rules, slots, budget));
  const hits: RuleHit[] = outcome.hits;
  const out: PromptScreen = {
    masked: hits.filter((h) => h.action === 'mask').map((h) => h.rule),
    warnings: hits.filter((h) => h.action === 'warn').map((h) => ({ rule: h.rule, message: warningFor(h.rule, 'prompt') })),
    request: req,
    hits,
  };
  if (outcome.blocked) return { ...out, blockedBy: outcome.blocked.rule, blocked: outcome.blocked };
  if (out.masked.length === 0) return out;
  let i = 0;
  return { ...out, request: mapText(req, () => outcome.texts[i++]!) };
}

/** Every text the prompt scope scans, in scanning order (explain and policy tests show the masked prompt with it). */
export function promptTexts(req: CanonicalRequest): string[] {
  const texts: string[] = [];
  mapText(req, (text) => {
    texts.push(text);
    return text;
  });
  return texts;
}

/**
 * The request with every scanned text passed through `f`, in one fixed order
 * (collecting and rewriting agree). Objects are copied only where a text
 * changed: collecting (f returns its input) allocates nothing, and the request
 * comes back as it was.
 */
function mapText(req: CanonicalRequest, f: (text: string, json: boolean) => string): CanonicalRequest {
  const part = (p: ContentPart): ContentPart => {
    if (p.type === 'text') {
      const text = f(p.text, false);
      return text === p.text ? p : { ...p, text };
    }
    if (p.type === 'refusal') {
      const refusal = f(p.refusal, false);
      return refusal === p.refusal ? p : { ...p, refusal };
    }
    // A plain-text document (Messages document block) is prompt text like any other: scanned, and
    // rewritten by redaction. A PDF is bytes the firewall cannot read (as with images).
    if (p.type === 'document' && p.text !== undefined) {
      const text = f(p.text, false);
      return text === p.text ? p : { ...p, text };
    }
    return p;
  };
  const item = (i: InputItem): InputItem => {
    switch (i.type) {
      case 'message': {
        const content = mapSame(i.content, part);
        return content === i.content ? i : { ...i, content };
      }
      case 'function_call': {
        const args = f(i.arguments, true);
        return args === i.arguments ? i : { ...i, arguments: args };
      }
      case 'function_call_output': {
        const output = f(i.output, false);
        return output === i.output ? i : { ...i, output };
      }
      case 'reasoning': {
        const text = f(i.text, false);
        if (text === i.text) return i;
        const { signature: _dropped, ...rest } = i;
        return { ...rest, text };
      }
    }
  };
  const instructions = req.instructions !== undefined ? f(req.instructions, false) : undefined;
  const items = mapSame(req.items, item);
  if (instructions === req.instructions && items === req.items) return req;
  return { ...req, ...(instructions !== undefined ? { instructions } : {}), items };
}

/** xs.map(f), or xs itself when f returned every element unchanged. */
function mapSame<T>(xs: readonly T[], f: (x: T) => T): T[] {
  let out: T[] | undefined;
  for (let k = 0; k < xs.length; k++) {
    const y = f(xs[k]!);
    if (out) out.push(y);
    else if (y !== xs[k]) {
      out = xs.slice(0, k);
      out.push(y);
    }
  }
  return out ?? (xs as T[]);
}
