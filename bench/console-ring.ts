// The console's cost on the data plane (issue 21, deliverable 3): the one
// thing a request pays for the console is the decision-ring write in the
// account stage. This times that write (recordPipelineDecision on a trace
// shaped like a served request with three candidates, two attempts and a
// firewall hit) against the ring's largest size, recordPrompts off and on.
//   node dist/bench/console-ring.js
import { recordPipelineDecision } from '../src/console/decision-record.js';
import { DecisionRing, MAX_DECISIONS } from '../src/console/decision-ring.js';
import type { PolicySet } from '../src/policy/types.js';
import { Trace } from '../src/stages/trace.js';
import { timeCalls } from './timing.js';

function servedTrace(): Trace {
  const t = new Trace();
  const provider = { name: 'openai', type: 'openai', baseUrl: 'http://x' };
  const models = ['a', 'b', 'c'].map((name) => ({ name, provider: 'openai' }));
  const request = { api: 'chat', model: 'auto', stream: false, tools: [], items: [{ type: 'message', role: 'user', content: [{ type: 'text', text: 'word '.repeat(400) }] }] };
  const decision = {
    mode: 'balance',
    modeSource: 'default',
    candidates: models.map((model) => ({ provider, model, via: 'score', terms: { costUsd: 0.001, latencyMs: 100, quality: 0.5, cost: 1, latency: 1, qualityTerm: 1, score: 1, latencySource: 'live' } })),
    rules: ['rule-a'],
  };
  t.routed = { request, decision } as any;
  t.screened = { routed: t.routed, request, warnings: [], hits: [] } as any;
  t.hits.push({ rule: 'mask-x', action: 'mask', scope: 'prompt' });
  t.dispatch = { attempts: [{ provider: 'openai', model: 'a', outcome: 'failover', reason: 'server_error', status: 500, ms: 10 }, { provider: 'openai', model: 'b', outcome: 'success', status: 200, ms: 20 }] } as any;
  t.answered = { served: { provider, model: models[1] }, usage: { inputTokens: 400, outputTokens: 20, cachedTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, totalTokens: 420 } } as any;
  t.status = 200;
  return t;
}

async function main(): Promise<void> {
  const t = servedTrace();
  for (const recordPrompts of [false, true]) {
    const ring = new DecisionRing(MAX_DECISIONS);
    const policy = { settings: { console: { recordPrompts } } } as unknown as PolicySet;
    let n = 0;
    const timing = await timeCalls(
      () => recordPipelineDecision(ring, { requestId: `req_${n++}`, traceId: undefined, api: 'chat', caller: 'k', policy }, t, 'success', 0.001, 30),
      { warmup: 20_000, iterations: 200_000 },
    );
    console.log(`ring write, recordPrompts ${recordPrompts ? 'on ' : 'off'}: p50 ${timing.p50.toFixed(2)} µs, p99 ${timing.p99.toFixed(2)} µs, mean ${timing.mean.toFixed(2)} µs (${timing.iterations} calls)`);
  }
}

await main();
