// LiveInputs.record: what one finished request teaches the live state —
// tokens and spend for the limits, and which attempt's timing becomes a
// latency sample (streams: ttft + generation; non-stream: the residual).
import { expect } from 'chai';
import type { Usage } from '../../../src/canonical/types.js';
import type { ModelSpec, PolicySet, ProviderSpec } from '../../../src/policy/types.js';
import { LiveInputs } from '../../../src/state/live-inputs.js';
import { RouterError } from '../../../src/errors/registry.js';
import { UpstreamHttpError } from '../../../src/upstream/errors.js';

const provider: ProviderSpec = { name: 'p', type: 'openai', baseUrl: 'http://127.0.0.1:1', limits: { maxConcurrency: 1 } };
const model: ModelSpec = { name: 'm', provider: 'p', pricing: { input: 1, output: 1 }, quality: 0.5, contextWindow: 1000, capabilities: [], latency: { ttftMs: 500, tokensPerSecond: 100 } };
const served = { provider, model };
const usage = (input: number, output: number): Usage => ({ inputTokens: input, outputTokens: output, cachedTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, totalTokens: input + output });
const set = { providers: new Map([['p', provider]]), models: new Map([['p/m', model]]), scopes: new Map() } as unknown as PolicySet;

describe('routing state', () => {
  it('counts tokens and spend of the served answer for the provider limits', () => {
    const r = new LiveInputs({ latency: { minSamples: 1 } });
    r.record({ attempts: [{ provider: 'p', model: 'm', outcome: 'success', ms: 1000 }], served, usage: usage(300, 200), costUsd: 0.25, streamed: false });
    expect(r.limits.usage('p')).to.deep.include({ tokensLastMinute: 500, spentTodayUsd: 0.25 });
  });

  it('learns latency only from the successful attempt of the served target', () => {
    const r = new LiveInputs({ latency: { minSamples: 1 } });
    r.record({
      attempts: [
        { provider: 'p', model: 'm', outcome: 'retry', ms: 30_000 },
        { provider: 'p', model: 'm', outcome: 'success', ms: 2000, ttftMs: 400 },
      ],
      served,
      usage: usage(10, 320),
      streamed: true,
    });
    // ttft 400 ms; 320 tokens over the 1600 ms after the first event = 200 tok/s
    expect(r.latency.latency(served)).to.deep.include({ ttftMs: 400, tokensPerSecond: 200 });
    const u = new LiveInputs({ latency: { minSamples: 1 } });
    // non-stream: 2600 ms for 200 tokens at the 100 tok/s prior → 600 ms to first token
    u.record({ attempts: [{ provider: 'p', model: 'm', outcome: 'success', ms: 2600 }], served, usage: usage(10, 200), streamed: false });
    expect(u.latency.latency(served)!.ttftMs).to.equal(600);
    const broken = new LiveInputs({ latency: { minSamples: 1 } });
    broken.record({ attempts: [{ provider: 'p', model: 'm', outcome: 'stream_error', ms: 100, ttftMs: 50 }], served, usage: usage(10, 5), costUsd: 0.01, streamed: true });
    expect(broken.latency.latency(served), 'a broken stream is no latency sample').to.equal(undefined);
    expect(broken.limits.usage('p').spentTodayUsd, '…but it was billed').to.equal(0.01);
  });

  it('dispatch hooks: begin takes and releases the slot, refuses with a failover-able 429; coolDown is capped at an hour', async () => {
    let now = 1_000_000;
    const r = new LiveInputs({ now: () => now });
    const hooks = r.dispatchHooks(set);
    const release = await hooks.begin(served); // synchronous with the memory backend
    let refusal: unknown;
    try {
      hooks.begin(served);
    } catch (err) {
      refusal = err;
    }
    expect(refusal).to.be.instanceOf(UpstreamHttpError);
    expect((refusal as UpstreamHttpError).mapped).to.deep.include({ status: 429, code: 'rate_limit_exceeded', message: 'p: limits: 1 calls in flight (maxConcurrency 1)', retryAfterSeconds: 1 });
    release();
    expect(r.limits.usage('p').inFlight).to.equal(0);
    hooks.coolDown(served, 86_400_000);
    expect(r.limits.cooldown('p', 'm')).to.deep.equal({ until: now + 3_600_000, model: 'm' });
    now += 3_600_000;
    expect(r.limits.cooldown('p', 'm')).to.equal(undefined);
  });

  it('settle: a candidate set emptied only by passing filters is a 429 with the soonest retry-after; lasting reasons stay 422', () => {
    const now = 1_000_000;
    const scoped = { ...set, scopes: new Map([['k', { providers: new Set(['q']) }]]) } as unknown as PolicySet;
    const r = new LiveInputs({ now: () => now });
    const noCandidates = new RouterError('no_candidates', 'No model in the catalog can serve this request. p/m: …');

    const untouched = r.decideHooks(set, 'anyone');
    expect(untouched.settle(noCandidates), 'no live filter fired').to.equal(noCandidates);

    const scope = r.decideHooks(scoped, 'k');
    for (const f of scope.context.filters) if (f.test(served)) break;
    expect(scope.settle(noCandidates), 'the key scope does not pass with time').to.equal(noCandidates);

    r.limits.coolDown('p', 'm', now + 4500);
    const cooling = r.decideHooks(set, 'anyone');
    expect(cooling.context.filters.map((f) => f.test(served)).filter(Boolean)).to.have.length(1);
    const err = cooling.settle(noCandidates) as UpstreamHttpError;
    expect(err).to.be.instanceOf(UpstreamHttpError);
    expect(err.mapped).to.deep.include({ status: 429, code: 'rate_limit_exceeded', retryAfterSeconds: 5 });
    expect(err.mapped.message).to.match(/retry in 5 s\. No model in the catalog/);
    const other = new RouterError('unknown_model');
    expect(cooling.settle(other), 'other errors pass through').to.equal(other);
  });
});
