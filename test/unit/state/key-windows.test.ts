// Client key rpm / tpm windows, the same suite against memory and Redis:
// check-and-take at the limit, retry-after from the oldest counted second,
// the window sliding, tokens counting towards tpm, keys kept apart, and —
// the point of the Redis half — no overshoot when many admissions race, also
// from two connections (two replicas).
import { expect } from 'chai';
import { MemoryKeyWindows, type KeyWindows } from '../../../src/state/key-windows.js';
import { RedisKeyWindows } from '../../../src/state/key-windows-redis.js';
import { describeBackends } from './backends.js';

const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);

describeBackends('key windows', (b) => {
  let now = T0;
  let run = 0;
  const clock = () => now;
  // A fresh key per test: the Redis half shares one prefix across the suite.
  let key = '';
  beforeEach(() => {
    now = T0;
    key = `key-${++run}`;
  });
  const make = (): KeyWindows => (b.kind === 'memory' ? new MemoryKeyWindows({ now: clock }) : new RedisKeyWindows(b.redis(), { now: clock }));

  it('rpm: admits up to the limit, then refuses with the time until the oldest request leaves the window', async () => {
    const w = make();
    expect(await w.admit(key, { rpm: 2 })).to.deep.equal({ ok: true });
    now += 10_000;
    expect(await w.admit(key, { rpm: 2 })).to.deep.equal({ ok: true });
    expect(await w.admit(key, { rpm: 2 })).to.deep.equal({ ok: false, limit: 'rpm', used: 2, max: 2, retryAfterMs: 50_000 });
    now = T0 + 60_000; // the first request left the window
    expect(await w.admit(key, { rpm: 2 })).to.deep.equal({ ok: true });
    expect(await w.admit(key, { rpm: 2 })).to.include({ ok: false, used: 2 });
  });

  it('a refused request is not counted', async () => {
    const w = make();
    await w.admit(key, { rpm: 1 });
    for (let i = 0; i < 5; i++) await w.admit(key, { rpm: 1 });
    now += 60_000;
    expect(await w.admit(key, { rpm: 1 }), 'only the admitted request was in the window').to.deep.equal({ ok: true });
  });

  it('tpm: reported tokens count; at the limit requests wait for them to leave the window', async () => {
    const w = make();
    expect(await w.admit(key, { tpm: 1000 })).to.deep.equal({ ok: true });
    await w.addTokens(key, 600);
    now += 5_000;
    expect(await w.admit(key, { tpm: 1000 })).to.deep.equal({ ok: true });
    await w.addTokens(key, 400);
    expect(await w.admit(key, { tpm: 1000 })).to.deep.equal({ ok: false, limit: 'tpm', used: 1000, max: 1000, retryAfterMs: 55_000 });
    now = T0 + 60_000; // the first 600 left
    expect(await w.admit(key, { tpm: 1000 })).to.deep.equal({ ok: true });
  });

  it('keys are counted apart', async () => {
    const w = make();
    expect(await w.admit(key, { rpm: 1 })).to.deep.equal({ ok: true });
    expect(await w.admit(`${key}-other`, { rpm: 1 })).to.deep.equal({ ok: true });
    expect(await w.admit(key, { rpm: 1 })).to.include({ ok: false });
  });

  it('60 concurrent admissions with rpm 20: exactly 20 pass', async () => {
    const w = make();
    const results = await Promise.all(Array.from({ length: 60 }, () => w.admit(key, { rpm: 20 })));
    expect(results.filter((r) => r.ok)).to.have.length(20);
  });

  if (b.kind === 'redis') {
    it('two replicas racing share one window: exactly rpm pass between them', async () => {
      const a = new RedisKeyWindows(b.redis(), { now: clock });
      const other = new RedisKeyWindows(await b.replica(), { now: clock });
      const results = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? a : other).admit(key, { rpm: 25 })));
      expect(results.filter((r) => r.ok)).to.have.length(25);
      // Tokens one replica counted stop the other.
      await a.addTokens(`${key}-t`, 5000);
      expect(await other.admit(`${key}-t`, { tpm: 5000 })).to.include({ ok: false, limit: 'tpm' });
    });
  }
});
