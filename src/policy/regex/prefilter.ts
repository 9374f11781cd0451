// What a pattern's syntax proves about where a match can be, computed once
// when the pattern is compiled, so the scanner can skip the engine on text
// that cannot hold a match (most text: re2js costs 1–3 µs for a few hundred
// characters, a table lookup a nanosecond):
//   - first: the characters a non-empty match can begin with;
//   - required: characters of which every non-empty match holds one (the
//     rarest such set in ordinary text, e.g. '@' for an e-mail pattern).
// Both are supersets of the truth (conservative): a check that fails proves
// there is no match; one that passes proves nothing. Anything this reader does
// not understand gives no prefilter at all, and the scanner runs the engine as
// before. The reader takes RE2 syntax (what LinearRegex compiles).

import { addAll, complement, fold as foldCase, range, RARE_ENOUGH, set, union, weight, type CharSet } from './charset.js';

export type { CharSet } from './charset.js';

export interface Prefilter {
  readonly first: CharSet;
  /** Null when no set is both required and rare enough to be worth checking. */
  readonly required: CharSet | null;
  /**
   * No assertion reads the text before a match (\b, \B, ^, \A): the match
   * starting at a position depends only on the text from there on, so it can
   * be found anchored on that suffix (LinearRegex.matchAt).
   */
  readonly contextFree: boolean;
  /** Every character any match can hold: a match is a run of these. */
  readonly alphabet: CharSet;
  /** The fewest characters (code points, so at most as many UTF-16 units) a non-empty match holds. */
  readonly minLength: number;
}

/** The first index in [from, limit) whose character may begin a match, or -1. */
export function nextStart(p: Prefilter, text: string, from: number, limit: number): number {
  const { ascii, other } = p.first;
  for (let i = from; i < limit; i++) {
    const c = text.charCodeAt(i);
    if (c < 128 ? ascii[c] === 1 : other) return i;
  }
  return -1;
}

/**
 * The first index in [from, limit) where a match may begin: its character may
 * begin one, and the run of alphabet characters from it (a match is one such
 * run) is at least minLength long and holds a required character. A start
 * that fails fails for every later start in its run (their runs are shorter,
 * with the same characters), so a run is read once, and the answer for a
 * start is found as soon as the run proves it.
 */
export function nextCandidate(p: Prefilter, text: string, from: number, limit: number): number {
  const { required: req, alphabet: alpha, minLength: min } = p;
  if (req === null && min <= 1) return nextStart(p, text, from, limit);
  for (let at = from; ; ) {
    const s = nextStart(p, text, at, limit);
    if (s < 0) return -1;
    let hasReq = req === null;
    let i = s;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (req !== null && (c < 128 ? req.ascii[c] === 1 : req.other)) hasReq = true;
      else if (c < 128 ? alpha.ascii[c] === 0 : !alpha.other) break;
      if (hasReq && i + 1 - s >= min) return s;
    }
    at = i + 1; // the run [s, i) is too short or holds no required character: no start in it can match
  }
}

/** The prefilter of an RE2 pattern, or null when its syntax is not understood (the engine then runs on every text). */
export function prefilterFor(source: string): Prefilter | null {
  let node: Node;
  const reader = new Reader(source);
  try {
    node = reader.read();
  } catch {
    return null;
  }
  let required: CharSet | null = null;
  let best = RARE_ENOUGH;
  for (const s of node.req) {
    const w = weight(s);
    if (w < best) [required, best] = [s, w];
  }
  return { first: node.first, required, contextFree: !reader.readsBefore, alphabet: reader.alphabet, minLength: Math.max(1, node.min) };
}

// ---- the reader ---------------------------------------------------------------------

/** What a sub-pattern proves: whether it can match empty, its first characters, and sets each of its matches holds. */
interface Node {
  nullable: boolean;
  /** The fewest characters a match holds. */
  min: number;
  first: CharSet;
  /** Every match (empty ones included) holds a character of each set. */
  req: CharSet[];
}

class Unsupported extends Error {}

interface Flags {
  fold: boolean;
  dotNl: boolean;
}

const EMPTY: Node = { nullable: true, min: 0, first: set(), req: [] };

class Reader {
  #i = 0;
  /** Whether an assertion reads the character before its position (\b, \B, ^, \A). */
  readsBefore = false;
  /** Every character a node matches, gathered as they are read. */
  readonly alphabet = set();
  constructor(readonly src: string) {}

  read(): Node {
    const n = this.#alt({ fold: false, dotNl: false });
    if (this.#i !== this.src.length) throw new Unsupported();
    return n;
  }

  #alt(flags: Flags): Node {
    let n = this.#concat(flags);
    while (this.src[this.#i] === '|') {
      this.#i++;
      const b = this.#concat(flags);
      n = { nullable: n.nullable || b.nullable, min: Math.min(n.min, b.min), first: union(n.first, b.first), req: eitherReq(n, b) };
    }
    return n;
  }

  #concat(flags: Flags): Node {
    let n = EMPTY;
    for (;;) {
      const c = this.src[this.#i];
      if (c === undefined || c === '|' || c === ')') return n;
      const item = this.#quantified(flags);
      n = { nullable: n.nullable && item.nullable, min: n.min + item.min, first: n.nullable ? union(n.first, item.first) : n.first, req: [...n.req, ...item.req] };
    }
  }

  #quantified(flags: Flags): Node {
    let n = this.#atom(flags);
    for (;;) {
      const c = this.src[this.#i];
      let min: number;
      if (c === '*' || c === '?') [min, this.#i] = [0, this.#i + 1];
      else if (c === '+') [min, this.#i] = [1, this.#i + 1];
      else if (c === '{' && REPEAT.test(this.src.slice(this.#i))) {
        const m = REPEAT.exec(this.src.slice(this.#i))!;
        this.#i += m[0].length;
        min = Number(m[1]);
        if (m[2] === undefined && min === 0) n = { ...EMPTY, first: set() }; // x{0} matches only the empty string
        else if (m[3] !== undefined && m[3] !== '' && Number(m[3]) === 0) n = { ...EMPTY, first: set() };
      } else return n;
      if (this.src[this.#i] === '?') this.#i++; // lazy: same characters
      n = min === 0 ? { nullable: true, min: 0, first: n.first, req: [] } : { ...n, min: n.min * min };
    }
  }

  #atom(flags: Flags): Node {
    const s = this.src;
    const c = s[this.#i]!;
    if (c === '(') return this.#group(flags);
    if (c === '[') return this.#chars(this.#cls(flags));
    if (c === '.') {
      this.#i++;
      const any = range(set(), 0, 127, true);
      if (!flags.dotNl) any.ascii[10] = 0;
      return this.#chars(any);
    }
    if (c === '^' || c === '$') {
      if (c === '^') this.readsBefore = true;
      this.#i++;
      return EMPTY;
    }
    if (c === '\\') return this.#escape(flags);
    if (c === '*' || c === '+' || c === '?' || (c === '{' && REPEAT.test(s.slice(this.#i)))) throw new Unsupported();
    const cp = s.codePointAt(this.#i)!;
    this.#i += cp > 0xffff ? 2 : 1;
    return this.#chars(literal(cp, flags));
  }

  /** A node matching one character of `s`, which joins the alphabet. */
  #chars(s: CharSet): Node {
    addAll(this.alphabet, s);
    return chars(s);
  }

  #group(outer: Flags): Node {
    const s = this.src;
    this.#i++;
    const flags = { ...outer };
    if (s[this.#i] === '?') {
      const named = /^\?P?<[A-Za-z0-9_]+>/.exec(s.slice(this.#i));
      if (named) this.#i += named[0].length;
      else {
        const m = /^\?([imsU]*)(?:-([imsU]*))?([:)])/.exec(s.slice(this.#i));
        if (!m) throw new Unsupported();
        this.#i += m[0].length;
        setFlags(m[3] === ')' ? outer : flags, m[1]!, true);
        setFlags(m[3] === ')' ? outer : flags, m[2] ?? '', false);
        if (m[3] === ')') return EMPTY; // (?i) changes the flags of the rest of the enclosing group
      }
    }
    const n = this.#alt(flags);
    if (s[this.#i] !== ')') throw new Unsupported();
    this.#i++;
    return n;
  }

  #escape(flags: Flags): Node {
    const s = this.src;
    const e = s[this.#i + 1];
    if (e === undefined) throw new Unsupported();
    if ('bBAz'.includes(e)) {
      if (e !== 'z') this.readsBefore = true;
      this.#i += 2;
      return EMPTY;
    }
    if (e === 'Q') {
      // \Q…\E: literal text.
      const end = s.indexOf('\\E', this.#i + 2);
      const text = s.slice(this.#i + 2, end < 0 ? s.length : end);
      this.#i = end < 0 ? s.length : end + 2;
      let n = EMPTY;
      for (const ch of text) {
        const item = this.#chars(literal(ch.codePointAt(0)!, flags));
        n = { nullable: false, min: n.min + 1, first: n.nullable ? item.first : n.first, req: [...n.req, ...item.req] };
      }
      return n;
    }
    return this.#chars(this.#classEscape(flags));
  }

  /** An escape standing for characters (outside or inside a class); the reader is on the backslash. */
  #classEscape(flags: Flags): CharSet {
    const s = this.src;
    const e = s[this.#i + 1]!;
    this.#i += 2;
    const perl = PERL[e];
    if (perl) return fold(perl(), flags);
    if (e === 'p' || e === 'P' || e === 'C') {
      if (e !== 'C') this.#i += s[this.#i] === '{' ? s.indexOf('}', this.#i) - this.#i + 1 : 1;
      return range(set(), 0, 127, true);
    }
    if (e === 'x') {
      const m = /^(?:\{([0-9A-Fa-f]+)\}|([0-9A-Fa-f]{2}))/.exec(s.slice(this.#i));
      if (!m) throw new Unsupported();
      this.#i += m[0].length;
      return literal(parseInt(m[1] ?? m[2]!, 16), flags);
    }
    if (e >= '0' && e <= '7') {
      const m = /^[0-7]{0,2}/.exec(s.slice(this.#i))!;
      this.#i += m[0].length;
      return literal(parseInt(e + m[0], 8), flags);
    }
    const ctl = CONTROL[e];
    if (ctl !== undefined) return literal(ctl, flags);
    if (/[^A-Za-z0-9]/.test(e) && e.charCodeAt(0) < 128) return literal(e.charCodeAt(0), flags);
    throw new Unsupported();
  }

  #cls(flags: Flags): CharSet {
    const s = this.src;
    this.#i++;
    const negated = s[this.#i] === '^';
    if (negated) this.#i++;
    const out = set();
    for (let first = true; first || s[this.#i] !== ']'; first = false) {
      if (this.#i >= s.length) throw new Unsupported();
      if (s.startsWith('[:', this.#i)) {
        // A POSIX class: taken as every character (a superset).
        const end = s.indexOf(':]', this.#i + 2);
        if (end < 0) throw new Unsupported();
        this.#i = end + 2;
        addAll(out, range(set(), 0, 127, true));
        continue;
      }
      const lo = this.#classItem();
      if (typeof lo !== 'number') {
        addAll(out, lo);
        continue;
      }
      if (s[this.#i] === '-' && s[this.#i + 1] !== ']' && this.#i + 1 < s.length) {
        this.#i++;
        const hi = this.#classItem();
        if (typeof hi !== 'number' || hi < lo) throw new Unsupported();
        range(out, lo, hi, hi >= 128);
      } else range(out, lo, lo, lo >= 128);
    }
    this.#i++;
    // Negated then folded: a superset of folding first (what RE2 does).
    return fold(negated ? complement(out) : out, flags);
  }

  /** One class item: a code point, or a set for a class escape (\d, \p{…}). */
  #classItem(): number | CharSet {
    const s = this.src;
    if (s[this.#i] !== '\\') {
      const cp = s.codePointAt(this.#i)!;
      this.#i += cp > 0xffff ? 2 : 1;
      return cp;
    }
    const e = s[this.#i + 1];
    if (e !== undefined && (PERL[e] || e === 'p' || e === 'P')) return this.#classEscape({ fold: false, dotNl: false });
    const single = this.#classEscape({ fold: false, dotNl: false });
    let cp = -1;
    for (let c = 0; c < 128; c++) if (single.ascii[c] === 1) cp = c;
    return single.other ? 128 : cp;
  }
}

const REPEAT = /^\{(\d+)(,(\d*))?\}/;
const CONTROL: Record<string, number> = { a: 7, f: 12, t: 9, n: 10, r: 13, v: 11 };
const PERL: Record<string, () => CharSet> = {
  d: () => range(set(), 48, 57, false),
  w: () => range(range(range(range(set(), 48, 57, false), 65, 90, false), 97, 122, false), 95, 95, false),
  s: () => [9, 10, 12, 13, 32].reduce((acc, c) => range(acc, c, c, false), set()),
  D: () => complement(PERL.d!()),
  W: () => complement(PERL.w!()),
  S: () => complement(PERL.s!()),
};

function setFlags(flags: Flags, letters: string, on: boolean): void {
  if (letters.includes('i')) flags.fold = on;
  if (letters.includes('s')) flags.dotNl = on;
}

function literal(cp: number, flags: Flags): CharSet {
  return fold(range(set(), cp, cp, cp >= 128), flags);
}

/** A node matching one character of `s`. */
function chars(s: CharSet): Node {
  return { nullable: false, min: 1, first: s, req: [s] };
}

/** The required sets of `a|b`: the union of each side's rarest set (none if either side has none). */
function eitherReq(a: Node, b: Node): CharSet[] {
  const ra = rarest(a.req);
  const rb = rarest(b.req);
  return ra && rb ? [union(ra, rb)] : [];
}

function rarest(sets: readonly CharSet[]): CharSet | null {
  let best: CharSet | null = null;
  let w = Infinity;
  for (const s of sets) if (weight(s) < w) [best, w] = [s, weight(s)];
  return best;
}

/** `s` with case folded under (?i) (charset.ts fold). */
function fold(s: CharSet, flags: Flags): CharSet {
  return flags.fold ? foldCase(s) : s;
}
