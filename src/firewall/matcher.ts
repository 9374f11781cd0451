// What every firewall check is to the scanner: a Matcher finds the spans a
// rule matches and says how long a match can be, which bounds both the window
// overlap of long scans (scan.ts) and the hold-back of streams
// (response-stream.ts). Regex rules, substring rules and most detectors are a
// compiled RegExp plus, for detectors, a check on each candidate.

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

/** A global RegExp as a Matcher. The RegExp is shared and reset after each use (scans never interleave). */
export function regexMatcher(regex: RegExp, maxLength: number, holdFrom: (text: string) => number, accept?: Accept): Matcher {
  if (!regex.global) throw new Error('firewall patterns must be compiled with the g flag');
  return {
    maxLength,
    holdFrom,
    find(text, from, limit, out) {
      regex.lastIndex = from;
      try {
        for (let m = regex.exec(text); m !== null && m.index < limit; m = regex.exec(text)) {
          const start = m.index;
          let end = start + m[0].length;
          if (end > start && accept) end = accept(text, start, end);
          if (end <= start) {
            // Empty match or rejected candidate: try again one character on.
            regex.lastIndex = start + 1;
            continue;
          }
          out.push({ start, end });
          regex.lastIndex = end;
        }
      } finally {
        regex.lastIndex = 0;
      }
    },
  };
}

/** Hold-back for a pattern whose matches are at most `n` characters: the last n - 1 characters. */
export function holdLast(n: number): (text: string) => number {
  return (text) => Math.max(0, text.length - Math.max(0, n - 1));
}

/** A RegExp source matching `text` literally. */
export function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}
