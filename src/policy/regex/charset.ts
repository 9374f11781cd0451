// Character sets for the regex prefilter (prefilter.ts): ASCII exactly, and
// every code point from 128 on as one flag, which keeps each set a 128-byte
// table and every answer a superset of the truth. Also how common characters
// are in ordinary text, to pick the rarest set a match must hold.

/** A set of characters: ASCII codes exactly, every code ≥ 128 as one flag (`other`). */
export interface CharSet {
  ascii: Uint8Array;
  other: boolean;
}

export function set(): CharSet {
  return { ascii: new Uint8Array(128), other: false };
}

/** Adds [lo, hi] ∩ ASCII to `s`; `other` marks that codes ≥ 128 are in it too. */
export function range(s: CharSet, lo: number, hi: number, other: boolean): CharSet {
  for (let c = lo; c <= Math.min(hi, 127); c++) s.ascii[c] = 1;
  if (other) s.other = true;
  return s;
}

export function union(a: CharSet, b: CharSet): CharSet {
  const s = set();
  addAll(s, a);
  addAll(s, b);
  return s;
}

export function addAll(into: CharSet, from: CharSet): void {
  for (let c = 0; c < 128; c++) if (from.ascii[c] === 1) into.ascii[c] = 1;
  if (from.other) into.other = true;
}

export function complement(s: CharSet): CharSet {
  const out = set();
  for (let c = 0; c < 128; c++) out.ascii[c] = s.ascii[c] === 1 ? 0 : 1;
  out.other = true;
  return out;
}

/**
 * Under (?i): both cases of each ASCII letter. The only non-ASCII characters
 * re2js folds to ASCII ones are the Kelvin sign (k) and long s (s), checked
 * over every code point: k and s bring in `other`, and `other` (which may hold
 * either) brings in k and s.
 */
export function fold(s: CharSet): CharSet {
  const out = set();
  addAll(out, s);
  for (let c = 65; c <= 90; c++) {
    if (s.ascii[c] === 1 || s.ascii[c + 32] === 1) out.ascii[c] = out.ascii[c + 32] = 1;
  }
  if (out.ascii[75] === 1 || out.ascii[83] === 1) out.other = true;
  if (s.other) for (const c of 'kKsS') out.ascii[c.charCodeAt(0)] = 1;
  return out;
}

// ---- how common characters are ----------------------------------------------------------

/** Rough share (in %) of each lowercase letter in English text; an uppercase letter is a tenth of it. */
const LETTERS = 'e10t7a6.5o6i6n6s5.5h5r5d3.5l3.5c2.5u2.5m2w2f2g2y2p1.7b1.3v1k0.8j0.15x0.15q0.1z0.07';
const FREQ = (() => {
  const f = new Float64Array(128).fill(0.1);
  f[32] = 18;
  f[10] = f[46] = f[44] = 1;
  for (let c = 48; c <= 57; c++) f[c] = 0.3;
  for (const m of LETTERS.matchAll(/([a-z])([\d.]+)/g)) {
    f[m[1]!.charCodeAt(0)] = Number(m[2]);
    f[m[1]!.charCodeAt(0) - 32] = Number(m[2]) / 10;
  }
  return f;
})();
/** Text outside ASCII, taken as this share. */
const OTHER_FREQ = 3;
/** A required set seen more often than this (in % of characters) is not worth a check. */
export const RARE_ENOUGH = 25;

export function weight(s: CharSet): number {
  let w = s.other ? OTHER_FREQ : 0;
  for (let c = 0; c < 128; c++) if (s.ascii[c] === 1) w += FREQ[c]!;
  return w;
}
