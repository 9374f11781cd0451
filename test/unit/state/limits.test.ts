// Account limits and cool-downs with an injected clock: the sliding minute
// window, the UTC-day budget, admission and release of concurrency slots,
// cool-down scope and expiry, and the candidate filters built from them.
import { expect } from 'chai';
import { candidateFilters, MemoryLimits, MinuteWindow, overLimit } from '../../../src/state/limits.js';
import { utcDay } from '../../../src/state/utc-day.js';
import type { KeyScope, ModelSpec, PolicySet, ProviderSpec } from '../../../src/policy/types.js';

const T0 = Date.UTC(2025, 0, 1, 23, 59, 0); // one minute before midnight UTC

describe('account limits and cool-downs', () => {
  let now = T0;
  const clock = () => now;
  beforeEach(() => {
    now = T0;
  });

  describe('MinuteWindow', () => {
    it('sums the current second and the 59 before it; older buckets expire and are reused', () => {
      const w = new MinuteWindow();
      w.add(now, 1);
      w.add(now + 500, 2);
      w.add(now + 30_000, 4);
      expect(w.sum(now + 30_000)).to.equal(7);
      expect(w.sum(now + 59_999)).to.equal(7);
      expect(w.sum(now + 60_000), 'the first second left the window').to.equal(4);
      w.add(now + 60_000, 8); // same ring slot as the first second
      expect(w.sum(now + 60_000)).to.equal(12);
      expect(w.sum(now + 200_000)).to.equal(0);
      expect(w.freeInMs(now + 200_000), 'empty window').to.equal(0);
      expect(w.freeInMs(now + 60_500), 'the oldest counted second (T0+30 s) leaves at T0+90 s').to.equal(29_500);
    });
  });

  describe('MemoryLimits', () => {
    it('rpm: admission counts requests; at the limit it refuses until the window slides', () => {
      const l = new MemoryLimits({ now: clock });
      const limits = { rpm: 2 };
      expect(l.admit('p', limits).ok).to.equal(true);
      now += 10_000;
      expect(l.admit('p', limits).ok).to.equal(true);
      const refused = l.admit('p', limits);
      expect(refused).to.deep.equal({ ok: false, reason: 'limits: 2 requests in the last 60 s (rpm 2)', retryAfterMs: 50_000 });
      now = T0 + 60_000; // the first request left the window
      expect(l.admit('p', limits).ok).to.equal(true);
      expect(l.usage('p').requestsLastMinute).to.equal(2);
      expect(l.usage('q').requestsLastMinute, 'per provider').to.equal(0);
    });

    it('maxConcurrency: slots are held until released; a double release frees nothing extra', () => {
      const l = new MemoryLimits({ now: clock });
      const limits = { maxConcurrency: 2 };
      const a = l.admit('p', limits);
      const b = l.admit('p', limits);
      expect(l.admit('p', limits)).to.deep.equal({ ok: false, reason: 'limits: 2 calls in flight (maxConcurrency 2)', retryAfterMs: 1000 });
      if (!a.ok || !b.ok) throw new Error('admitted');
      a.release();
      a.release();
      expect(l.usage('p').inFlight).to.equal(1);
      expect(l.admit('p', limits).ok).to.equal(true);
      expect(l.usage('p').inFlight).to.equal(2);
    });

    it('tpm counts reported tokens in the window', () => {
      const l = new MemoryLimits({ now: clock });
      l.recordTokens('p', 600);
      now += 30_000;
      l.recordTokens('p', 500);
      // The first 600 tokens leave the window 60 s after they were counted: 30 s from now.
      expect(overLimit({ tpm: 1000 }, l.usage('p'), now)).to.deep.equal({ reason: 'limits: 1100 tokens in the last 60 s (tpm 1000)', retryAfterMs: 30_000 });
      now += 30_000;
      expect(overLimit({ tpm: 1000 }, l.usage('p'), now)).to.equal(undefined);
    });

    it('the daily budget is per UTC day and starts from zero at midnight', () => {
      const l = new MemoryLimits({ now: clock });
      l.recordSpend('p', 6);
      l.recordSpend('p', 4.5);
      expect(overLimit({ dailyBudgetUsd: 10 }, l.usage('p'), now)).to.deep.equal({ reason: 'limits: $10.5000 spent on 2025-01-01 UTC (dailyBudgetUsd 10)', retryAfterMs: 60_000 });
      now += 60_000; // 2025-01-02 00:00 UTC
      expect(l.usage('p')).to.deep.include({ spentTodayUsd: 0, day: '2025-01-02' });
      expect(overLimit({ dailyBudgetUsd: 10 }, l.usage('p'), now)).to.equal(undefined);
      l.recordSpend('p', 1);
      expect(l.usage('p').spentTodayUsd).to.equal(1);
      expect(utcDay(Date.UTC(2025, 5, 30, 23, 59, 59, 999))).to.equal('2025-06-30');
    });

    it('cool-downs: per model or for the whole provider, the later one counts, and they expire', () => {
      const l = new MemoryLimits({ now: clock });
      l.coolDown('p', 'm', now + 2000);
      expect(l.cooldown('p', 'm')).to.deep.equal({ until: now + 2000, model: 'm' });
      expect(l.cooldown('p', 'other'), 'another model of the provider is fine').to.equal(undefined);
      // Admission ignores cool-downs: the dispatch loop retries after a short retry-after on purpose.
      expect(l.admit('p', undefined).ok).to.equal(true);
      l.coolDown('p', undefined, now + 5000);
      expect(l.cooldown('p', 'other')).to.deep.equal({ until: now + 5000 });
      expect(l.cooldown('p', 'm')).to.deep.equal({ until: now + 5000 });
      l.coolDown('p', undefined, now + 1000); // an earlier deadline never shortens one in force
      expect(l.cooldown('p', 'other')!.until).to.equal(now + 5000);
      now += 5000;
      expect(l.cooldown('p', 'm')).to.equal(undefined);
      expect(l.cooldown('p', 'other')).to.equal(undefined);
    });
  });

  describe('candidate filters', () => {
    const prov = (name: string, limits?: ProviderSpec['limits']): ProviderSpec => ({ name, type: 'openai', baseUrl: 'http://127.0.0.1:1', ...(limits ? { limits } : {}) });
    const mod = (provider: string, name: string): ModelSpec => ({ name, provider, pricing: { input: 1, output: 1 }, quality: 0.5, contextWindow: 1000, capabilities: [] });
    const set = (scopes: Record<string, KeyScope>) => ({ scopes: new Map(Object.entries(scopes)) }) as unknown as PolicySet;
    const run = (filters: ReturnType<typeof candidateFilters>, c: { provider: ProviderSpec; model: ModelSpec }) => {
      for (const f of filters) {
        const why = f.test(c);
        if (why) return { filter: f.name, why };
      }
      return undefined;
    };

    it('api_key_scope: providers, then models (provider/name), only for the scoped caller', () => {
      const l = new MemoryLimits({ now: clock });
      const s = set({ narrow: { providers: new Set(['a']) }, models: { models: new Set(['b/x']) } });
      const ax = { provider: prov('a'), model: mod('a', 'x') };
      const bx = { provider: prov('b'), model: mod('b', 'x') };
      expect(run(candidateFilters(l, s, 'narrow', { now: clock }), ax)).to.equal(undefined);
      expect(run(candidateFilters(l, s, 'narrow', { now: clock }), bx)).to.deep.equal({ filter: 'api_key_scope', why: 'api_key_scope: key "narrow" may use providers a' });
      expect(run(candidateFilters(l, s, 'models', { now: clock }), ax)).to.deep.equal({ filter: 'api_key_scope', why: 'api_key_scope: key "models" may use models b/x' });
      expect(run(candidateFilters(l, s, 'models', { now: clock }), bx)).to.equal(undefined);
      expect(run(candidateFilters(l, s, 'anyone-else', { now: clock }), bx)).to.equal(undefined);
      expect(candidateFilters(l, s, 'anyone-else', { now: clock }).map((f) => f.name)).to.deep.equal(['cooldown', 'limits']);
    });

    it('cooldown names the deadline; limits name the number and the limit', () => {
      const l = new MemoryLimits({ now: clock });
      const c = { provider: prov('a', { rpm: 1 }), model: mod('a', 'x') };
      // Filters serve one decision (they read each provider's usage once): a fresh set per check.
      const filters = () => candidateFilters(l, set({}), 'anonymous', { now: clock });
      expect(run(filters(), c)).to.equal(undefined);
      l.admit('a', c.provider.limits);
      expect(run(filters(), c)).to.deep.equal({ filter: 'limits', why: 'limits: 1 requests in the last 60 s (rpm 1)' });
      expect(run(filters(), { provider: prov('a'), model: mod('a', 'x') }), 'a provider without limits is never over them').to.equal(undefined);
      l.coolDown('a', 'x', now + 2000);
      expect(run(filters(), c)).to.deep.equal({ filter: 'cooldown', why: `cooldown: model cooling down until ${new Date(now + 2000).toISOString()} (2 s, the provider's retry-after)` });
    });
  });
});
