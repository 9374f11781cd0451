// Building blocks for detectors. A detector's match consists only of
// characters from its alphabet, and is followed by a character outside it (or
// the end of text); that is what lets a stream release text early: only the
// trailing run of alphabet characters can still become (part of) a match. A
// detector whose matches start with fixed prefixes (sk-, AKIA, eyJ …) holds
// back even less: from the first prefix in that run, or the few characters
// that might begin one.
//
// Patterns run on the linear-time engine, which has no lookarounds: the
// characters that may not come before a match are `notAfter` (checked by the
// matcher), and what may not follow one is checked by `accept` (followedBy).
import { LinearRegex } from '../../policy/regex/linear.js';
import { inTable, regexMatcher, type Accept, type Matcher } from '../matcher.js';

export interface DetectorSpec {
  /** The candidate pattern in RE2 syntax; compiled once, at module load. */
  pattern: string;
  /** A character class (e.g. /[0-9-]/) of characters that may not come right before a match. */
  notAfter?: RegExp;
  /** Longest match, in characters. */
  maxLength: number;
  /** A character class (e.g. /[0-9 -]/) holding every character a match can contain. */
  alphabet: RegExp;
  /** Every match starts with one of these (case-sensitive). */
  prefixes?: readonly string[];
  accept?: Accept;
}

export function detector(spec: DetectorSpec): Matcher {
  const inAlphabet = asciiTable(spec.alphabet);
  const hold = spec.prefixes ? prefixHold(inAlphabet, spec.maxLength, spec.prefixes) : runHold(inAlphabet, spec.maxLength);
  const regex = new LinearRegex(spec.pattern);
  return regexMatcher(regex, spec.maxLength, hold, { accept: spec.accept, notAfter: spec.notAfter && asciiTable(spec.notAfter) });
}

/** Whether the match ending at `end` is followed by a character of `table` (a failed (?!…) boundary). */
export function followedBy(text: string, end: number, table: Uint8Array): boolean {
  return end < text.length && inTable(table, text.charCodeAt(end));
}

/** A lookup table of the ASCII characters `cls` matches; characters above 127 are never in it. */
export function asciiTable(cls: RegExp): Uint8Array {
  const t = new Uint8Array(128);
  for (let c = 0; c < 128; c++) t[c] = cls.test(String.fromCharCode(c)) ? 1 : 0;
  return t;
}

/** Start of the run of alphabet characters that ends `text`, looking back at most `max` characters. */
export function trailingRun(text: string, inAlphabet: Uint8Array, max: number): number {
  const stop = Math.max(0, text.length - max);
  let i = text.length;
  while (i > stop) {
    if (!inTable(inAlphabet, text.charCodeAt(i - 1))) break;
    i--;
  }
  return i;
}

function runHold(inAlphabet: Uint8Array, max: number): (text: string) => number {
  return (text) => trailingRun(text, inAlphabet, max);
}

function prefixHold(inAlphabet: Uint8Array, max: number, prefixes: readonly string[]): (text: string) => number {
  const longest = Math.max(...prefixes.map((p) => p.length));
  return (text) => {
    const run = trailingRun(text, inAlphabet, max);
    let first = -1;
    for (const p of prefixes) {
      const at = text.indexOf(p, run);
      if (at !== -1 && (first === -1 || at < first)) first = at;
    }
    // No prefix yet: only the last few characters could be the start of one.
    return first !== -1 ? first : Math.max(run, text.length - (longest - 1));
  };
}
