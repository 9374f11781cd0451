// The prefilter (src/policy/regex/prefilter.ts) lets the firewall skip the
// regex engine; it must never skip a match. Differential: on pseudo-random
// texts over characters each pattern cares about (case variants, the Kelvin
// sign and long s that fold to k and s, spaces, digits, '@'), every position
// where the engine finds a non-empty match is a candidate, and the matcher
// (which uses the prefilter, and tries few positions anchored) finds exactly
// what the engine's plain left-to-right search finds, for every window.
import { expect } from 'chai';
import { holdLast, inTable, regexMatcher, type Span } from '../../../src/firewall/matcher.js';
import { compilePattern } from '../../../src/policy/checks/regex.js';
import { LinearRegex } from '../../../src/policy/regex/linear.js';
import { nextCandidate, prefilterFor } from '../../../src/policy/regex/prefilter.js';

const ALPHABET = ['a', 'k', 's', 'K', 'S', 'x', 'X', 'p', '\u212a', '\u017f', 'é', '1', '2', '7', ' ', '\n', '-', '.', '@', '_', ':', '(', ')', '\t'];
/** Pieces of the patterns' matches, so that odd seeds give texts full of near and whole matches. */
const PIECES = ['password', 'PassWord', 'bearer', 'sk-', 'AKIA', '4111', '555', '.x.example', ' : ', '=', ' ', '  ', 'é', 'jane@', 'x.io'];

/** Whole matches with their usual surroundings (spaces inside a match, words before it). */
const POSITIVES = [
  'my password : hunter2 and PASSWORD=x, pass word',
  'send Bearer abc.def-1 then bearer  x9',
  'call (415) 555-2671 or 415.555.2671 now',
  'card 4111 1111 1111 1111. or 4111-1111-1111-1111',
  'mail jane.doe@example.org, kſ@x.io',
  'key sk-ab_c AKIAZZ ASIA12',
  'db1.x.example k.s Ks p@x 7@ x@ @@ a@ Ke7 ſx',
];

/** Random text, or (seed above 1,000) a positive text with random text around it. */
function sample(length: number, seed: number): string {
  if (seed <= 1000) return text(length, seed);
  return text(length / 4, seed) + POSITIVES[seed % POSITIVES.length] + text(length / 4, seed + 1);
}

function text(length: number, seed: number): string {
  let s = seed;
  let out = '';
  while (out.length < length) {
    s = (s * 1103515245 + 12345) >>> 0;
    const r = s >>> 16;
    out += seed % 2 === 1 && r % 3 === 0 ? PIECES[(r >>> 2) % PIECES.length] : ALPHABET[r % ALPHABET.length];
  }
  return out.slice(0, length);
}

/** Policy patterns (JavaScript syntax, as rules write them) and RE2 patterns (as detectors and substring rules are). */
const POLICY = [
  String.raw`\b\d{4}[\s-]?\d{4}[\s-]?\d{4}[\s-]?\d{4}\b`,
  String.raw`[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}`,
  String.raw`\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}`,
  String.raw`/sk-[A-Za-z0-9_-]{2,}/`,
  String.raw`[a-z0-9-]+\.x\.example`,
  String.raw`password\s*[:=]\s*\S+`,
  String.raw`bearer\s+[a-z0-9._-]{2,}`,
  'k', 'S', '/k/', '/s+@/', '/[^a-z ]+x/i', '/(?:ks|@)x?/', '/a|b|@@/', '/x(?:)?7/', '/(?:a{0}|7)@/', '/^7|x$/m', '/\\Bk\\d/',
  '/[\\w.]+@/', '/.x/s', '/.x/', '/(a|)@/', '/é+k/i', '/[^\\W\\d]+@/', '/\\u212a/i', '/ſ/i', '/(?<n>7)(?:x|@)+/',
];
const RE2 = [
  String.raw`(?i)\Qk.s\E`,
  String.raw`(?:AKIA|ASIA)[A-Z0-9]{2}`,
  String.raw`(?i:x)@|(?-i:K)7`,
  String.raw`[[:alpha:]]+@`,
  String.raw`\pL+@`,
  String.raw`\x{40}\x41`,
  String.raw`\101|\.\-`,
  String.raw`[\x{212A}-\x{212B}]s`,
];

const regexes: LinearRegex[] = [
  ...POLICY.map((p) => {
    const c = compilePattern(p);
    if (!c.ok) throw new Error(`${p}: ${c.error}`);
    return c.regex;
  }),
  ...RE2.map((p) => new LinearRegex(p)),
  LinearRegex.literal('Ks'),
  LinearRegex.literal('p@x'),
];

/** The matcher's find as it was before the prefilter: the engine's search, left to right. */
function reference(regex: LinearRegex, t: string, from: number, limit: number, notAfter?: Uint8Array): Span[] {
  const out: Span[] = [];
  const base = from > 0 ? from - 1 : 0;
  const input = t.slice(base);
  const c = regex.cursor(input);
  for (let at = from - base; c.find(at); ) {
    const { start, end } = c;
    if (start >= limit - base) break;
    if (notAfter && start > 0 && inTable(notAfter, input.charCodeAt(start - 1))) {
      at = start + 1;
      continue;
    }
    if (end <= start) {
      at = start + 1;
      continue;
    }
    out.push({ start: base + start, end: base + end });
    at = end;
  }
  return out;
}

describe('policy: regex prefilter', () => {
  it('reads the patterns the firewall ships and rules write', () => {
    for (const r of regexes) expect(r.prefilter, r.source).to.not.equal(null);
    const email = compilePattern(POLICY[1]!);
    if (!email.ok) throw new Error(email.error);
    const p = email.regex.prefilter!;
    // '@' is in every e-mail, and rarer than anything else in it.
    expect(p.required && [...p.required.ascii].flatMap((v, c) => (v ? [String.fromCharCode(c)] : []))).to.deep.equal(['@']);
    expect(p.contextFree).to.equal(true);
    expect(compilePattern(POLICY[0]!).ok && prefilterFor((compilePattern(POLICY[0]!) as { regex: LinearRegex }).regex.source)!.contextFree).to.equal(false);
    // A plain word never begins an e-mail unless an '@' follows through e-mail characters.
    expect(nextCandidate(p, 'the quarterly report', 0, 20)).to.equal(-1);
    expect(nextCandidate(p, 'the quarterly jane@x.io', 0, 23)).to.equal(14);
    // A card needs 16 digits: a run of digits, spaces and hyphens shorter than that cannot start one.
    const card = compilePattern(POLICY[0]!);
    if (!card.ok) throw new Error(card.error);
    expect(card.regex.prefilter!.minLength).to.equal(16);
    expect(nextCandidate(card.regex.prefilter!, 'call (415) 555-2671 or 4111 1111 1111 1111', 0, 42)).to.equal(23);
  });

  it('re2js folds only the Kelvin sign and long s to ASCII letters (what charset.ts fold relies on)', () => {
    const letter = new LinearRegex('(?i)[a-z]');
    const folded: number[] = [];
    for (let cp = 128; cp <= 0x10ffff; cp += cp < 0x10000 ? 1 : 61) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      if (letter.test(String.fromCodePoint(cp))) folded.push(cp);
    }
    expect(folded).to.deep.equal([0x17f, 0x212a]);
  });

  it('gives no prefilter for syntax it does not read (the engine then runs on every text)', () => {
    expect(prefilterFor('a(?=b)')).to.equal(null);
    expect(prefilterFor('\\q')).to.equal(null);
    expect(prefilterFor('(a')).to.equal(null);
  });

  it('every position where the engine finds a match is a candidate', () => {
    for (const r of regexes) {
      const p = r.prefilter!;
      for (const seed of [...Array(40).keys(), ...Array(POSITIVES.length).keys()].map((k, i) => (i < 40 ? k * 7 + 1 : 1001 + k))) {
        const t = sample(120, seed);
        const c = r.cursor(t);
        for (let s = 0; s < t.length; s++) {
          if (!c.find(s) || c.start !== s || c.end === s) continue;
          expect(nextCandidate(p, t, s, s + 1), `${r.source} at ${s} of ${JSON.stringify(t)}`).to.equal(s);
        }
      }
    }
  });

  it('the matcher finds what the engine finds, in every window, anchored or searching', () => {
    const notAfter = new Uint8Array(128);
    notAfter['7'.charCodeAt(0)] = notAfter['x'.charCodeAt(0)] = 1;
    for (const r of regexes) {
      for (const na of [undefined, notAfter]) {
        const m = regexMatcher(r, 40, holdLast(41), { notAfter: na });
        for (const seed of [3, 4, 11, 12, ...Array.from({ length: POSITIVES.length }, (_, k) => 1001 + k)]) {
          const t = sample(90, seed);
          for (let from = 0; from < t.length; from += 3) {
            for (const limit of [from + 1, from + 4, from + 16, from + 17, t.length]) {
              if (limit > t.length) continue;
              const got: Span[] = [];
              m.find(t, from, limit, got);
              expect(got, `${r.source} [${from}, ${limit}) of ${JSON.stringify(t)}`).to.deep.equal(reference(r, t, from, limit, na));
              if (m.mayMatch && !m.mayMatch(t, from, limit)) expect(got).to.deep.equal([]);
            }
          }
        }
      }
    }
  });
});
