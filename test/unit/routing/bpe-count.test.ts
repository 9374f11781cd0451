// The router's o200k token counter against gpt-tokenizer's (the reference it
// replaced for memory and worst-case time): identical counts on ordinary and
// adversarial text, special-token spellings as text, and linear time on pieces
// the reference merges in quadratic time.
import { expect } from 'chai';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { BpeCounter, MAX_PIECE_BYTES, o200kCounter } from '../../../src/routing/bpe-count.js';

const AS_TEXT = { disallowedSpecial: new Set<string>() };

/** Deterministic pseudo-random strings over ASCII, punctuation, accents, CJK, RTL, emoji, combining marks, lone surrogates. */
function corpus(count: number, seed: number): string[] {
  const chars = [
    ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
    ...' .,;:!?\'"()[]{}<>|/\\-_=+*&^%$#@~`\n\r\t',
    ...'éüßçñøåæœ日本語中文한국어русскийعربيעברית',
    '🎉', '👍🏽', '\u0301', '\u200d', '\ud800', '\udfff', "'s", "'LL", '<|endoftext|>', '<|im_start|>',
  ];
  let s = seed;
  const rnd = () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  return Array.from({ length: count }, () => {
    let out = '';
    const n = 1 + Math.floor(rnd() * 160);
    for (let k = 0; k < n; k++) out += chars[Math.floor(rnd() * chars.length)];
    return out;
  });
}

describe('routing: o200k token counter', function () {
  this.timeout(20_000);
  const counter = o200kCounter();

  it('counts exactly as gpt-tokenizer on prose, code, unicode and random text', () => {
    const fixed = [
      '',
      'hello world',
      'You are a helpful assistant for the support team.\nCan you summarize the attached meeting notes?',
      'function f(x) { return x * 2; } // 12345678 3.14159e-10',
      "I'm sure they'll say WE'RE fine, can't they?",
      '日本語のテキストと中文和한국어 — русский текст, عربي, עברית',
      '🎉👍🏽 family: 👨‍👩‍👧‍👦 flags 🇫🇷🇯🇵',
      'lone \ud800 and \udfff surrogates',
      '   \n\n\t  indented\r\n  lines  ',
      'Explain <|endoftext|> and <|im_start|>system<|im_sep|> in a tokenizer.',
      'x'.repeat(MAX_PIECE_BYTES),
      'ab'.repeat(60),
    ];
    const mismatches = [...fixed, ...corpus(2000, 11)].filter((t) => counter.count(t) !== countTokens(t, AS_TEXT));
    expect(mismatches.map((t) => JSON.stringify(t).slice(0, 80))).to.deep.equal([]);
  });

  it('merges an overlong piece in chunks: linear time, within a token per chunk of the exact count', () => {
    const exact = countTokens('a'.repeat(4096), AS_TEXT);
    const chunked = counter.count('a'.repeat(4096));
    expect(Math.abs(chunked - exact)).to.be.at.most(4096 / MAX_PIECE_BYTES);
    // 200,000 letters in one piece: the reference takes seconds (quadratic); this stays well under a second.
    const t0 = performance.now();
    expect(counter.count('q'.repeat(200_000))).to.be.greaterThan(0);
    expect(performance.now() - t0).to.be.lessThan(1_000);
  });

  // o200k's ranks are its line numbers, so the counter keeps no rank array for it; a
  // vocabulary whose ranks are not in line order must still merge by rank.
  it('merges by rank, also when ranks are not the line order', () => {
    const vocabulary = (ab: number, bc: number): Buffer =>
      Buffer.from(['a 0', 'b 1', 'c 2', 'd 3', `ab ${ab}`, `bc ${bc}`, 'cd 6'].map((l) => `${Buffer.from(l.split(' ')[0]!).toString('base64')} ${l.split(' ')[1]}\n`).join(''));
    // ab before bc: ab, c, d -> ab, cd (2 tokens). bc before ab: a, bc, d (3 tokens).
    expect(new BpeCounter(vocabulary(4, 5), /[\s\S]+/g).count('abcd')).to.equal(2);
    expect(new BpeCounter(vocabulary(5, 4), /[\s\S]+/g).count('abcd')).to.equal(3);
  });
});
