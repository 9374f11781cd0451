// The usage ledger in Redis: one hash per day and key,
// <prefix>usage:<day>:{k:<key>}, field "<provider>\x1f<model>\x1f<counter>",
// plus a set per day naming the keys that day saw (for admins' queries).
// A record is one pipelined round trip of HINCRBYs; a query reads each day's
// set, then every (day, key) hash, in two round trips. Days expire after
// USAGE_RETENTION_DAYS.
import type { RedisHandle } from './redis.js';
import { execAll } from './redis.js';
import { counters, daysBetween, USAGE_FIELDS, USAGE_RETENTION_DAYS, zero, type UsageCounters, type UsageField, type UsageLedger, type UsageQuery, type UsageRecord, type UsageRow } from './usage-ledger.js';

const SEP = '\u001f';
const TTL_SECONDS = USAGE_RETENTION_DAYS * 86_400;

export class RedisUsageLedger implements UsageLedger {
  readonly #now: () => number;

  constructor(
    readonly redis: RedisHandle,
    opts: { now?: () => number } = {},
  ) {
    this.#now = opts.now ?? Date.now;
  }

  async record(r: UsageRecord): Promise<void> {
    const day = new Date(this.#now()).toISOString().slice(0, 10);
    const hash = this.#hash(day, r.key);
    const index = this.#index(day);
    const p = this.redis.client.pipeline();
    const c = counters(r);
    for (const f of USAGE_FIELDS) if (c[f] !== 0) p.hincrby(hash, `${r.provider}${SEP}${r.model}${SEP}${f}`, c[f]);
    p.expire(hash, TTL_SECONDS).sadd(index, r.key).expire(index, TTL_SECONDS);
    await execAll(p);
  }

  async query(q: UsageQuery): Promise<UsageRow[]> {
    const days = daysBetween(q.from, q.to);
    let pairs: [string, string][];
    if (q.key !== undefined) {
      pairs = days.map((d) => [d, q.key!]);
    } else {
      const p = this.redis.client.pipeline();
      for (const d of days) p.smembers(this.#index(d));
      const members = (await execAll(p)) as string[][];
      pairs = days.flatMap((d, i) => members[i]!.map((k): [string, string] => [d, k]));
    }
    if (pairs.length === 0) return [];
    const p = this.redis.client.pipeline();
    for (const [d, k] of pairs) p.hgetall(this.#hash(d, k));
    const hashes = (await execAll(p)) as Record<string, string>[];
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

  #hash(day: string, key: string): string {
    return `${this.redis.prefix}usage:${day}:{k:${key}}`;
  }

  #index(day: string): string {
    return `${this.redis.prefix}usage:${day}:keys`;
  }
}
