// Response scope on a stream: a transform over canonical events, between the
// provider's translator and the client's renderer. Text, refusal and each
// call's arguments are held back just enough that a match split across deltas
// is still masked (or blocks) before any part of it leaves the router:
//   - every rule says from where a match might still be forming
//     (Matcher.holdFrom: the last maxMatchChars characters for a regex rule,
//     less for substrings and detectors); text before the earliest such point
//     is released, screened with the full rule semantics (screen.ts);
//   - the release point never falls inside a match, and text held longer than
//     maxHold characters is released anyway, so memory and delay stay bounded;
//   - an item's text is released whole when the item ends (another item
//     starts, the call ends, the stream finishes or fails).
// A block ends the stream: an `error` event with code firewall_blocked, after
// which every event is dropped; the renderers turn it into `error` +
// `response.failed` (Responses) or an {"error": …} chunk (Chat).
import type { CanonicalEvent } from '../canonical/types.js';
import type { ActiveRule } from './rules.js';
import type { Span } from './matcher.js';
import { scanText, ScanLimitExceeded, type ScanBudget } from './scan.js';
import { applyRules, warningFor, type RuleHit } from './screen.js';

interface Channel {
  kind: 'text' | 'refusal' | 'arguments';
  key?: string;
  pending: string;
}

export interface StreamScreenOptions {
  budget: ScanBudget;
  /** The error message a block ends the stream with. */
  blockMessage: (hit: RuleHit) => string;
  /** Called once with every rule that acted: when the stream is blocked, or at end(). */
  report: (hits: readonly RuleHit[]) => void;
}

/** Text held back beyond this is released even if a match might still be forming. */
export function maxHoldChars(rules: readonly ActiveRule[]): number {
  return Math.max(4096, 4 * Math.max(0, ...rules.map((r) => r.matcher.maxLength)));
}

export class ResponseStreamScreen {
  readonly #maxHold: number;
  readonly #text: Channel = { kind: 'text', pending: '' };
  readonly #refusal: Channel = { kind: 'refusal', pending: '' };
  readonly #calls = new Map<string, Channel>();
  readonly #hits = new Map<string, RuleHit>();
  readonly #warnings: string[] = [];
  #blocked: RuleHit | undefined;
  #reported = false;

  constructor(
    readonly rules: readonly ActiveRule[],
    readonly opts: StreamScreenOptions,
  ) {
    this.#maxHold = maxHoldChars(rules);
  }

  get blocked(): RuleHit | undefined {
    return this.#blocked;
  }

  /** Warnings from warn rules so far, in the order they first matched. */
  get warnings(): readonly string[] {
    return this.#warnings;
  }

  push(e: CanonicalEvent): CanonicalEvent[] {
    if (this.#blocked) return [];
    if (this.rules.length === 0) return [e];
    const out: CanonicalEvent[] = [];
    switch (e.type) {
      case 'text_delta':
        this.#flush(this.#refusal, out);
        this.#append(this.#text, e.text, out);
        break;
      case 'refusal_delta':
        this.#flush(this.#text, out);
        this.#append(this.#refusal, e.text, out);
        break;
      case 'tool_call_delta':
        this.#append(this.#call(e.key), e.arguments, out);
        break;
      case 'tool_call_end':
        this.#flush(this.#call(e.key), out);
        this.#calls.delete(e.key);
        this.#emit(e, out);
        break;
      case 'tool_call_start':
      case 'reasoning_delta':
        // The renderers close the open message here: release its text first.
        this.#flush(this.#text, out);
        this.#flush(this.#refusal, out);
        this.#emit(e, out);
        break;
      case 'finish':
      case 'error':
        this.#flushAll(out);
        this.#emit(e, out);
        break;
      case 'start':
      case 'usage':
        out.push(e);
        break;
    }
    return out;
  }

  /** The stream ended: release whatever is held. */
  end(): CanonicalEvent[] {
    const out: CanonicalEvent[] = [];
    if (!this.#blocked) this.#flushAll(out);
    this.#report();
    return out;
  }

  #call(key: string): Channel {
    let c = this.#calls.get(key);
    if (!c) this.#calls.set(key, (c = { kind: 'arguments', key, pending: '' }));
    return c;
  }

  #emit(e: CanonicalEvent, out: CanonicalEvent[]): void {
    if (!this.#blocked) out.push(e);
  }

  #flushAll(out: CanonicalEvent[]): void {
    this.#flush(this.#text, out);
    this.#flush(this.#refusal, out);
    for (const c of this.#calls.values()) this.#flush(c, out);
  }

  #flush(c: Channel, out: CanonicalEvent[]): void {
    if (this.#blocked || c.pending === '') return;
    const text = c.pending;
    c.pending = '';
    this.#release(c, text, out);
  }

  #append(c: Channel, text: string, out: CanonicalEvent[]): void {
    if (this.#blocked || !text) return;
    c.pending += text;
    const cut = this.#cut(c.pending, out);
    if (cut <= 0) return; // nothing final yet, or blocked while looking
    const ready = c.pending.slice(0, cut);
    c.pending = c.pending.slice(cut);
    this.#release(c, ready, out);
  }

  /** Where held text can be split: before every possible match in progress, never inside a match. */
  #cut(pending: string, out: CanonicalEvent[]): number {
    let cut = pending.length;
    for (const r of this.rules) cut = Math.min(cut, r.matcher.holdFrom(pending));
    if (pending.length - cut > this.#maxHold) return pending.length - this.#maxHold;
    if (cut <= 0) return 0;
    const budget = this.opts.budget;
    try {
      budget.run(() => {
        // A spent budget blocks before any rule, even one whose prefilter skips the text.
        budget.check(this.rules[0]!.rule.name);
        // Only a match starting before the cut can straddle it (the cut only moves left). A rule
        // whose prefilter proves there is none costs no scan, so no budget check (no clock read).
        const spans: Span[] = [];
        for (const r of this.rules) {
          if (r.matcher.mayMatch?.(pending, 0, cut) === false) continue;
          for (const s of scanText(r.matcher, pending, budget, r.rule.name, cut)) spans.push(s);
        }
        for (let moved = spans.length > 0; moved; ) {
          moved = false;
          for (const s of spans) {
            if (s.start < cut && s.end > cut) {
              cut = s.start;
              moved = true;
            }
          }
        }
      });
    } catch (err) {
      if (!(err instanceof ScanLimitExceeded)) throw err;
      this.#block({ rule: err.rule, action: 'scan_limit', matches: 0 }, out);
      return 0;
    }
    return cut;
  }

  #release(c: Channel, text: string, out: CanonicalEvent[]): void {
    if (!this.opts.budget.exhausted && this.#matchFree(text)) {
      // What screening gives when no rule can match: the text itself (most released text).
      this.#emitText(c, text, out);
      return;
    }
    const outcome = applyRules(this.rules, [{ text, json: c.kind === 'arguments' }], this.opts.budget);
    for (const h of outcome.hits) this.#count(h);
    if (outcome.blocked) {
      this.#block(outcome.blocked, out);
      return;
    }
    this.#emitText(c, outcome.texts[0]!, out);
  }

  /** Whether every rule's prefilter proves `text` holds no match (no engine, no clock). */
  #matchFree(text: string): boolean {
    for (const r of this.rules) if (r.matcher.mayMatch === undefined || r.matcher.mayMatch(text, 0, text.length)) return false;
    return true;
  }

  #emitText(c: Channel, screened: string, out: CanonicalEvent[]): void {
    if (screened === '') return;
    if (c.kind === 'text') out.push({ type: 'text_delta', text: screened });
    else if (c.kind === 'refusal') out.push({ type: 'refusal_delta', text: screened });
    else out.push({ type: 'tool_call_delta', key: c.key!, arguments: screened });
  }

  #count(h: RuleHit): void {
    const prev = this.#hits.get(h.rule);
    if (prev) prev.matches += h.matches;
    else {
      this.#hits.set(h.rule, { ...h });
      if (h.action === 'warn') this.#warnings.push(warningFor(h.rule, 'response'));
    }
  }

  #block(hit: RuleHit, out: CanonicalEvent[]): void {
    if (!this.#hits.has(hit.rule)) this.#hits.set(hit.rule, { ...hit });
    this.#blocked = hit;
    out.push({ type: 'error', code: 'firewall_blocked', message: this.opts.blockMessage(hit) });
    this.#report();
  }

  #report(): void {
    if (this.#reported) return;
    this.#reported = true;
    this.opts.report([...this.#hits.values()]);
  }
}
