// What every firewall check is to the scanner: a Matcher finds the spans a
// rule matches and says how long a match can be, which bounds both the window
// overlap of long scans (scan.ts) and the hold-back of streams
// (response-stream.ts). Regex rules, substring rules and most detectors are a
// pattern on the linear-time engine (src/policy/regex/linear.ts) plus, for
// detectors, boundary checks and a check on each candidate.
import type { LinearRegex } from '../policy/regex/linear.js';
import { nextCandidate } from '../policy/regex/prefilter.js';

export interface Span {
  start: number;
  end: number;
}

export interface Matcher {
  /** Longest text one match may cover. */
  readonly maxLength: number;
  /**
   * Appends to `out` the matches that start in [from, limit) of `text`, left
   * to right and non-overlapping. Characters before `from` are context only
   * (lookbehind), never part of a match.
   */
  find(text: string, from: number, limit: number, out: Span[]): void;
  /**
   * Streams: the earliest index of `text` at which a match might still be
   * forming (more text could complete, extend or cancel it). Everything before
   * it is final: no match starting there depends on text not yet seen.
   */
  holdFrom(text: string): number;
  /**
   * False proves that no match starts in [from, limit) of `text` (a cheap
   * check, no engine); true proves nothing. Absent: always true.
   */
  mayMatch?(text: string, from: number, limit: number): boolean;
}

/**
 * Checks a candidate [start, end) found by the pattern: the end of the accepted
 * match (at most `end`, e.g. a valid prefix of it), or -1 to reject it; the
 * scan then retries one character further on.
 */
export type Accept = (text: string, start: number, end: number) => number;

export interface RegexMatcherOptions {
  accept?: Accept;
  /**
   * ASCII characters that may not come right before a match (a lookbehind,
   * checked here because the engine has none). A candidate after one is
   * rejected, and the search resumes after the run of such characters: every
   * start inside the run follows one too, so a long run costs one pass.
   */
  notAfter?: Uint8Array;
}

/** Start positions few enough that trying each anchored beats one search (a streamed chunk's worth). */
const ANCHORED_SPAN = 16;

/**
 * A pattern on the linear-time engine as a Matcher. Each call searches a slice
 * that starts one character before `from`: that character is all the context
 * a pattern without lookbehind reads (\b, ^ in multiline mode), and the slice
 * keeps each search to its window. Most windows hold no match: the pattern's
 * prefilter (policy/regex/prefilter.ts) usually proves it with a table lookup
 * per character (no position can begin a match, or a character every match
 * holds is absent); otherwise the engine's DFA settles it in one pass before
 * any position is computed. When only a few positions could begin a match (a
 * stream's newly final text), each is tried anchored instead of searching.
 */
export function regexMatcher(regex: LinearRegex, maxLength: number, holdFrom: (text: string) => number, opts: RegexMatcherOptions = {}): Matcher {
  const { accept, notAfter } = opts;
  const pf = regex.prefilter;
  /** Appends the accepted match starting at `start` (ending at `end`) and says where to look next. */
  const take = (input: string, base: number, start: number, end: number, out: Span[]): number => {
    if (end > start && accept) end = accept(input, start, end);
    if (end <= start) return start + 1; // empty match or rejected candidate: try again one character on
    out.push({ start: base + start, end: base + end });
    return end;
  };
  const blocked = (input: string, start: number): boolean => notAfter !== undefined && start > 0 && inTable(notAfter, input.charCodeAt(start - 1));
  return {
    maxLength,
    holdFrom,
    mayMatch: pf === null ? undefined : (text, from, limit) => nextCandidate(pf, text, from, limit) >= 0,
    find(text, from, limit, out) {
      const first = pf === null ? from : nextCandidate(pf, text, from, limit);
      if (first < 0) return;
      const base = from > 0 ? from - 1 : 0;
      const input = base === 0 ? text : text.slice(base);
      const lim = limit - base;
      if (pf !== null && pf.contextFree && limit - first <= ANCHORED_SPAN) {
        // Each position that may begin a match, tried anchored: the same matches a search finds, left to right.
        for (let at = first - base; at < lim; ) {
          const start = nextCandidate(pf, input, at, lim);
          if (start < 0) break;
          if (blocked(input, start)) at = start + 1;
          else {
            const end = regex.matchAt(input, start);
            at = end < 0 ? start + 1 : take(input, base, start, end, out);
          }
        }
        return;
      }
      if (!regex.test(input)) return;
      const c = regex.cursor(input);
      for (let at = first - base; c.find(at); ) {
        const start = c.start;
        if (start >= lim) break;
        if (blocked(input, start)) {
          // Every start inside a run of such characters follows one too: resume after the run.
          let j = start;
          while (j < input.length && inTable(notAfter!, input.charCodeAt(j))) j++;
          at = j + 1;
          continue;
        }
        at = take(input, base, start, c.end, out);
      }
    },
  };
}

/** Whether the character code is in an ASCII table (characters above 127 never are). */
export function inTable(table: Uint8Array, c: number): boolean {
  return c < 128 && table[c] === 1;
}

/** Hold-back for a pattern whose matches are at most `n` characters: the last n - 1 characters. */
export function holdLast(n: number): (text: string) => number {
  return (text) => Math.max(0, text.length - Math.max(0, n - 1));
}

