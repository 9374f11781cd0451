// Bounded scanning. Every pattern runs on the linear-time engine
// (src/policy/regex/linear.ts), so a scan costs time proportional to the text
// whatever the pattern. A long text is still scanned in windows: each covers
// `step` new characters plus an overlap of the matcher's longest match, a
// match belongs to the window it starts in, and the time budget is checked
// between windows. Each window is a step (scanSteps), so a long text can be
// scanned in slices that give the event loop back between them
// (event-loop/slicer.ts), and the budget still bounds the total work of many
// rules over a large body. A match never extends past its window; a longer
// run (possible only for a regex rule) is matched in pieces.
import { runToEnd } from '../event-loop/slicer.js';
import type { Matcher, Span } from './matcher.js';

/** Characters the firewall scans per window besides the overlap: 4× the overlap, at least 1,024. */
export function scanStepChars(overlap: number): number {
  return Math.max(1024, 4 * overlap);
}

export class ScanLimitExceeded extends Error {
  constructor(
    readonly rule: string,
    readonly limitMs: number,
  ) {
    super(`firewall rule ${rule} exceeded the scan budget of ${limitMs} ms`);
    this.name = 'ScanLimitExceeded';
  }
}

/**
 * Scanning time, accumulated over the calls of one screening (a prompt, a
 * response, or a whole stream), checked between windows.
 */
export class ScanBudget {
  #spentMs = 0;
  #since = 0;

  constructor(readonly limitMs: number) {}

  get spentMs(): number {
    return this.#spentMs;
  }

  /** Runs `fn`, counting its time against the budget. */
  run<T>(fn: () => T): T {
    this.#since = performance.now();
    try {
      return fn();
    } finally {
      this.#spentMs += performance.now() - this.#since;
    }
  }

  /** Whether the time already counted has reached the limit (no clock read: what a check at the start of a run sees). */
  get exhausted(): boolean {
    return this.#spentMs >= this.limitMs;
  }

  check(rule: string): void {
    if (this.#spentMs + (performance.now() - this.#since) > this.limitMs) throw new ScanLimitExceeded(rule, this.limitMs);
  }
}

/**
 * Every match of `m` in `text` that starts before `limit` (all of them by
 * default), left to right, non-overlapping. Throws ScanLimitExceeded past the
 * budget. A limit changes no match: the same windows are scanned up to it.
 */
export function scanText(m: Matcher, text: string, budget: ScanBudget, rule: string, limit = text.length): Span[] {
  const out: Span[] = [];
  if (text.length <= scanStepChars(m.maxLength) + m.maxLength) {
    // One window (almost every text): no step machinery.
    budget.check(rule);
    m.find(text, 0, limit, out);
  } else runToEnd(scanSteps(m, text, budget, rule, out, limit));
  return out;
}

/** scanText as steps, one window each, appending to `out`: the caller may give the event loop back between them. */
export function* scanSteps(m: Matcher, text: string, budget: ScanBudget, rule: string, out: Span[], upTo = text.length): Generator<void, void, undefined> {
  const n = text.length;
  const step = scanStepChars(m.maxLength);
  for (let pos = 0; pos < upTo; ) {
    budget.check(rule);
    const end = Math.min(n, pos + step + m.maxLength);
    const limit = end === n ? n : pos + step;
    // A prefix keeps the true left context (lookbehind, \b) and hides what lies beyond the window.
    const before = out.length;
    m.find(end === n ? text : text.slice(0, end), pos, Math.min(limit, upTo), out);
    pos = out.length > before ? Math.max(limit, out[out.length - 1]!.end) : limit;
    if (pos < upTo) yield;
  }
}

/** `steps` with the time of each step counted in `budget`; the time between steps (other work) is not. */
export function* budgeted<T>(budget: ScanBudget, steps: Generator<void, T, undefined>): Generator<void, T, undefined> {
  for (;;) {
    const r = budget.run(() => steps.next());
    if (r.done) return r.value;
    yield;
  }
}

/** `text` with every span replaced by `replacement` (spans sorted and disjoint). */
export function replaceSpans(text: string, spans: readonly Span[], replacement: string): string {
  if (spans.length === 0) return text;
  let out = '';
  let from = 0;
  for (const s of spans) {
    out += text.slice(from, s.start) + replacement;
    from = s.end;
  }
  return out + text.slice(from);
}
