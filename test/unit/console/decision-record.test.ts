import { expect } from 'chai';
import { recordPipelineDecision } from '../../../src/console/decision-record.js';
import { DecisionRing } from '../../../src/console/decision-ring.js';
import type { PolicySet } from '../../../src/policy/types.js';
import { Trace } from '../../../src/stages/trace.js';

const PROMPT = 'my zebra knows the orchard-lantern secret';
const MASKED = 'my [ANIMAL] knows the orchard-lantern secret';

const request = (text: string) => ({ api: 'chat', model: 'auto', stream: true, instructions: undefined, tools: [], items: [{ type: 'message', role: 'user', content: [{ type: 'text', text }] }] });

/** A trace as the pipeline leaves it: the routed request and facts hold the prompt, the screened one the masked text. */
function trace(): Trace {
  const t = new Trace();
  const provider = { name: 'openai', type: 'openai', baseUrl: 'http://x' };
  const model = { name: 'metered', provider: 'openai' };
  const decision = {
    mode: 'balance',
    modeSource: 'default',
    candidates: [{ provider, model, via: 'score', terms: { score: 1 } }],
    excluded: [],
    confidence: 1,
    facts: { text: PROMPT },
    actions: {},
    rules: ['rule-a'],
    warnings: [],
    trace: [{ rule: 'rule-a', facts: { text: PROMPT } }],
    estimatedInputTokens: 9,
  };
  t.routed = { request: request(PROMPT), decision } as any;
  t.screened = { routed: t.routed, request: request(MASKED), warnings: [], hits: [] } as any;
  t.hits.push({ rule: 'mask-zebra', action: 'mask', scope: 'prompt' });
  t.dispatch = { attempts: [{ provider: 'openai', model: 'metered', outcome: 'success', status: 200, ms: 12 }] } as any;
  t.answered = { served: { provider, model }, usage: { inputTokens: 9, outputTokens: 4, cachedTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, totalTokens: 13 } } as any;
  t.status = 200;
  return t;
}

const policy = (recordPrompts: boolean) => ({ settings: { console: { recordPrompts } } }) as unknown as PolicySet;
const ctx = (recordPrompts: boolean) => ({ requestId: 'req_1', traceId: undefined, api: 'chat', caller: 'k', policy: policy(recordPrompts) });

describe('console: the decision record', () => {
  it('keeps no prompt text, the request or the routing facts when recordPrompts is off', () => {
    const ring = new DecisionRing(10);
    recordPipelineDecision(ring, ctx(false), trace(), 'success', 0.004, 12.5);
    const r = ring.find('req_1')!;
    expect(JSON.stringify(r)).to.not.include('orchard-lantern');
    expect(r).to.include({ provider: 'openai', model: 'metered', outcome: 'success', status: 200, stream: true, latencyMs: 12.5, costUsd: 0.004 });
    expect(r.candidates).to.deep.equal([['openai', 'metered', 'score', { score: 1 }]]);
    expect(r.rules).to.deep.equal(['rule-a']);
    expect(r.prompt).to.equal(undefined);
  });

  it('keeps the masked prompt only when recordPrompts is on', () => {
    const ring = new DecisionRing(10);
    recordPipelineDecision(ring, ctx(true), trace(), 'success', 0.004, 12.5);
    const r = ring.find('req_1')!;
    expect(r.prompt).to.equal(MASKED);
    expect(JSON.stringify(r)).to.not.include('zebra knows');
  });
});
