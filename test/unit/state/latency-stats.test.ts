// Latency statistics: EWMA and p95 math, the sample threshold, staleness with
// an injected clock, and how stream and non-stream samples are turned into
// time-to-first-token and tokens/second.
import { expect } from 'chai';
import { LatencyStats } from '../../../src/state/latency-stats.js';
import type { ModelSpec, ProviderSpec } from '../../../src/policy/types.js';

const provider: ProviderSpec = { name: 'p', type: 'openai', baseUrl: 'http://127.0.0.1:1' };
const model: ModelSpec = { name: 'm', provider: 'p', pricing: { input: 1, output: 1 }, quality: 0.5, contextWindow: 1000, capabilities: [], latency: { ttftMs: 500, tokensPerSecond: 100 } };
const t = { provider, model };
const other = { provider, model: { ...model, name: 'n' } };

describe('latency statistics', () => {
  let now = 1_000_000;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000_000;
  });

  it('undefined until minSamples, then the EWMA (alpha weights the newest sample)', () => {
    const s = new LatencyStats({ alpha: 0.5, minSamples: 3, now: clock });
    s.recordStream(t, 100, 0, 0);
    s.recordStream(t, 200, 0, 0);
    expect(s.latency(t)).to.equal(undefined);
    s.recordStream(t, 400, 0, 0);
    // 100 → 0.5·200+0.5·100 = 150 → 0.5·400+0.5·150 = 275
    const l = s.latency(t)!;
    expect(l.ttftMs).to.equal(275);
    expect(l.ttftSamples).to.equal(3);
    // No tokens/s samples yet: the catalog prior fills in.
    expect(l.tokensPerSecond).to.equal(100);
    expect(s.latency(other), 'per provider+model').to.equal(undefined);
  });

  it('the default alpha (0.2) on a step change converges as 1 − 0.8^n', () => {
    const s = new LatencyStats({ now: clock });
    for (let i = 0; i < 5; i++) s.recordStream(t, 1000, 0, 0);
    for (let i = 0; i < 10; i++) s.recordStream(t, 2000, 0, 0);
    expect(s.latency(t)!.ttftMs).to.be.closeTo(1000 + 1000 * (1 - 0.8 ** 10), 0.1);
  });

  it('p95 is the nearest-rank percentile over the last `window` samples', () => {
    const s = new LatencyStats({ window: 200, minSamples: 1, now: clock });
    for (let i = 1; i <= 100; i++) s.recordStream(t, i, 0, 0);
    expect(s.latency(t, { p95: true })!.p95TtftMs).to.equal(95);
    expect(s.latency(t)!, 'the serving path skips the sort').to.not.have.property('p95TtftMs');
    // 300 more samples of 1000 ms push every earlier one out of the 200-sample window.
    for (let i = 0; i < 300; i++) s.recordStream(t, 1000, 0, 0);
    expect(s.latency(t, { p95: true })!.p95TtftMs).to.equal(1000);
    const w = new LatencyStats({ window: 20, minSamples: 1, now: clock });
    for (let i = 1; i <= 20; i++) w.recordStream(t, i * 10, 0, 0);
    expect(w.latency(t, { p95: true })!.p95TtftMs).to.equal(190); // ceil(0.95·20) = 19th of 20
  });

  it('streams: tokens/s from output over first → last event; bursts under 50 ms are not a speed', () => {
    const s = new LatencyStats({ minSamples: 2, now: clock });
    s.recordStream(t, 300, 500, 10); // 10 ms for 500 tokens: delivered at once, ignored
    s.recordStream(t, 300, 500, 5000);
    expect(s.latency(t)!.tpsSamples).to.equal(1);
    s.recordStream(t, 300, 1000, 5000);
    // 100 tok/s, then 200: 0.2·200 + 0.8·100 = 120
    expect(s.latency(t)!.tokensPerSecond).to.equal(120);
  });

  it('non-stream: the time to first token is what remains after generating at the known speed', () => {
    const s = new LatencyStats({ minSamples: 1, now: clock });
    // prior 100 tok/s: 200 tokens take 2000 ms of a 2600 ms answer → ttft 600
    s.recordUnary(t, 2600, 200);
    expect(s.latency(t)!.ttftMs).to.equal(600);
    // faster than the prior says: clamped at 0, never negative
    const z = new LatencyStats({ minSamples: 1, now: clock });
    z.recordUnary(t, 100, 200);
    expect(z.latency(t)!.ttftMs).to.equal(0);
    // with a live speed, that one is used
    const live = new LatencyStats({ minSamples: 1, alpha: 1, now: clock });
    live.recordStream(t, 100, 1000, 2000); // 500 tok/s
    live.recordUnary(t, 1400, 500); // 500 tokens at 500 tok/s = 1000 ms → ttft 400
    expect(live.latency(t)!.ttftMs).to.equal(400);
  });

  it('stale numbers fall back to priors, and the next sample starts a fresh series', () => {
    const s = new LatencyStats({ minSamples: 2, staleAfterMs: 60_000, now: clock });
    s.recordStream(t, 5000, 0, 0);
    s.recordStream(t, 5000, 0, 0);
    expect(s.latency(t)!.ttftMs).to.equal(5000);
    now += 60_001;
    expect(s.latency(t), 'stale').to.equal(undefined);
    s.recordStream(t, 100, 0, 0);
    expect(s.latency(t), 'one fresh sample is not enough').to.equal(undefined);
    s.recordStream(t, 100, 0, 0);
    expect(s.latency(t)!.ttftMs, 'the old 5000 ms are forgotten').to.equal(100);
  });
});
