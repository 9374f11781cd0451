// KeyWindows in Redis: the rpm/tpm check-and-take is one Lua script, atomic
// across every replica sharing the Redis (see key-windows.ts for semantics).
// Keys (redis-keys.ts): <prefix>{k:<name>}:rq and :tk, one Redis Cluster slot
// for the script's two windows; each expires 61 s after its last write.
import type { RedisHandle } from './redis.js';
import { execAll, Script } from './redis.js';
import { freeInMs, WINDOW_LUA } from './redis-window.js';
import { RedisKeys } from './redis-keys.js';
import type { KeyRates, KeyWindows, RateDecision } from './key-windows.js';

const ADMIT = new Script(`${WINDOW_LUA}
local now = tonumber(ARGV[1])
local sec = math.floor(now / 1000)
local rpm = tonumber(ARGV[2])
local tpm = tonumber(ARGV[3])
if rpm >= 0 then
  local n, oldest = window(KEYS[1], sec)
  if n >= rpm then return {0, 'rpm', n, oldest} end
end
if tpm >= 0 then
  local n, oldest = window(KEYS[2], sec)
  if n >= tpm then return {0, 'tpm', n, oldest} end
end
redis.call('HINCRBY', KEYS[1], sec, 1)
redis.call('EXPIRE', KEYS[1], 61)
return {1}
`);

export class RedisKeyWindows implements KeyWindows {
  readonly #now: () => number;
  readonly #keys: RedisKeys;

  constructor(
    readonly redis: RedisHandle,
    opts: { now?: () => number } = {},
  ) {
    this.#now = opts.now ?? Date.now;
    this.#keys = new RedisKeys(redis.prefix);
  }

  async admit(key: string, rates: KeyRates): Promise<RateDecision> {
    const now = this.#now();
    const { rq, tk } = this.#keys.keyWindows(key);
    const r = (await ADMIT.run(this.redis.client, [rq, tk], [now, rates.rpm ?? -1, rates.tpm ?? -1])) as [number, string?, number?, number?];
    if (r[0] === 1) return { ok: true };
    const limit = r[1] as 'rpm' | 'tpm';
    return { ok: false, limit, used: r[2]!, max: limit === 'rpm' ? rates.rpm! : rates.tpm!, retryAfterMs: freeInMs(r[3]!, now) };
  }

  async addTokens(key: string, tokens: number): Promise<void> {
    if (!(tokens > 0)) return;
    const { tk } = this.#keys.keyWindows(key);
    await execAll(this.redis.client.pipeline().hincrby(tk, String(Math.floor(this.#now() / 1000)), Math.round(tokens)).expire(tk, 61));
  }
}
