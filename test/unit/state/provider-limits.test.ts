// Provider account limits (LimitsBackend), the same suite against
// MemoryLimits and RedisLimits: admission at rpm and maxConcurrency with the
// same refusal texts, tokens and spend counted for tpm and the daily budget,
// cool-downs — and, for Redis, counters shared by two replicas and the
// in-flight leases of a replica that died expiring instead of leaking.
import { expect } from 'chai';
import { StateGuard } from '../../../src/state/guard.js';
import { MemoryLimits, type Admission, type LimitsBackend } from '../../../src/state/limits.js';
import { RedisLimits } from '../../../src/state/limits-redis.js';
import { describeBackends } from './backends.js';

const T0 = Date.UTC(2025, 2, 1, 10, 0, 0);

describeBackends('provider account limits', (b) => {
  let now = T0;
  let run = 0;
  let p = '';
  const clock = () => now;
  const guard = new StateGuard();
  const made: RedisLimits[] = [];
  beforeEach(() => {
    now = T0;
    p = `prov-${++run}`;
  });
  afterEach(async () => {
    for (const l of made.splice(0)) await l.stop();
  });
  const make = (handle = b.kind === 'redis' ? b.redis() : undefined): LimitsBackend => {
    if (!handle) return new MemoryLimits({ now: clock });
    const l = new RedisLimits(handle, { now: clock, guard, pollMs: 60_000 });
    l.track([p]);
    made.push(l);
    return l;
  };
  /** Redis: wait for background writes, then refresh the local view (memory: nothing to wait for). */
  const synced = async (l: LimitsBackend): Promise<LimitsBackend> => {
    if (l instanceof RedisLimits) {
      await guard.flush();
      await l.refresh();
    }
    return l;
  };
  const admit = async (l: LimitsBackend, limits: Parameters<LimitsBackend['admit']>[1]): Promise<Admission> => l.admit(p, limits);

  it('rpm: counts admissions and refuses at the limit with the memory backend\'s exact reason', async () => {
    const l = make();
    expect((await admit(l, { rpm: 2 })).ok).to.equal(true);
    now += 10_000;
    expect((await admit(l, { rpm: 2 })).ok).to.equal(true);
    expect(await admit(l, { rpm: 2 })).to.deep.equal({ ok: false, reason: 'limits: 2 requests in the last 60 s (rpm 2)', retryAfterMs: 50_000 });
    now = T0 + 60_000;
    expect((await admit(l, { rpm: 2 })).ok).to.equal(true);
    expect((await synced(l)).usage(p).requestsLastMinute).to.equal(2);
  });

  it('maxConcurrency: slots held until released; a double release frees nothing extra', async () => {
    const l = make();
    const a = await admit(l, { maxConcurrency: 2 });
    const c = await admit(l, { maxConcurrency: 2 });
    expect(await admit(l, { maxConcurrency: 2 })).to.deep.equal({ ok: false, reason: 'limits: 2 calls in flight (maxConcurrency 2)', retryAfterMs: 1000 });
    if (!a.ok || !c.ok) throw new Error('admitted');
    a.release();
    a.release();
    expect((await synced(l)).usage(p).inFlight).to.equal(1);
    expect((await admit(l, { maxConcurrency: 2 })).ok).to.equal(true);
  });

  it('tokens and spend count towards tpm and the daily budget', async () => {
    const l = make();
    l.recordTokens(p, 700);
    l.recordSpend(p, 0.25);
    l.recordSpend(p, 0.25);
    await synced(l);
    expect(l.usage(p)).to.deep.include({ tokensLastMinute: 700, spentTodayUsd: 0.5, day: '2025-03-01' });
    expect(await admit(l, { tpm: 700 })).to.deep.include({ ok: false, reason: 'limits: 700 tokens in the last 60 s (tpm 700)' });
    expect(await admit(l, { dailyBudgetUsd: 0.5 })).to.deep.include({ ok: false });
    expect((await admit(l, { dailyBudgetUsd: 0.75, tpm: 701 })).ok).to.equal(true);
  });

  it('cool-downs: per model or the whole provider, the later one wins, and they expire', async () => {
    const l = make();
    l.coolDown(p, 'm', now + 30_000);
    l.coolDown(p, undefined, now + 10_000);
    await synced(l);
    expect(l.cooldown(p, 'm')).to.deep.equal({ until: T0 + 30_000, model: 'm' });
    expect(l.cooldown(p, 'other')).to.deep.equal({ until: T0 + 10_000 });
    now += 30_000;
    expect(l.cooldown(p, 'm')).to.equal(undefined);
  });

  if (b.kind === 'redis') {
    it('two replicas share rpm, in-flight slots and cool-downs', async () => {
      const a = make();
      const other = make(await b.replica());
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : other).admit(p, { rpm: 10 })));
      expect(results.filter((r) => r.ok)).to.have.length(10);
      const slot = await other.admit(`${p}-c`, { maxConcurrency: 1 });
      expect(slot.ok).to.equal(true);
      expect(await a.admit(`${p}-c`, { maxConcurrency: 1 })).to.include({ ok: false });
      if (slot.ok) slot.release();
      await guard.flush();
      expect((await a.admit(`${p}-c`, { maxConcurrency: 1 })).ok, 'released on the other replica').to.equal(true);
      a.coolDown(p, 'm', now + 5_000);
      await synced(other);
      expect(other.cooldown(p, 'm')).to.deep.equal({ until: T0 + 5_000, model: 'm' });
    });

    it("a dead replica's in-flight slots free themselves when their lease runs out (30 s)", async () => {
      const dead = make(await b.replica());
      expect((await dead.admit(p, { maxConcurrency: 1 })).ok).to.equal(true);
      await (dead as RedisLimits).stop(); // never releases, never renews
      const alive = make();
      expect((await alive.admit(p, { maxConcurrency: 1 })).ok).to.equal(false);
      now += 30_001;
      expect((await alive.admit(p, { maxConcurrency: 1 })).ok).to.equal(true);
    });
  }
});
