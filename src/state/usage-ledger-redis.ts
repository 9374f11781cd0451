// The usage ledger in Redis: one hash per day and key,
// <prefix>usage:<day>:{k:<key>}, field "<provider>\x1f<model>\x1f<counter>",
// plus a set per day naming the keys that day saw (for admins' queries).
// A record is one pipelined round trip of HINCRBYs; a query reads each day's
// set, then every (day, key) hash, in two round trips. Days expire after
// USAGE_RETENTION_DAYS. Keys come from redis-keys.ts; the hash and the set
// are in different Redis Cluster slots (as are different keys' hashes), so
// the pipelines are split per slot there (redis-slot.ts): no script or
// transaction spans them, and none needs to (each HINCRBY stands alone).
import type { ChainableCommander } from 'ioredis';
import type { RedisHandle } from './redis.js';
import { RedisKeys } from './redis-keys.js';
import { execPerSlot, type KeyedCommand } from './redis-slot.js';
import { counters, daysBetween, USAGE_FIELDS, USAGE_RETENTION_DAYS, zero, type UsageCounters, type UsageField, type UsageLedger, type UsageQuery, type UsageRecord, type UsageRow } from './usage-ledger.js';

const SEP = '\u001f';
const TTL_SECONDS = USAGE_RETENTION_DAYS * 86_400;

export class RedisUsageLedger implements UsageLedger {
  readonly #now: () => number;
  readonly #keys: RedisKeys;

  constructor(
    readonly redis: RedisHandle,
    opts: { now?: () => number } = {},
  ) {
    this.#now = opts.now ?? Date.now;
    this.#keys = new RedisKeys(redis.prefix);
  }

  async record(r: UsageRecord): Promise<void> {
    const day = new Date(this.#now()).toISOString().slice(0, 10);
    const hash = this.#keys.usage(day, r.key);
    const index = this.#keys.usageIndex(day);
    const c = counters(r);
    const on = (key: string, add: (p: ChainableCommander) => unknown): KeyedCommand => ({ key, add: (p) => void add(p) });
    const commands: KeyedCommand[] = [];
    for (const f of USAGE_FIELDS) if (c[f] !== 0) commands.push(on(hash, (p) => p.hincrby(hash, `${r.provider}${SEP}${r.model}${SEP}${f}`, c[f])));
    commands.push(
      on(hash, (p) => p.expire(hash, TTL_SECONDS)),
      on(index, (p) => p.sadd(index, r.key)),
      on(index, (p) => p.expire(index, TTL_SECONDS)),
    );
    await execPerSlot(this.redis.client, commands);
  }

  async query(q: UsageQuery): Promise<UsageRow[]> {
    const days = daysBetween(q.from, q.to);
    let pairs: [string, string][];
    if (q.key !== undefined) {
      pairs = days.map((d) => [d, q.key!]);
    } else {
      const indexes = days.map((d): KeyedCommand => {
        const key = this.#keys.usageIndex(d);
        return { key, add: (p) => void p.smembers(key) };
      });
      const members = (await execPerSlot(this.redis.client, indexes)) as string[][];
      pairs = days.flatMap((d, i) => members[i]!.map((k): [string, string] => [d, k]));
    }
    if (pairs.length === 0) return [];
    const reads = pairs.map(([d, k]): KeyedCommand => {
      const key = this.#keys.usage(d, k);
      return { key, add: (p) => void p.hgetall(key) };
    });
    const hashes = (await execPerSlot(this.redis.client, reads)) as Record<string, string>[];
    const rows: UsageRow[] = [];
    pairs.forEach(([day, key], i) => {
      const targets = new Map<string, UsageCounters>();
      for (const [field, value] of Object.entries(hashes[i]!)) {
        const [provider, model, counter] = field.split(SEP) as [string, string, UsageField];
        const id = `${provider}${SEP}${model}`;
        const c = targets.get(id) ?? zero();
        if ((USAGE_FIELDS as readonly string[]).includes(counter)) c[counter] = Number(value);
        targets.set(id, c);
      }
      for (const [id, c] of targets) {
        const [provider, model] = id.split(SEP) as [string, string];
        rows.push({ day, key, provider, model, ...c });
      }
    });
    return rows;
  }
}
