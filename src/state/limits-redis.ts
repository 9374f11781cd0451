// Provider account limits (limits.ts) shared through Redis, so replicas
// together respect a provider's rpm, tpm, maxConcurrency and daily budget.
// Per provider, with hash tag {p:<name>} (redis-keys.ts), so the admit script's
// four keys share one Redis Cluster slot:
//   :rq     requests, sliding 60 s window (hash of 1 s buckets)
//   :tk     tokens, same
//   :fl     calls in flight: a sorted set of leases (member = lease id, score
//           = expiry). This replica renews its own leases every few seconds,
//           so the slots of a replica that died free themselves within
//           LEASE_MS instead of leaking forever.
//   :sp:<day> spend in nano-dollars for the UTC day
//   :cool   cool-downs: field = model ('' for the whole provider), value = until
// admit() is one Lua check-and-take (the exact part). The synchronous reads
// routing filters need (usage, cooldown) come from a local view, refreshed
// every pollMs and by every admit's answer; a stale view only means a
// candidate is tried and refused at admission, which fails over like a 429.
// Providers without limits cost no Redis round trip: their calls are admitted
// locally and their tokens and spend are not sent (nothing reads them).
import { randomUUID } from 'node:crypto';
import type { ChainableCommander } from 'ioredis';
import type { ProviderLimits } from '../policy/types.js';
import type { StateGuard } from './guard.js';
import { utcDay } from './utc-day.js';
import { overLimit, type Admission, type Cooldown, type LimitsBackend, type ProviderUsage } from './limits.js';
import { execAll, Script, type RedisHandle } from './redis.js';
import { RedisKeys } from './redis-keys.js';
import { execPerSlot } from './redis-slot.js';
import { freeInMs, WINDOW_LUA } from './redis-window.js';
import { fromNano, toNano } from './budgets.js';

const LEASE_MS = 30_000;
const RENEW_EVERY_MS = 5_000;

// KEYS rq, tk, fl, sp; ARGV now, rpm, tpm, maxConcurrency, budgetNano, leaseId, leaseMs, peek
// → {admitted (1/0; 2 peek), requests, oldestRequestSecond, tokens, oldestTokenSecond, inFlight, spentNano}
const ADMIT = new Script(`${WINDOW_LUA}
local now = tonumber(ARGV[1])
local sec = math.floor(now / 1000)
local rpm, tpm, conc, budget = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
local inflight = redis.call('ZCARD', KEYS[3])
local rq, rqOld = window(KEYS[1], sec)
local tk, tkOld = window(KEYS[2], sec)
local spent = redis.call('GET', KEYS[4]) or '0'
if ARGV[8] == '1' then return {2, rq, rqOld, tk, tkOld, inflight, spent} end
local over = (conc >= 0 and inflight >= conc) or (rpm >= 0 and rq >= rpm) or (tpm >= 0 and tk >= tpm) or (budget >= 0 and tonumber(spent) >= budget)
if over then return {0, rq, rqOld, tk, tkOld, inflight, spent} end
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[7]), ARGV[6])
redis.call('PEXPIRE', KEYS[3], ARGV[7])
redis.call('HINCRBY', KEYS[1], sec, 1)
redis.call('EXPIRE', KEYS[1], 61)
return {1, rq, rqOld, tk, tkOld, inflight, spent}
`);

// KEYS cool; ARGV field, until, ttl ms: keep the later of the two
const COOL_DOWN = new Script(`
local cur = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if tonumber(ARGV[2]) > cur then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`);

interface Snapshot {
  requests: number;
  oldestRequest: number;
  tokens: number;
  oldestToken: number;
  inFlight: number;
  spentNano: number;
  day: string;
}

export interface RedisLimitsOptions {
  now?: () => number;
  guard?: StateGuard;
  /** How often the local view is refreshed. Default 250 ms. */
  pollMs?: number;
}

export class RedisLimits implements LimitsBackend {
  readonly #view = new Map<string, Snapshot>();
  readonly #cool = new Map<string, Map<string, number>>();
  /** Lease id → provider, for the slots this replica holds. */
  readonly #held = new Map<string, string>();
  readonly #now: () => number;
  readonly #guard: StateGuard | undefined;
  readonly #pollMs: number;
  readonly #keys: RedisKeys;
  #providers: readonly string[] = [];
  #limited = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #lastRenew = 0;
  #polling: Promise<void> | undefined;
  #next: Promise<void> | undefined;

  constructor(
    readonly redis: RedisHandle,
    opts: RedisLimitsOptions = {},
  ) {
    this.#now = opts.now ?? Date.now;
    this.#guard = opts.guard;
    this.#pollMs = opts.pollMs ?? 250;
    this.#keys = new RedisKeys(redis.prefix);
  }

  /** The providers of the live policy (cool-downs polled for all) and those with limits (counters polled too). */
  track(providers: readonly string[], limited: readonly string[] = providers): void {
    this.#providers = [...providers];
    this.#limited = new Set(limited);
    if (!this.#timer) {
      this.#timer = setInterval(() => {
        if (!this.#polling) void this.refresh();
      }, this.#pollMs);
      this.#timer.unref();
    }
    void this.refresh();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#polling;
  }

  /**
   * Reads every tracked provider's counters and cool-downs (one round trip)
   * and renews held leases every few seconds. Resolves after a read that
   * started after this call: concurrent callers share that one read.
   */
  refresh(): Promise<void> {
    this.#next ??= (this.#polling ?? Promise.resolve()).then(() => {
      this.#next = undefined;
      this.#polling = this.#refresh().finally(() => (this.#polling = undefined));
      return this.#polling;
    });
    return this.#next;
  }

  async #refresh(): Promise<void> {
    if (!this.redis.up || this.#providers.length === 0) return;
    const now = this.#now();
    try {
      const providers = this.#providers;
      const limited = providers.filter((p) => this.#limited.has(p));
      // Each provider's cool-downs are in its own slot: on a Cluster, one pipeline per slot.
      const coolReads = providers.map((name) => {
        const key = this.#keys.providerCool(name);
        return { key, add: (p: ChainableCommander) => void p.hgetall(key) };
      });
      const [results, cools] = await Promise.all([
        Promise.all(limited.map((name) => ADMIT.run(this.redis.client, this.#admitKeys(name, now), [now, -1, -1, -1, -1, '', 0, '1']))),
        execPerSlot(this.redis.client, coolReads) as Promise<Record<string, string>[]>,
      ]);
      limited.forEach((name, i) => this.#view.set(name, snapshot(results[i] as unknown[], now)));
      providers.forEach((name, i) => this.#cool.set(name, new Map(Object.entries(cools[i]!).map(([m, until]) => [m, Number(until)]))));
      if (now - this.#lastRenew >= RENEW_EVERY_MS && this.#held.size) {
        this.#lastRenew = now;
        const renewals = [...this.#held].map(([id, provider]) => {
          const key = this.#keys.provider(provider, utcDay(now)).fl;
          return { key, add: (p: ChainableCommander) => void p.zadd(key, 'XX', now + LEASE_MS, id) };
        });
        await execPerSlot(this.redis.client, renewals);
      }
    } catch (err) {
      this.#guard?.failed('provider_limits', 'dropped', err);
    }
  }

  usage(provider: string): ProviderUsage {
    const now = this.#now();
    const day = utcDay(now);
    const s = this.#view.get(provider);
    if (!s) return { requestsLastMinute: 0, tokensLastMinute: 0, requestsFreeInMs: 0, tokensFreeInMs: 0, inFlight: 0, spentTodayUsd: 0, day };
    return {
      requestsLastMinute: s.requests,
      tokensLastMinute: s.tokens,
      requestsFreeInMs: freeInMs(s.oldestRequest, now),
      tokensFreeInMs: freeInMs(s.oldestToken, now),
      inFlight: s.inFlight,
      spentTodayUsd: s.day === day ? fromNano(s.spentNano) : 0,
      day,
    };
  }

  cooldown(provider: string, model: string): Cooldown | undefined {
    const c = this.#cool.get(provider);
    if (!c) return undefined;
    const now = this.#now();
    const whole = c.get('');
    const one = c.get(model);
    if (whole !== undefined && whole > now && (one === undefined || whole >= one)) return { until: whole };
    if (one !== undefined && one > now) return { until: one, model };
    return undefined;
  }

  admit(provider: string, limits: ProviderLimits | undefined): Admission | Promise<Admission> {
    if (!limits) return { ok: true, release: () => {} };
    const run = async (): Promise<Admission> => {
      const now = this.#now();
      const id = randomUUID();
      const r = (await ADMIT.run(this.redis.client, this.#admitKeys(provider, now), [
        now,
        limits?.rpm ?? -1,
        limits?.tpm ?? -1,
        limits?.maxConcurrency ?? -1,
        limits?.dailyBudgetUsd !== undefined ? toNano(limits.dailyBudgetUsd) : -1,
        id,
        LEASE_MS,
        '0',
      ])) as unknown[];
      const s = snapshot(r, now);
      if (r[0] !== 1) {
        this.#view.set(provider, s);
        // The same arithmetic as memory names the limit (the script checked in the same order).
        const over = overLimit(limits, this.usage(provider), now) ?? { reason: 'limits: reached', retryAfterMs: 1000 };
        return { ok: false, ...over };
      }
      this.#view.set(provider, { ...s, requests: s.requests + 1, inFlight: s.inFlight + 1, oldestRequest: s.oldestRequest < 0 ? Math.floor(now / 1000) : s.oldestRequest });
      this.#held.set(id, provider);
      let released = false;
      return {
        ok: true,
        release: () => {
          if (released) return;
          released = true;
          this.#held.delete(id);
          const v = this.#view.get(provider);
          if (v) v.inFlight = Math.max(0, v.inFlight - 1);
          this.#write(() => this.redis.client.zrem(this.#keys.provider(provider, utcDay(this.#now())).fl, id));
        },
      };
    };
    if (!this.#guard) return run();
    return this.#guard.admit('provider_limits', run, () => ({ ok: true, release: () => {} }));
  }

  recordTokens(provider: string, tokens: number): void {
    if (!(tokens > 0) || !this.#limited.has(provider)) return;
    const now = this.#now();
    const { tk } = this.#keys.provider(provider, utcDay(now));
    const v = this.#view.get(provider);
    if (v) v.tokens += tokens;
    this.#write(() => execAll(this.redis.client.pipeline().hincrby(tk, String(Math.floor(now / 1000)), Math.round(tokens)).expire(tk, 61)));
  }

  recordSpend(provider: string, usd: number): void {
    const nano = toNano(usd);
    if (nano <= 0 || !this.#limited.has(provider)) return;
    const now = this.#now();
    const { sp } = this.#keys.provider(provider, utcDay(now));
    const v = this.#view.get(provider);
    if (v && v.day === utcDay(now)) v.spentNano += nano;
    this.#write(() => execAll(this.redis.client.pipeline().incrby(sp, nano).expire(sp, 2 * 86_400)));
  }

  coolDown(provider: string, model: string | undefined, until: number): void {
    const field = model ?? '';
    let c = this.#cool.get(provider);
    if (!c) this.#cool.set(provider, (c = new Map()));
    c.set(field, Math.max(until, c.get(field) ?? 0));
    const ttl = Math.max(1000, until - this.#now() + 60_000);
    this.#write(() => COOL_DOWN.run(this.redis.client, [this.#keys.providerCool(provider)], [field, until, ttl]));
  }

  #write(fn: () => Promise<unknown>): void {
    if (this.#guard) this.#guard.write('provider_limits', fn);
    else void fn().catch(() => {});
  }

  /** The admit script's KEYS, in its order: rq, tk, fl, sp. */
  #admitKeys(provider: string, now: number): [string, string, string, string] {
    const k = this.#keys.provider(provider, utcDay(now));
    return [k.rq, k.tk, k.fl, k.sp];
  }
}

function snapshot(r: readonly unknown[], now: number): Snapshot {
  return {
    requests: Number(r[1]),
    oldestRequest: Number(r[2]),
    tokens: Number(r[3]),
    oldestToken: Number(r[4]),
    inFlight: Number(r[5]),
    spentNano: Number(r[6]),
    day: utcDay(now),
  };
}
