// Patterns are written in JavaScript syntax and run on RE2 (re2js): the
// translation must keep their meaning. Differential: every pattern below finds
// exactly V8's matches (positions and lengths) on pseudo-random texts over an
// alphabet of the characters where the two syntaxes differ (JavaScript's
// whitespace set, line terminators, braces and brackets, hyphens).
import { expect } from 'chai';
import { compilePattern } from '../../../src/policy/checks/regex.js';
import { translate } from '../../../src/policy/regex/translate.js';

const ALPHABET = ['a', 'b', 'A', 'B', '1', '2', ' ', '\t', '\n', '\r', '\v', '\u00a0', '\u2028', '\u3000', '-', '_', '{', '}', '[', ']', '.', '/', '\\', 'é'];

function text(length: number, seed: number): string {
  let s = seed;
  let out = '';
  for (let i = 0; i < length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    out += ALPHABET[(s >>> 16) % ALPHABET.length];
  }
  return out;
}

/** "index:length" of every match, left to right, as the firewall takes them. */
function v8(body: string, flags: string, t: string): string[] {
  const re = new RegExp(body, flags + 'g');
  const out: string[] = [];
  for (let m = re.exec(t); m !== null; m = re.exec(t)) {
    out.push(`${m.index}:${m[0].length}`);
    if (m[0].length === 0) re.lastIndex++;
  }
  return out;
}

function re2(body: string, flags: string, t: string): string[] {
  const c = compilePattern(`/${body}/${flags}`);
  if (!c.ok) throw new Error(c.error);
  const cur = c.regex.cursor(t);
  const out: string[] = [];
  for (let at = 0; cur.find(at); ) {
    out.push(`${cur.start}:${cur.end - cur.start}`);
    at = cur.end > cur.start ? cur.end : cur.start + 1;
  }
  return out;
}

describe('policy regex: JavaScript syntax on the linear-time engine', () => {
  const cases: [string, string][] = [
    ['\\s+', ''],
    ['\\S+', ''],
    ['a\\sb', 'i'],
    ['[\\s-]+', ''],
    ['[^\\s]+', ''],
    ['[\\S]+', ''],
    ['a.b', ''],
    ['a.b', 's'],
    ['[^]', ''],
    ['x[]|a', ''],
    ['\\u00a0|\\u2028', ''],
    ['\\x41\\x62?', 'i'],
    ['\\cJ', ''],
    ['\\v', ''],
    ['[a-b1-2]+', ''],
    ['[\\w-]+', ''],
    ['[a\\-z]+', ''],
    ['[a-]+', ''],
    ['{', ''],
    ['}+', ''],
    ['\\{\\}', ''],
    [']', ''],
    ['a{2}', 'i'],
    ['[ab]{1,3}?', ''],
    ['(?<word>[ab]+)-', ''],
    ['(?:ab|a)b', 'i'],
    ['^a', 'm'],
    ['b$', 'm'],
    ['^a', ''],
    ['\\bab', 'i'],
    ['\\Bb', ''],
    ['\\/', ''],
    ['\\é', ''],
    ['\\d+', 'u'],
    ['\\u{e9}', 'u'],
    ['\\p{L}+', 'u'],
    ['[\\p{Lu}]', 'u'],
    ['\\[.\\]', ''],
  ];
  for (const [body, flags] of cases) {
    it(`/${body}/${flags} finds what V8 finds`, () => {
      for (let seed = 1; seed <= 8; seed++) {
        // With m, RE2 ends lines at \n only (documented): those texts keep \n and drop \r, U+2028, U+2029.
        const t = flags.includes('m') ? text(600, seed).replace(/[\r\u2028\u2029]/g, ' ') : text(600, seed);
        expect(re2(body, flags, t), `seed ${seed}`).to.deep.equal(v8(body, flags, t));
      }
    });
  }

  it('the documented difference: with m, ^ and $ see \\n only as a line end', () => {
    expect(v8('^b', 'm', 'a\rb')).to.deep.equal(['2:1']);
    expect(re2('^b', 'm', 'a\rb')).to.deep.equal([]);
    expect(re2('^b', 'm', 'a\nb')).to.deep.equal(['2:1']);
  });

  it('the documented difference: case-insensitive matching uses Unicode simple case folding', () => {
    expect(v8('s', 'i', '\u017f')).to.deep.equal([]);
    expect(re2('s', 'i', '\u017f')).to.deep.equal(['0:1']);
    expect(re2('k', 'i', 'K\u212a')).to.deep.equal(['0:1', '1:1']);
  });

  it('refuses what RE2 cannot run, naming it', () => {
    expect(translate('a(?=b)', '')).to.deep.include({ ok: false });
    expect(translate('(?<!a)b', '')).to.deep.include({ ok: false });
    expect(translate('(a)\\1', '')).to.deep.include({ ok: false });
    expect(translate('a{1001}', '')).to.deep.include({ ok: false });
    // \8 with no groups is an identity escape in JavaScript, \1 with none an octal one: refused with that reason, not called a backreference.
    const octal = translate('\\1', '');
    expect(octal.ok).to.equal(false);
    if (!octal.ok) expect(octal.error).to.match(/octal escape/);
  });
});
