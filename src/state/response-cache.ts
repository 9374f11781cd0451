// The exact-match response cache's stores. Memory: a byte-bounded LRU with a
// TTL per entry (the approach of conversations-memory.ts); Redis: entries
// shared by every replica, the total bounded by one Lua script per put
// (below, and docs/routing/cache.md). Entries are the
// CanonicalResult as JSON text: its byte length is the size the bound counts,
// and a hit parses a fresh copy, so no answer can alter what the next one
// reads. Limits are passed on every put, so they follow Settings reloads.
import type { CanonicalResult } from '../canonical/types.js';
import type { Metrics } from '../telemetry/metrics.js';
import { Script, type RedisHandle } from './redis.js';
import { RedisKeys } from './redis-keys.js';

/** Where response cache entries live: this process's memory, or Redis shared by every replica. */
export interface ResponseCacheStore {
  get(key: string): Promise<CanonicalResult | undefined>;
  /** False when the entry was not kept (larger than a quarter of `maxBytes`). */
  put(key: string, result: CanonicalResult, ttlMs: number, maxBytes: number): Promise<boolean>;
}

interface Slot {
  json: string;
  bytes: number;
  expiresAt: number;
}

export class MemoryResponseCache implements ResponseCacheStore {
  /** In recency order: the first key is the least recently used. */
  readonly #map = new Map<string, Slot>();
  #bytes = 0;

  constructor(
    readonly metrics: Pick<Metrics, 'cacheEvictions' | 'cacheBytes'> | undefined,
    readonly now: () => number = Date.now,
  ) {}

  get bytes(): number {
    return this.#bytes;
  }

  async get(key: string): Promise<CanonicalResult | undefined> {
    return this.getNow(key);
  }

  async put(key: string, result: CanonicalResult, ttlMs: number, maxBytes: number): Promise<boolean> {
    return this.putNow(key, result, ttlMs, maxBytes);
  }

  getNow(key: string): CanonicalResult | undefined {
    const slot = this.#map.get(key);
    if (!slot) return undefined;
    if (this.now() >= slot.expiresAt) {
      this.#remove(key, slot);
      return undefined;
    }
    this.#map.delete(key);
    this.#map.set(key, slot);
    return JSON.parse(slot.json) as CanonicalResult;
  }

  /** Stores `result` for `ttlMs`; one larger than a quarter of `maxBytes` is not kept (it would empty the cache). */
  putNow(key: string, result: CanonicalResult, ttlMs: number, maxBytes: number): boolean {
    const json = JSON.stringify(result);
    const bytes = Buffer.byteLength(json);
    const old = this.#map.get(key);
    if (old) this.#remove(key, old);
    if (bytes > maxBytes / 4) return false;
    this.#map.set(key, { json, bytes, expiresAt: this.now() + ttlMs });
    this.#bytes += bytes;
    const now = this.now();
    for (const [k, s] of this.#map) {
      if (this.#bytes <= maxBytes) break;
      this.#remove(k, s);
      // An expired entry going is not an eviction: only the bound pushing live ones out is.
      if (s.expiresAt > now) this.metrics?.cacheEvictions.inc();
    }
    this.#gauge();
    return true;
  }

  #remove(key: string, slot: Slot): void {
    this.#map.delete(key);
    this.#bytes -= slot.bytes;
    this.#gauge();
  }

  #gauge(): void {
    this.metrics?.cacheBytes.set(this.#bytes);
  }
}

// The Redis store's keys share the hash tag {cache}, so the put script's keys (and the entries it
// evicts, named from the index) are in one Redis Cluster slot.
//   <prefix>{cache}:e:<key>  one entry: the CanonicalResult's JSON, SET with PX = its TTL
//   <prefix>{cache}:index    sorted set: entry key → its expiry (epoch ms); lowest = oldest / soonest gone
//   <prefix>{cache}:sizes    hash: entry key → its bytes (what leaves the total when it goes)
//   <prefix>{cache}:bytes    the running total of the indexed entries' bytes
// The three index keys expire with their latest entry, so an idle cache leaves nothing behind.
// KEYS: entry, index, sizes, bytes; ARGV: entry key prefix, member, json, ttl ms, maxBytes, now ms
//   → {evicted, total}. Lua's # is the byte length, as Buffer.byteLength is on this side.
const PUT = new Script(`
local entry, index, sizes, total = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local entries, member, json = ARGV[1], ARGV[2], ARGV[3]
local ttl, maxBytes, now = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local held = tonumber(redis.call('GET', total) or '0')
-- an index lost (evicted by Redis's maxmemory, say) restarts the count rather than keep a phantom total
if redis.call('ZCARD', index) == 0 then
  held = 0
  redis.call('DEL', sizes)
end
local function unindex(m)
  held = held - tonumber(redis.call('HGET', sizes, m) or '0')
  redis.call('HDEL', sizes, m)
  redis.call('ZREM', index, m)
end
-- the entry's previous version, then expired entries: they leave the total, and are not evictions
unindex(member)
for _, m in ipairs(redis.call('ZRANGEBYSCORE', index, '-inf', now)) do
  unindex(m)
  redis.call('DEL', entries .. m)
end
local bytes = #json
local evicted = 0
while held + bytes > maxBytes do
  local oldest = redis.call('ZRANGE', index, 0, 0)
  if #oldest == 0 then break end
  unindex(oldest[1])
  -- an entry already gone (Redis expired or evicted it) was not live: not an eviction
  evicted = evicted + redis.call('DEL', entries .. oldest[1])
end
if held < 0 then held = 0 end
held = held + bytes
redis.call('SET', entry, json, 'PX', ttl)
redis.call('ZADD', index, string.format('%d', now + ttl), member)
redis.call('HSET', sizes, member, bytes)
redis.call('SET', total, string.format('%d', held))
local last = redis.call('ZRANGE', index, -1, -1, 'WITHSCORES')
for _, k in ipairs({index, sizes, total}) do redis.call('PEXPIREAT', k, last[2]) end
return {evicted, held}
`);

/**
 * Entries in Redis, shared by every replica. `maxBytes` bounds the total there too: one Lua script
 * per put (atomic across replicas) stores the entry, drops expired ones from the running total and
 * evicts the oldest (soonest to expire) until the total fits; one larger than a quarter of maxBytes
 * is not written. The metrics are this router's view: evictions its puts made, and the total its
 * last put saw (another replica's puts move the real one in between).
 */
export class RedisResponseCache implements ResponseCacheStore {
  readonly #now: () => number;
  readonly #metrics: Pick<Metrics, 'cacheEvictions' | 'cacheBytes'> | undefined;
  readonly #keys: RedisKeys;

  constructor(
    readonly redis: RedisHandle,
    opts: { metrics?: Pick<Metrics, 'cacheEvictions' | 'cacheBytes'>; now?: () => number } = {},
  ) {
    this.#now = opts.now ?? Date.now;
    this.#metrics = opts.metrics;
    this.#keys = new RedisKeys(redis.prefix);
  }

  async get(key: string): Promise<CanonicalResult | undefined> {
    const text = await this.redis.client.get(this.#keys.cacheEntry(key));
    return text === null ? undefined : (JSON.parse(text) as CanonicalResult);
  }

  async put(key: string, result: CanonicalResult, ttlMs: number, maxBytes: number): Promise<boolean> {
    const text = JSON.stringify(result);
    if (Buffer.byteLength(text) > maxBytes / 4) return false;
    const c = this.#keys.cache();
    const keys = [this.#keys.cacheEntry(key), c.index, c.sizes, c.bytes];
    const [evicted, total] = (await PUT.run(this.redis.client, keys, [c.entryPrefix, key, text, Math.max(1, Math.ceil(ttlMs)), maxBytes, this.#now()])) as [number, number];
    if (evicted > 0) this.#metrics?.cacheEvictions.inc(evicted);
    this.#metrics?.cacheBytes.set(total);
    return true;
  }
}
