// What every firewall check is to the scanner: a Matcher finds the spans a
// rule matches and says how long a match can be, which bounds both the window
// overlap of long scans (scan.ts) and the hold-back of streams
// (response-stream.ts). Regex rules, substring rules and most detectors are a
// pattern on the linear-time engine (src/policy/regex/linear.ts) plus, for
// detectors, boundary checks and a check on each candidate.
import type { LinearRegex } from '../policy/regex/linear.js';

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

/**
 * A pattern on the linear-time engine as a Matcher. Each call searches a slice
 * that starts one character before `from`: that character is all the context
 * a pattern without lookbehind reads (\b, ^ in multiline mode), and the slice
 * keeps each search to its window. Most windows hold no match, which the
 * engine's DFA settles in one pass before any position is computed.
 */
export function regexMatcher(regex: LinearRegex, maxLength: number, holdFrom: (text: string) => number, opts: RegexMatcherOptions = {}): Matcher {
  const { accept, notAfter } = opts;
  return {
    maxLength,
    holdFrom,
    find(text, from, limit, out) {
      const base = from > 0 ? from - 1 : 0;
      const input = base === 0 ? text : text.slice(base);
      if (!regex.test(input)) return;
      const c = regex.cursor(input);
      const lim = limit - base;
      for (let at = from - base; c.find(at); ) {
        const start = c.start;
        if (start >= lim) break;
        if (notAfter !== undefined && start > 0 && inTable(notAfter, input.charCodeAt(start - 1))) {
          let j = start;
          while (j < input.length && inTable(notAfter, input.charCodeAt(j))) j++;
          at = j + 1;
          continue;
        }
        let end = c.end;
        if (end > start && accept) end = accept(input, start, end);
        if (end <= start) {
          // Empty match or rejected candidate: try again one character on.
          at = start + 1;
          continue;
        }
        out.push({ start: base + start, end: base + end });
        at = end;
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

