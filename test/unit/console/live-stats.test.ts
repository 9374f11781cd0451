import { expect } from 'chai';
import { percentile, ringStats } from '../../../src/console/live-stats.js';
import { record } from './records.js';

describe('console: live stats', () => {
  it('nearest-rank percentiles', () => {
    expect(percentile([], 0.5)).to.equal(null);
    expect(percentile([5], 0.99)).to.equal(5);
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(hundred, 0.5)).to.equal(50);
    expect(percentile(hundred, 0.99)).to.equal(99);
  });

  it('rps over the last 10 s, error rate and latency over the last 60 s', () => {
    const now = 1_000_000;
    const at = (agoMs: number, latencyMs: number, outcome = 'success') => record(`r${agoMs}`, { startedAt: now - agoMs - latencyMs, latencyMs, outcome });
    const s = ringStats([at(1000, 10), at(5000, 30), at(9000, 20, 'error'), at(30_000, 100, 'blocked'), at(70_000, 5000, 'error')], now);
    expect(s.rps).to.equal(0.3);
    expect(s.errorRate).to.equal(0.5);
    expect(s.p50Ms).to.equal(20);
    expect(s.p99Ms).to.equal(100);
    expect(ringStats([], now)).to.deep.equal({ rps: 0, errorRate: 0, p50Ms: null, p99Ms: null });
  });
});
