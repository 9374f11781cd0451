// Building blocks for detectors. A detector's match consists only of
// characters from its alphabet, and is followed by a character outside it (or
// the end of text); that is what lets a stream release text early: only the
// trailing run of alphabet characters can still become (part of) a match. A
// detector whose matches start with fixed prefixes (sk-, AKIA, eyJ …) holds
// back even less: from the first prefix in that run, or the few characters
// that might begin one.
import { regexMatcher, type Accept, type Matcher } from '../matcher.js';

export interface DetectorSpec {
  /** Global (g) pattern finding candidates; built once, at module load. */
  regex: RegExp;
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
  return regexMatcher(spec.regex, spec.maxLength, hold, spec.accept);
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
    const c = text.charCodeAt(i - 1);
    if (c >= 128 || inAlphabet[c] !== 1) break;
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
