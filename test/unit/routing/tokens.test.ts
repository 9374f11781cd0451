// The routing token estimate: exact o200k counts for ordinary sizes, special
// token spellings counted as text, very large inputs extrapolated from a prefix.
import { expect } from 'chai';
import { estimateTokens } from '../../../src/routing/tokens.js';

describe('routing: estimateTokens', () => {
  it('counts o200k tokens exactly, plus a fixed budget per image', () => {
    expect(estimateTokens('hello world')).to.equal(2);
    expect(estimateTokens('hello world', 2)).to.equal(2 + 2 * 765);
    expect(estimateTokens('')).to.equal(0);
  });

  it('counts text that spells a special token as ordinary text instead of throwing', () => {
    const n = estimateTokens('before <|endoftext|> after <|im_start|>');
    // As text, "<|endoftext|>" is several tokens; as a special token it would be one.
    expect(n).to.be.greaterThan(estimateTokens('before  after ') + 2);
  });

  it('extrapolates inputs past 200,000 characters from a counted prefix', () => {
    const unit = 'the quarterly report shows steady growth across all regions ';
    const big = unit.repeat(Math.ceil(1_000_000 / unit.length));
    const exact = estimateTokens(big.slice(0, 200_000));
    const estimate = estimateTokens(big);
    expect(estimate / exact).to.be.closeTo(big.length / 200_000, 0.01);
  });
});
