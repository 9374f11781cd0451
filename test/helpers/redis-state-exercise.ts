// Runs every Lua script and every pipeline of the Redis state backends
// through the classes the router uses (key windows, budgets, provider limits,
// usage ledger, stored responses, response cache) on one Redis handle, and
// checks each answer. Used twice: on a standalone Redis behind a recording
// client that calls itself a Cluster (test/unit/state/redis-keys.test.ts: the
// key lists of each call must share one slot), and on a real 3-primary Cluster
// (test/integration/redis-cluster-scripts.test.ts: no CROSSSLOT, no MOVED).
import { expect } from 'chai';
import type { CanonicalResult } from '../../src/canonical/types.js';
import { RedisBudgets } from '../../src/state/budgets-redis.js';
import { RedisConversationStore } from '../../src/state/conversations-redis.js';
import { RedisKeyWindows } from '../../src/state/key-windows-redis.js';
import { RedisLimits } from '../../src/state/limits-redis.js';
import type { RedisHandle } from '../../src/state/redis.js';
import { RedisResponseCache } from '../../src/state/response-cache.js';
import { RedisUsageLedger } from '../../src/state/usage-ledger-redis.js';
import type { UsageRecord } from '../../src/state/usage-ledger.js';

/** Names enough to land in many different slots (and so on every primary of a 3-node Cluster). */
export const KEY_NAMES = ['team-a', 'team-b', 'ci.bot', 'svc:billing', 'k1', 'k2', 'k3', 'k4'];
export const PROVIDERS = ['openai', 'anthropic', 'azure-eu', 'vertex', 'bedrock', 'mistral'];

const DAY_MS = 86_400_000;
const T0 = Date.UTC(2026, 11, 7, 12, 0, 0);

const usage = (key: string, provider: string, costUsd: number): UsageRecord => ({
  key,
  provider,
  model: 'm1',
  inputTokens: 10,
  outputTokens: 5,
  cachedTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
  costUsd,
  error: false,
});

const result = (text: string): CanonicalResult => ({ output: [{ type: 'message', text }], usage: { inputTokens: 1, outputTokens: 1, cachedTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, totalTokens: 2 }, finish: 'stop' });

/** Every step's name, in order, so a caller can report what ran. */
export async function exerciseStateBackends(redis: RedisHandle): Promise<string[]> {
  const ran: string[] = [];
  let now = T0;
  const clock = { now: () => now };

  // Key windows: the admit script (rq + tk) and the token pipeline.
  const windows = new RedisKeyWindows(redis, clock);
  for (const k of KEY_NAMES) {
    expect(await windows.admit(k, { rpm: 2, tpm: 100 })).to.deep.equal({ ok: true });
    expect(await windows.admit(k, { rpm: 2 })).to.deep.equal({ ok: true });
    const third = await windows.admit(k, { rpm: 2 });
    expect(third).to.include({ ok: false, limit: 'rpm', used: 2, max: 2 });
    await windows.addTokens(k, 150);
    expect(await windows.admit(k, { tpm: 100 })).to.include({ ok: false, limit: 'tpm', used: 150 });
  }
  ran.push('key windows: admit script, token pipeline');

  // Budgets: reserve, settle, status scripts.
  const budgets = new RedisBudgets(redis, clock);
  for (const k of KEY_NAMES) {
    const spec = { amountUsd: 0.01, period: 'day' as const };
    const r1 = await budgets.reserve(k, spec, 0.004);
    const r2 = await budgets.reserve(k, spec, 0.004);
    expect(r1.ok && r2.ok, `${k}: two reservations fit`).to.equal(true);
    expect((await budgets.reserve(k, spec, 0.004)).ok, `${k}: a third would overspend`).to.equal(false);
    if (!r1.ok) throw new Error('unreachable');
    expect((await budgets.settle(k, r1.ticket, 0.003)).spentUsd).to.be.closeTo(0.003, 1e-9);
    expect(await budgets.status(k, spec)).to.deep.equal({ spentUsd: 0.003, reservedUsd: 0.004 });
  }
  ran.push('budgets: reserve, settle, status scripts');

  // Provider limits: the admit script (rq, tk, fl, sp), the cool-down script,
  // the token and spend pipelines, the lease release, and refresh()'s two
  // multi-provider pipelines (cool-down reads, lease renewals).
  const limits = new RedisLimits(redis, { ...clock, pollMs: 60_000 });
  try {
    limits.track(PROVIDERS, PROVIDERS);
    const held = [];
    for (const p of PROVIDERS) {
      const a = await limits.admit(p, { rpm: 10, maxConcurrency: 1, dailyBudgetUsd: 1 });
      expect(a.ok, `${p} admitted`).to.equal(true);
      held.push(a);
      const b = await limits.admit(p, { rpm: 10, maxConcurrency: 1 });
      expect(b.ok, `${p}: a second concurrent call is over maxConcurrency 1`).to.equal(false);
      limits.recordTokens(p, 40);
      limits.recordSpend(p, 0.5);
      limits.coolDown(p, 'm1', now + 30_000);
    }
    // Writes are fire-and-forget: wait until Redis shows the last one.
    const last = PROVIDERS[PROVIDERS.length - 1]!;
    for (let i = 0; i < 100 && !(await redis.client.hget(`${redis.prefix}{p:${last}}:cool`, 'm1')); i++) await new Promise((r) => setTimeout(r, 20));
    now += 6000; // past RENEW_EVERY_MS: this refresh renews the six held leases
    await limits.refresh();
    // Another replica knows only what its refresh() read from Redis: the counters and cool-downs went there.
    const reader = new RedisLimits(redis, { ...clock, pollMs: 60_000 });
    try {
      reader.track(PROVIDERS, PROVIDERS);
      await reader.refresh();
      for (const l of [limits, reader]) {
        for (const p of PROVIDERS) {
          expect(l.usage(p), p).to.include({ requestsLastMinute: 1, tokensLastMinute: 40, inFlight: 1, spentTodayUsd: 0.5 });
          expect(l.cooldown(p, 'm1'), p).to.deep.equal({ until: T0 + 30_000, model: 'm1' });
        }
      }
    } finally {
      await reader.stop();
    }
    const fl = await redis.client.zscore(`${redis.prefix}{p:${PROVIDERS[0]}}:fl`, (await redis.client.zrange(`${redis.prefix}{p:${PROVIDERS[0]}}:fl`, 0, 0))[0]!);
    expect(Number(fl), 'the lease was renewed to now + 30 s').to.equal(now + 30_000);
    for (const a of held) if (a.ok) a.release();
    for (let i = 0; i < 100 && (await redis.client.zcard(`${redis.prefix}{p:${last}}:fl`)) > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await redis.client.zcard(`${redis.prefix}{p:${last}}:fl`), 'released').to.equal(0);
  } finally {
    await limits.stop();
  }
  ran.push('provider limits: admit and cool-down scripts, token/spend pipelines, release, refresh pipelines');

  // Usage ledger: the record pipeline (hash + day index) and both query pipelines, over two days.
  const ledger = new RedisUsageLedger(redis, clock);
  const day1 = new Date(now).toISOString().slice(0, 10);
  for (const k of KEY_NAMES) await ledger.record(usage(k, 'openai', 0.001));
  now += DAY_MS;
  const day2 = new Date(now).toISOString().slice(0, 10);
  for (const k of KEY_NAMES.slice(0, 3)) await ledger.record(usage(k, 'anthropic', 0.002));
  const rows = await ledger.query({ from: day1, to: day2 });
  expect(rows).to.have.length(KEY_NAMES.length + 3);
  expect(rows.filter((r) => r.day === day2).map((r) => r.key).sort()).to.deep.equal(KEY_NAMES.slice(0, 3).sort());
  expect((await ledger.query({ from: day1, to: day2, key: 'team-a' })).map((r) => [r.day, r.provider, r.requests])).to.deep.equal([
    [day1, 'openai', 1],
    [day2, 'anthropic', 1],
  ]);
  ran.push('usage ledger: record pipeline, query pipelines');

  // Stored responses: put, get, delete (new key and the pre-tag one).
  const conversations = new RedisConversationStore(redis);
  for (const id of ['resp_1', 'resp_2', 'resp_3']) {
    const entry = { id, owner: 'team-a', stored: true, createdAt: T0, items: [] };
    await conversations.put(entry);
    expect(await conversations.get(id)).to.deep.equal(entry);
    expect(await conversations.delete(id)).to.equal(true);
    expect(await conversations.get(id)).to.equal(undefined);
  }
  ran.push('stored responses: put, get, delete');

  // Response cache: the put script (entry + index + sizes + bytes, evicting by name from the index).
  const cache = new RedisResponseCache(redis, { now: () => Date.now() });
  const one = Buffer.byteLength(JSON.stringify(result('aaaa')));
  for (const k of ['c1', 'c2', 'c3', 'c4', 'c5']) expect(await cache.put(k, result('aaaa'), 60_000, one * 4)).to.equal(true);
  expect(await cache.get('c1'), 'the oldest was evicted to fit four').to.equal(undefined);
  expect(await cache.get('c5')).to.deep.equal(result('aaaa'));
  ran.push('response cache: put script, get');
  return ran;
}
