// Client key budgets, the same suite against memory and Redis: reserve the
// estimate, settle the real cost, refuse what would pass the amount, release
// on failure, leases that expire, periods that roll over — and exactness:
// a budget that affords N requests admits exactly N however they race.
import { expect } from 'chai';
import { MemoryBudgets, periodEnd, periodId, toNano, type Budgets } from '../../../src/state/budgets.js';
import { RedisBudgets } from '../../../src/state/budgets-redis.js';
import { describeBackends } from './backends.js';

const T0 = Date.UTC(2025, 0, 31, 23, 50, 0); // ten minutes before a new day and a new month

describe('budget periods and money', () => {
  it('UTC periods and their ends', () => {
    expect(periodId('day', T0)).to.equal('d2025-01-31');
    expect(periodId('month', T0)).to.equal('m2025-01');
    expect(new Date(periodEnd('day', T0)).toISOString()).to.equal('2025-02-01T00:00:00.000Z');
    expect(new Date(periodEnd('month', Date.UTC(2025, 11, 15))).toISOString()).to.equal('2026-01-01T00:00:00.000Z');
  });

  it('nano-dollars: integers, so sums are exact where floats drift', () => {
    expect(toNano(0.1) + toNano(0.2)).to.equal(toNano(0.3));
    expect(0.1 + 0.2).to.not.equal(0.3);
    expect(toNano(-1)).to.equal(0);
    expect(toNano(Number.NaN)).to.equal(0);
  });
});

describeBackends('budgets', (b) => {
  let now = T0;
  let run = 0;
  let key = '';
  const clock = () => now;
  beforeEach(() => {
    now = T0;
    key = `key-${++run}`;
  });
  const make = (leaseMs?: number): Budgets => {
    const opts = { now: clock, ...(leaseMs !== undefined ? { leaseMs } : {}) };
    return b.kind === 'memory' ? new MemoryBudgets(opts) : new RedisBudgets(b.redis(), opts);
  };
  const day = { amountUsd: 1, period: 'day' as const };

  it('reserves the estimate, settles the real cost, and refuses what would pass the amount', async () => {
    const budgets = make();
    const a = await budgets.reserve(key, day, 0.4);
    if (!a.ok) throw new Error('refused');
    expect(a).to.deep.include({ spentUsd: 0, reservedUsd: 0.4 });
    const b2 = await budgets.reserve(key, day, 0.4);
    expect(b2.ok).to.equal(true);
    const refused = await budgets.reserve(key, day, 0.4);
    expect(refused).to.deep.equal({ ok: false, spentUsd: 0, reservedUsd: 0.8, resetsAt: Date.UTC(2025, 1, 1) });
    expect(await budgets.settle(key, a.ticket, 0.1)).to.deep.equal({ spentUsd: 0.1 });
    expect(await budgets.status(key, day)).to.deep.equal({ spentUsd: 0.1, reservedUsd: 0.4 });
    expect((await budgets.reserve(key, day, 0.4)).ok, '0.1 spent + 0.4 reserved + 0.4 fits in 1').to.equal(true);
  });

  it('a failed request settles 0: its reservation is released, nothing spent', async () => {
    const budgets = make();
    const a = await budgets.reserve(key, { amountUsd: 0.5, period: 'month' }, 0.5);
    if (!a.ok) throw new Error('refused');
    expect((await budgets.reserve(key, { amountUsd: 0.5, period: 'month' }, 0.01)).ok).to.equal(false);
    await budgets.settle(key, a.ticket, 0);
    expect(await budgets.status(key, { amountUsd: 0.5, period: 'month' })).to.deep.equal({ spentUsd: 0, reservedUsd: 0 });
    expect((await budgets.reserve(key, { amountUsd: 0.5, period: 'month' }, 0.5)).ok).to.equal(true);
  });

  it('an exhausted budget refuses even a free request; a real cost over the estimate is still counted', async () => {
    const budgets = make();
    const a = await budgets.reserve(key, day, 0.1);
    if (!a.ok) throw new Error('refused');
    await budgets.settle(key, a.ticket, 1.25); // the provider answered far more than estimated
    expect(await budgets.status(key, day)).to.deep.equal({ spentUsd: 1.25, reservedUsd: 0 });
    expect(await budgets.reserve(key, day, 0)).to.include({ ok: false, spentUsd: 1.25 });
  });

  it('the day rolls over at UTC midnight; a request that crossed it settles in its own day', async () => {
    const budgets = make();
    const a = await budgets.reserve(key, day, 0.9);
    if (!a.ok) throw new Error('refused');
    now = Date.UTC(2025, 1, 1, 0, 5);
    expect((await budgets.reserve(key, day, 0.9)).ok, 'a new day, a new budget').to.equal(true);
    await budgets.settle(key, a.ticket, 0.9);
    expect(await budgets.status(key, day), 'the new day holds only its own reservation').to.deep.equal({ spentUsd: 0, reservedUsd: 0.9 });
  });

  it('a reservation nobody settles (a crashed replica) stops holding money when its lease expires', async () => {
    const budgets = make(60_000);
    expect((await budgets.reserve(key, day, 1)).ok).to.equal(true);
    expect((await budgets.reserve(key, day, 0.5)).ok).to.equal(false);
    now += 60_001;
    expect(await budgets.status(key, day)).to.deep.equal({ spentUsd: 0, reservedUsd: 0 });
    expect((await budgets.reserve(key, day, 0.5)).ok).to.equal(true);
  });

  it('a budget that affords exactly 7 requests admits exactly 7 of 40 racing ones, and spends exactly the amount', async () => {
    const budgets = make();
    const budget = { amountUsd: 0.0028, period: 'day' as const };
    const racing = Array.from({ length: 40 }, async () => {
      const r = await budgets.reserve(key, budget, 0.0004);
      if (r.ok) await budgets.settle(key, r.ticket, 0.0004);
      return r.ok;
    });
    expect((await Promise.all(racing)).filter(Boolean)).to.have.length(7);
    expect(await budgets.status(key, budget)).to.deep.equal({ spentUsd: 0.0028, reservedUsd: 0 });
  });

  if (b.kind === 'redis') {
    it('two replicas share the budget: reservations on one are seen by the other', async () => {
      const a = new RedisBudgets(b.redis(), { now: clock });
      const other = new RedisBudgets(await b.replica(), { now: clock });
      const budget = { amountUsd: 0.01, period: 'month' as const };
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : other).reserve(key, budget, 0.001)));
      expect(results.filter((r) => r.ok)).to.have.length(10);
      expect(await other.status(key, budget)).to.deep.equal({ spentUsd: 0, reservedUsd: 0.01 });
    });
  }
});
