// Anthropic cache breakpoints (src/providers/anthropic/cache.ts): what gets marked,
// what cannot be (thinking blocks), and Anthropic's limit of 4 marks per request,
// which holds even when the body already carries marks.
import { expect } from 'chai';
import { addCacheBreakpoints, MAX_BREAKPOINTS } from '../../../src/providers/anthropic/cache.js';
import { conventionBehaviour } from '../../../src/simulator/script.js';

const E = { type: 'ephemeral' };

describe('anthropic cache breakpoints', () => {
  it('marks the last tool, the system text (made a block) and the last block of the turn before the newest', () => {
    const body: any = {
      tools: [{ name: 'a' }, { name: 'b' }],
      system: 'sys',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'q1' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'a1' }, { type: 'tool_use', id: 't', name: 'a', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't' }] },
      ],
    };
    expect(addCacheBreakpoints(body)).to.equal(3);
    expect(body.tools[0]).to.not.have.property('cache_control');
    expect(body.tools[1].cache_control).to.deep.equal(E);
    expect(body.system).to.deep.equal([{ type: 'text', text: 'sys', cache_control: E }]);
    expect(body.messages[1].content[1].cache_control).to.deep.equal(E);
    expect(body.messages[2].content[0]).to.not.have.property('cache_control');
  });

  it('skips thinking blocks (they cannot carry cache_control) and empty parts of the prefix', () => {
    const body: any = {
      messages: [
        { role: 'assistant', content: [{ type: 'text', text: 'x' }, { type: 'thinking', thinking: '…', signature: 's' }] },
        { role: 'user', content: [{ type: 'text', text: 'q' }] },
      ],
    };
    expect(addCacheBreakpoints(body)).to.equal(1);
    expect(body.messages[0].content[0].cache_control).to.deep.equal(E);
    expect(body.messages[0].content[1]).to.not.have.property('cache_control');
    expect(body).to.not.have.property('system');
  });

  it('never exceeds 4 marks: with 3 already present only one is added', () => {
    const body: any = {
      tools: [{ name: 'a', cache_control: E }, { name: 'b' }],
      system: [{ type: 'text', text: 's1', cache_control: E }, { type: 'text', text: 's2' }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'q1', cache_control: E }] },
        { role: 'assistant', content: [{ type: 'text', text: 'a1' }] },
        { role: 'user', content: [{ type: 'text', text: 'q2' }] },
      ],
    };
    expect(addCacheBreakpoints(body)).to.equal(MAX_BREAKPOINTS);
    expect(body.tools[1].cache_control).to.deep.equal(E);
    expect(body.system[1]).to.not.have.property('cache_control');
    expect(body.messages[1].content[0]).to.not.have.property('cache_control');
  });

  it('simulator convention: -cached<n> and -cachewrite<n> script cache reads and writes', () => {
    expect(conventionBehaviour('m-cached6')).to.deep.equal({ cachedInputTokens: 6 });
    expect(conventionBehaviour('m-cached3-cachewrite2-fail429x1')).to.deep.equal({ cachedInputTokens: 3, cacheWriteTokens: 2, fail: { status: 429, times: 1 } });
  });
});
