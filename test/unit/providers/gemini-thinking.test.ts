// reasoning.effort reaches Gemini as its own thinking control: a level for Gemini 3 and later
// (Pro models know only low and high), a token budget for Gemini 2.5 — never both (Gemini's 400).
import { expect } from 'chai';
import { thinkingConfig } from '../../../src/providers/gemini/thinking.js';

describe('gemini thinkingConfig from reasoning.effort', () => {
  it('Gemini 3 Pro: minimal and low → low, medium and high → high, no budget', () => {
    expect(thinkingConfig('minimal', 'gemini-3-pro-preview')).to.deep.equal({ includeThoughts: true, thinkingLevel: 'low' });
    expect(thinkingConfig('low', 'gemini-3-pro-preview')).to.deep.equal({ includeThoughts: true, thinkingLevel: 'low' });
    expect(thinkingConfig('medium', 'gemini-3-pro-preview')).to.deep.equal({ includeThoughts: true, thinkingLevel: 'high' });
    expect(thinkingConfig('high', 'models/gemini-3.1-pro')).to.deep.equal({ includeThoughts: true, thinkingLevel: 'high' });
  });

  it('Gemini 3 Flash takes every level as asked', () => {
    for (const effort of ['minimal', 'low', 'medium', 'high'] as const) {
      expect(thinkingConfig(effort, 'gemini-3-flash-preview')).to.deep.equal({ includeThoughts: true, thinkingLevel: effort });
    }
  });

  it('Gemini 2.5 (and names without a generation): a token budget that grows with the effort', () => {
    const budgets = (['minimal', 'low', 'medium', 'high'] as const).map((e) => thinkingConfig(e, 'gemini-2.5-flash').thinkingBudget as number);
    expect(budgets).to.deep.equal([512, 1024, 8192, 24576]);
    expect(thinkingConfig('low', 'my-tuned-model')).to.deep.equal({ includeThoughts: true, thinkingBudget: 1024 });
    expect(thinkingConfig('high', 'gemini-2.5-pro')).to.not.have.property('thinkingLevel');
  });
});
