// Stored responses in this process's memory (the default backend), bounded in
// bytes: a count cap let 10,000 entries of 4 MB each take the heap down. Each
// entry's retained size is estimated when it is put (retainedBytes below);
// while the total passes Settings.state.memoryMaxBytes (default 64 MiB) the
// least recently used entries go. Entries also expire after
// Settings.state.conversationTtlSeconds, like the Redis store's. One entry
// larger than a quarter of the bound is kept only as a `too_large` marker (as
// the Redis store does past its cap), so continuing it answers its owner a
// clear 409 and one conversation cannot empty the store. Limits are read on
// every put, so they follow Settings reloads.
import type { Metrics } from '../telemetry/metrics.js';
import type { ConversationStore, StoredResponse } from './conversations.js';
import { DEFAULT_CONVERSATION_TTL_SECONDS } from './conversations-redis.js';

export const DEFAULT_MEMORY_MAX_BYTES = 64 * 1024 * 1024;
/** The share of the bound one entry may take. */
export const MEMORY_ENTRY_SHARE = 4;
/** Expired entries nobody reads are swept at most this often (a put triggers it). */
const SWEEP_EVERY_MS = 60_000;

export interface MemoryConversationOptions {
  maxBytes?: () => number;
  ttlSeconds?: () => number;
  now?: () => number;
  metrics?: Pick<Metrics, 'responseStoreEvictions' | 'responseStoreBytes'>;
}

interface Slot {
  entry: StoredResponse;
  bytes: number;
  expiresAt: number;
}

export class MemoryConversationStore implements ConversationStore {
  /** In recency order: the first key is the least recently used. */
  readonly #map = new Map<string, Slot>();
  #bytes = 0;
  #lastSweep = 0;

  constructor(readonly opts: MemoryConversationOptions = {}) {}

  async get(id: string): Promise<StoredResponse | undefined> {
    const slot = this.#map.get(id);
    if (!slot) return undefined;
    if (this.#now() >= slot.expiresAt) {
      this.#remove(id, slot, 'ttl');
      return undefined;
    }
    // refresh recency
    this.#map.delete(id);
    this.#map.set(id, slot);
    return slot.entry;
  }

  async put(entry: StoredResponse): Promise<void> {
    const now = this.#now();
    const old = this.#map.get(entry.id);
    if (old) this.#remove(entry.id, old);
    const max = this.maxBytes;
    let bytes = retainedBytes(entry);
    if (bytes > max / MEMORY_ENTRY_SHARE) {
      entry = { id: entry.id, ...(entry.owner !== undefined ? { owner: entry.owner } : {}), stored: false, dropped: 'too_large', createdAt: entry.createdAt };
      bytes = retainedBytes(entry);
    }
    const ttlMs = (this.opts.ttlSeconds?.() ?? DEFAULT_CONVERSATION_TTL_SECONDS) * 1000;
    this.#map.set(entry.id, { entry, bytes, expiresAt: now + ttlMs });
    this.#bytes += bytes;
    if (now - this.#lastSweep >= SWEEP_EVERY_MS) this.#sweep(now);
    // Checked before the loop: an iterator per put only when something must go.
    if (this.#bytes > max) {
      for (const [id, slot] of this.#map) {
        if (this.#bytes <= max) break;
        this.#remove(id, slot, 'bytes');
      }
    }
    this.opts.metrics?.responseStoreBytes.set(this.#bytes);
  }

  async delete(id: string): Promise<boolean> {
    const slot = this.#map.get(id);
    if (!slot) return false;
    this.#remove(id, slot);
    this.opts.metrics?.responseStoreBytes.set(this.#bytes);
    // An expired entry is gone already as far as any reader can tell.
    return this.#now() < slot.expiresAt;
  }

  /** The bound now (Settings.state.memoryMaxBytes). */
  get maxBytes(): number {
    return this.opts.maxBytes?.() ?? DEFAULT_MEMORY_MAX_BYTES;
  }

  get size(): number {
    return this.#map.size;
  }

  /** Estimated bytes held (the sum of retainedBytes of every entry). */
  get bytes(): number {
    return this.#bytes;
  }

  #remove(id: string, slot: Slot, evicted?: 'bytes' | 'ttl'): void {
    this.#map.delete(id);
    this.#bytes -= slot.bytes;
    if (evicted) {
      this.opts.metrics?.responseStoreEvictions.inc({ reason: evicted });
      this.opts.metrics?.responseStoreBytes.set(this.#bytes);
    }
  }

  /** Drops every expired entry: reads expire lazily, but an entry nobody reads again would otherwise wait for the byte bound. */
  #sweep(now: number): void {
    this.#lastSweep = now;
    for (const [id, slot] of this.#map) if (now >= slot.expiresAt) this.#remove(id, slot, 'ttl');
  }

  #now(): number {
    return this.opts.now?.() ?? Date.now();
  }
}

// What V8 keeps per value, roughly (64-bit, pointer compression off — an upper estimate):
// a string's header plus its characters, an object's header plus a slot per property,
// an array's header plus a slot per element.
const STRING_HEADER = 16;
const OBJECT_HEADER = 32;
const ARRAY_HEADER = 32;
const SLOT = 8;
/** The Map entry, the slot object and its fields. */
const ENTRY_OVERHEAD = 128;

/**
 * An honest upper estimate of the memory a stored entry keeps alive: every string by its UTF-8
 * length (≥ V8's one byte per Latin-1 character; two-byte strings are at most 1.5× over) plus
 * headers, every object and array by header and slots. Counts everything the entry holds — the
 * input items, the result and the rendered `response` (text both of them hold is counted twice,
 * an over- rather than an under-estimate). One walk, no copy: cheaper than serialising the
 * entry. Stored entries are trees of JSON-like data; anything else (a cycle, absurd nesting)
 * counts as infinitely large, so it is never stored.
 */
export function retainedBytes(entry: StoredResponse): number {
  return ENTRY_OVERHEAD + sizeOf(entry, 0);
}

/** One value's share of retainedBytes; Infinity (returned at once, up the whole walk) past MAX_DEPTH. Recursive: no work-list objects per node. */
function sizeOf(v: unknown, depth: number): number {
  if (typeof v === 'string') return STRING_HEADER + Buffer.byteLength(v, 'utf8');
  if (v === null || typeof v !== 'object') return SLOT;
  if (depth >= MAX_DEPTH) return Number.POSITIVE_INFINITY;
  let total: number;
  if (Array.isArray(v)) {
    total = ARRAY_HEADER + SLOT * v.length;
    for (const x of v) {
      total += sizeOf(x, depth + 1);
      if (total === Number.POSITIVE_INFINITY) return total;
    }
  } else {
    total = OBJECT_HEADER;
    for (const k in v) {
      total += SLOT + k.length + sizeOf((v as Record<string, unknown>)[k], depth + 1);
      if (total === Number.POSITIVE_INFINITY) return total;
    }
  }
  return total;
}

/** Deeper than a stored response nests (the deepest part is a tool's JSON Schema in `response.tools`). */
const MAX_DEPTH = 256;
