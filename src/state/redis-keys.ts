// Every Redis key the router writes, built in one place so that each Lua
// script and each per-slot pipeline gets keys that share one Redis Cluster
// hash slot by construction: a key is <prefix>{<tag>}:<rest>, and every key
// one script touches carries the same tag.
//   {k:<api key name>}   a client key: rpm/tpm windows, budget hashes, usage hashes
//   {p:<provider name>}  a provider account: windows, leases, spend, cool-downs
//   {r:<response id>}    one stored response
//   {cache}              the whole response cache (its put script evicts across entries)
// Key and provider names are validated identifiers (letters, digits . _ : -),
// so they appear verbatim; a value with a brace in it (a response id from a
// request, say) is replaced by a digest, so no value can end or open a tag.
// The layout is documented in docs/operations/redis-keys.md; a unit test
// checks every builder and script call site against the slot arithmetic.
import { createHash } from 'node:crypto';

/** A tag's value, verbatim when it cannot disturb the braces, else a digest of it. */
function tagValue(value: string): string {
  if (!/[{}]/.test(value)) return value;
  return `#${createHash('sha256').update(value).digest('hex').slice(0, 24)}`;
}

/** `{kind:value}`: the part of a key Redis Cluster hashes. */
export function hashTag(kind: string, value: string): string {
  return `{${kind}:${tagValue(value)}}`;
}

export interface KeyWindowKeys {
  /** Requests: a hash of 1 s buckets. */
  rq: string;
  /** Tokens: same. */
  tk: string;
}

export interface ProviderKeys extends KeyWindowKeys {
  /** Calls in flight: a sorted set of leases. */
  fl: string;
  /** Spend of one UTC day, in nano-dollars. */
  sp: string;
}

export interface CacheKeys {
  /** What an entry's key starts with (the put script names evicted entries from it). */
  entryPrefix: string;
  index: string;
  sizes: string;
  bytes: string;
}

export class RedisKeys {
  constructor(readonly prefix: string) {
    // A brace in the prefix would become (or break) the hash tag of every key.
    if (/[{}]/.test(prefix)) throw new Error(`Redis key prefix "${prefix}" must not contain '{' or '}'`);
  }

  /** A client key's rpm / tpm windows (the key-window admit script takes both). */
  keyWindows(name: string): KeyWindowKeys {
    const base = this.#tagged('k', name);
    return { rq: `${base}:rq`, tk: `${base}:tk` };
  }

  /** A client key's budget hash for one period (d<day> or m<month>). */
  budget(name: string, period: string): string {
    return `${this.#tagged('k', name)}:b:${period}`;
  }

  /** A provider account's counters for the UTC day `day` (the provider admit script takes all four). */
  provider(name: string, day: string): ProviderKeys {
    const base = this.#tagged('p', name);
    return { rq: `${base}:rq`, tk: `${base}:tk`, fl: `${base}:fl`, sp: `${base}:sp:${day}` };
  }

  /** A provider's cool-downs: field = model ('' for the whole provider), value = until. */
  providerCool(name: string): string {
    return `${this.#tagged('p', name)}:cool`;
  }

  /**
   * One client key's usage for one day. This layout predates the tag-first
   * rule and is kept so the 400 days of ledger stay readable; the tag is the
   * same {k:<name>}, so the slot is that key's slot.
   */
  usage(day: string, name: string): string {
    return `${this.prefix}usage:${day}:${hashTag('k', name)}`;
  }

  /** The set of client keys one day's usage saw. No tag: only single-key commands touch it. */
  usageIndex(day: string): string {
    return `${this.prefix}usage:${day}:keys`;
  }

  /** One stored response. */
  response(id: string): string {
    return `${this.#tagged('r', id)}`;
  }

  /** Where a stored response lived before the {r:<id>} tag: read (and deleted) until those expire. */
  legacyResponse(id: string): string {
    return `${this.prefix}resp:${id}`;
  }

  /** The response cache: every key under the one tag {cache}. */
  cache(): CacheKeys {
    const base = `${this.prefix}{cache}`;
    return { entryPrefix: `${base}:e:`, index: `${base}:index`, sizes: `${base}:sizes`, bytes: `${base}:bytes` };
  }

  /** One response cache entry. */
  cacheEntry(key: string): string {
    return `${this.cache().entryPrefix}${key}`;
  }

  #tagged(kind: string, value: string): string {
    return `${this.prefix}${hashTag(kind, value)}`;
  }
}
