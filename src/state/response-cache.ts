// The exact-match response cache's memory store: a byte-bounded LRU with a
// TTL per entry (the approach of conversations-memory.ts). Entries are the
// CanonicalResult as JSON text: its byte length is the size the bound counts,
// and a hit parses a fresh copy, so no answer can alter what the next one
// reads. Limits are passed on every put, so they follow Settings reloads.
import type { CanonicalResult } from '../canonical/types.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { RedisHandle } from './redis.js';

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

/**
 * Entries in Redis, shared by every replica: <prefix>cache:<key> = JSON, SET with PX (Redis expires
 * them). The byte bound is per entry here (one larger than a quarter of maxBytes is not written);
 * the total is Redis's own maxmemory policy's to bound. Eviction and byte metrics are memory-only.
 */
export class RedisResponseCache implements ResponseCacheStore {
  constructor(readonly redis: RedisHandle) {}

  async get(key: string): Promise<CanonicalResult | undefined> {
    const text = await this.redis.client.get(this.#key(key));
    return text === null ? undefined : (JSON.parse(text) as CanonicalResult);
  }

  async put(key: string, result: CanonicalResult, ttlMs: number, maxBytes: number): Promise<boolean> {
    const text = JSON.stringify(result);
    if (Buffer.byteLength(text) > maxBytes / 4) return false;
    await this.redis.client.set(this.#key(key), text, 'PX', ttlMs);
    return true;
  }

  #key(key: string): string {
    return `${this.redis.prefix}cache:${key}`;
  }
}
