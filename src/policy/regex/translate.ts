// Policy patterns are written in JavaScript regex syntax (what authors know,
// and what the docs promise); the router runs them on RE2 (re2js), whose
// syntax differs. This translates a pattern V8 has already accepted into RE2
// syntax with the same meaning, and refuses, with a true reason, what RE2
// cannot run in linear time: backreferences and lookarounds. Where meanings
// differ it spells out the JavaScript one: \s and . become JavaScript's
// character sets, \uXXXX becomes \x{XXXX}, identity escapes become literals.
// Known, documented differences that remain (docs/security/regex.md):
// case-insensitive matching uses Unicode simple case folding (ſ matches s, the
// Kelvin sign matches k), and with the m flag ^ and $ see \n only as a line end.

export type Translation = { ok: true; source: string } | { ok: false; error: string };

/** RE2's largest repetition count. */
export const MAX_REPEAT = 1000;

/** JavaScript's \s: WhiteSpace and LineTerminator code points, as RE2 class ranges. */
const JS_SPACE = String.raw`\t\n\x{0B}\f\r\x{20}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}`;
/** The complement of JS_SPACE, as class ranges (for \S inside a class). */
const JS_NOT_SPACE = String.raw`\x{0}-\x{8}\x{E}-\x{1F}\x{21}-\x{9F}\x{A1}-\x{167F}\x{1681}-\x{1FFF}\x{200B}-\x{2027}\x{202A}-\x{202E}\x{2030}-\x{205E}\x{2060}-\x{2FFF}\x{3001}-\x{FEFE}\x{FF00}-\x{10FFFF}`;
/** What . matches without the s flag: anything but a JavaScript line terminator. */
const JS_DOT = String.raw`[^\n\r\x{2028}\x{2029}]`;

class Refused extends Error {}

/**
 * `body` in RE2 syntax, or why RE2 cannot run it. `flags` are the JavaScript
 * flags (i m s u); i, m and s are emitted as a leading (?ims) group.
 */
export function translate(body: string, flags: string): Translation {
  try {
    const t = new Translator(body, flags.includes('u'), flags.includes('s'), countGroups(body));
    const source = t.run();
    const inline = [...'ims'].filter((f) => flags.includes(f)).join('');
    return { ok: true, source: (inline ? `(?${inline})` : '') + source };
  } catch (err) {
    if (err instanceof Refused) return { ok: false, error: err.message };
    throw err;
  }
}

const LOOKAHEAD = 'a lookahead ((?=…) or (?!…))';
const LOOKBEHIND = 'a lookbehind ((?<=…) or (?<!…))';
const BACKREF = 'a backreference (\\1 or \\k<name>)';
/** Why these constructs are refused: true for every one of them. */
export function unsupported(what: string): string {
  return `it uses ${what}, which the router's linear-time regex engine (RE2) cannot run`;
}

class Translator {
  #i = 0;
  #out = '';

  constructor(
    readonly src: string,
    readonly unicode: boolean,
    readonly dotAll: boolean,
    readonly groups: { count: number; named: boolean },
  ) {}

  run(): string {
    const s = this.src;
    while (this.#i < s.length) {
      const c = s[this.#i]!;
      if (c === '\\') this.#escape();
      else if (c === '[') this.#cls();
      else if (c === '(') this.#group();
      else if (c === '.') {
        this.#out += this.dotAll ? '(?s:.)' : JS_DOT;
        this.#i++;
      } else if (c === '{') this.#brace();
      else if (c === '}' || c === ']') {
        this.#out += '\\' + c; // literal in JavaScript's non-Unicode mode
        this.#i++;
      } else {
        this.#out += c;
        this.#i++;
      }
    }
    return this.#out;
  }

  /** `{n}`, `{n,}`, `{n,m}` after an atom is a quantifier; anything else is a literal brace (non-Unicode mode). */
  #brace(): void {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.#i));
    if (!m) {
      this.#out += '\\{';
      this.#i++;
      return;
    }
    const lo = Number(m[1]);
    const hi = m[3] ? Number(m[3]) : undefined;
    if (lo > MAX_REPEAT || (hi !== undefined && hi > MAX_REPEAT)) {
      throw new Refused(`it repeats ${m[0]}: more than ${MAX_REPEAT} repetitions, the most the router's linear-time regex engine (RE2) allows; use a smaller bound or + and *`);
    }
    this.#out += m[0];
    this.#i += m[0].length;
  }

  #group(): void {
    const rest = this.src.slice(this.#i, this.#i + 4);
    if (rest.startsWith('(?=') || rest.startsWith('(?!')) throw new Refused(unsupported(LOOKAHEAD));
    if (rest.startsWith('(?<=') || rest.startsWith('(?<!')) throw new Refused(unsupported(LOOKBEHIND));
    if (rest.startsWith('(?<')) {
      this.#out += '(?P<';
      this.#i += 3;
      return;
    }
    this.#out += '(';
    this.#i++;
  }

  #escape(): void {
    const s = this.src;
    const c = s[this.#i + 1]!;
    this.#i += 2;
    switch (c) {
      case 'd': case 'D': case 'w': case 'W': case 'b': case 'B':
      case 'n': case 'r': case 't': case 'f':
        this.#out += '\\' + c;
        return;
      case 'v':
        this.#out += '\\x{0B}';
        return;
      case 's':
        this.#out += `[${JS_SPACE}]`;
        return;
      case 'S':
        this.#out += `[^${JS_SPACE}]`;
        return;
      case 'k':
        if (this.unicode || this.groups.named) throw new Refused(unsupported(BACKREF));
        this.#out += 'k';
        return;
      default:
        this.#out += this.#charEscape(c, false);
    }
  }

  /** Escapes that stand for characters (valid inside and outside classes); `c` follows the backslash, already consumed. */
  #charEscape(c: string, inClass: boolean): string {
    const s = this.src;
    if (c >= '1' && c <= '9') {
      const n = Number(/^\d+/.exec(s.slice(this.#i - 1))![0]);
      if (!inClass && (this.unicode || n <= this.groups.count)) throw new Refused(unsupported(BACKREF));
      throw new Refused(`it uses the escape \\${c}, an octal escape in JavaScript, which the router's regex engine (RE2) does not read the same way; write \\xHH for a character`);
    }
    if (c === '0') {
      if (/^[0-9]/.test(s.slice(this.#i))) throw new Refused(`it uses an octal escape (\\0 followed by digits); write \\xHH for a character`);
      return '\\x{0}';
    }
    if (c === 'x' && /^[0-9a-fA-F]{2}/.test(s.slice(this.#i))) {
      const hex = s.slice(this.#i, this.#i + 2);
      this.#i += 2;
      return `\\x{${hex}}`;
    }
    if (c === 'u') {
      const braced = this.unicode ? /^\{([0-9a-fA-F]+)\}/.exec(s.slice(this.#i)) : null;
      if (braced) {
        this.#i += braced[0].length;
        return `\\x{${braced[1]}}`;
      }
      const four = /^[0-9a-fA-F]{4}/.exec(s.slice(this.#i));
      if (four) {
        this.#i += 4;
        let cp = parseInt(four[0], 16);
        // A surrogate pair written as two escapes is one code point to RE2.
        const low = cp >= 0xd800 && cp <= 0xdbff ? /^\\u(d[c-f][0-9a-f]{2})/i.exec(s.slice(this.#i)) : null;
        if (low) {
          cp = 0x10000 + ((cp - 0xd800) << 10) + (parseInt(low[1]!, 16) - 0xdc00);
          this.#i += 6;
        } else if (cp >= 0xd800 && cp <= 0xdfff) {
          throw new Refused(`it matches a lone surrogate (\\u${four[0]}), which the router's regex engine (RE2) reads text as whole code points cannot`);
        }
        return `\\x{${cp.toString(16)}}`;
      }
    }
    if (c === 'c') {
      if (!/^[A-Za-z]/.test(s.slice(this.#i))) return '\\\\c'; // JavaScript reads a lone \c as a backslash and a c
      const code = s.charCodeAt(this.#i) % 32;
      this.#i++;
      return `\\x{${code.toString(16)}}`;
    }
    if ((c === 'p' || c === 'P') && this.unicode) {
      const m = /^\{([^}]*)\}/.exec(s.slice(this.#i))!;
      this.#i += m[0].length;
      // RE2 names categories and scripts bare: \p{Lu}, \p{Greek}.
      const name = m[1]!.replace(/^(?:General_Category|gc|Script|sc|Script_Extensions|scx)=/, '');
      return `\\${c}{${name}}`;
    }
    if (c === 'b' && inClass) return '\\x{8}';
    // An identity escape: the character itself.
    return literal(c);
  }

  /** A character class: its items rebuilt so RE2 reads every one as JavaScript did. */
  #cls(): void {
    const s = this.src;
    this.#i++;
    let negated = false;
    if (s[this.#i] === '^') {
      negated = true;
      this.#i++;
    }
    // Items: a single character (as RE2 text) or a set (\d, \s …), and '-' between two singles is a range.
    const items: { text: string; single: boolean }[] = [];
    while (s[this.#i] !== ']') {
      const c = s[this.#i]!;
      if (c === '\\') {
        const e = s[this.#i + 1]!;
        this.#i += 2;
        if ('dDwW'.includes(e)) items.push({ text: '\\' + e, single: false });
        else if (e === 's') items.push({ text: JS_SPACE, single: false });
        else if (e === 'S') items.push({ text: JS_NOT_SPACE, single: false });
        else if (e === '-') items.push({ text: '\\-', single: true });
        else if ('nrtf'.includes(e)) items.push({ text: '\\' + e, single: true });
        else if (e === 'v') items.push({ text: '\\x{0B}', single: true });
        else if ((e === 'p' || e === 'P') && this.unicode) items.push({ text: this.#charEscape(e, true), single: false });
        else items.push({ text: this.#charEscape(e, true), single: true });
      } else if (c === '-') {
        items.push({ text: '-', single: false });
        this.#i++;
      } else {
        const cp = s.codePointAt(this.#i)!;
        const ch = String.fromCodePoint(cp);
        this.#i += this.unicode ? ch.length : 1;
        items.push({ text: cp < 128 ? literal(this.unicode ? ch : s[this.#i - 1]!) : `\\x{${(this.unicode ? cp : s.charCodeAt(this.#i - 1)).toString(16)}}`, single: true });
      }
    }
    this.#i++;
    let body = '';
    for (let k = 0; k < items.length; k++) {
      const it = items[k]!;
      const dash = items[k + 1];
      const end = items[k + 2];
      if (it.single && dash?.text === '-' && !dash.single && end?.single) {
        // A range only between two single characters; a hyphen anywhere else is literal.
        body += `${it.text}-${end.text}`;
        k += 2;
      } else body += it.text === '-' && !it.single ? '\\-' : it.text;
    }
    if (body === '') {
      // [] matches nothing, [^] any character.
      this.#out += negated ? '(?s:.)' : '[^\\x{0}-\\x{10FFFF}]';
      return;
    }
    this.#out += `[${negated ? '^' : ''}${body}]`;
  }
}

/** `c` as an RE2 literal: escaped when it is punctuation RE2 might read as syntax. */
function literal(c: string): string {
  return '\\^$.|?*+()[]{}-'.includes(c) ? '\\' + c : c;
}

/** Capturing groups in a pattern V8 accepted, and whether any is named (a \k then is a backreference). */
function countGroups(src: string): { count: number; named: boolean } {
  let count = 0;
  let named = false;
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(') {
      if (src[i + 1] !== '?') count++;
      else if (src[i + 2] === '<' && src[i + 3] !== '=' && src[i + 3] !== '!') {
        count++;
        named = true;
      }
    }
  }
  return { count, named };
}
