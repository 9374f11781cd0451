// The usage ledger: per UTC day, client key, provider and model — requests,
// errors, input/output/cached/cache-write/reasoning tokens and cost — kept by the state
// backend so every replica adds to the same totals and GET /v1/usage can
// read them from any replica. A request nothing served is recorded with an
// empty provider and model (it still counts as a request and an error).
// Cost is kept in integer nano-dollars like budgets, so totals add up exactly.
import { fromNano, toNano } from './budgets.js';
import { utcDay } from './utc-day.js';

export interface UsageRecord {
  key: string;
  provider: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  /** Part of inputTokens written to the provider's cache (Anthropic reports it). */
  cacheWriteTokens: number;
  reasoningTokens: number;
  costUsd: number;
  error: boolean;
}

export const USAGE_FIELDS = ['requests', 'errors', 'inputTokens', 'outputTokens', 'cachedTokens', 'cacheWriteTokens', 'reasoningTokens', 'costNano'] as const;
export type UsageField = (typeof USAGE_FIELDS)[number];
export type UsageCounters = Record<UsageField, number>;

export interface UsageRow extends UsageCounters {
  day: string;
  key: string;
  provider: string;
  model: string;
}

export interface UsageQuery {
  /** YYYY-MM-DD, inclusive. */
  from: string;
  to: string;
  /** Only this key's rows. */
  key?: string;
}

export interface UsageLedger {
  record(r: UsageRecord): Promise<void>;
  query(q: UsageQuery): Promise<UsageRow[]>;
}

/** Days kept: a little over a year, so year-over-year monthly questions can be answered. */
export const USAGE_RETENTION_DAYS = 400;
/** Longest span one query may cover. */
export const MAX_QUERY_DAYS = 366;

export function counters(r: UsageRecord): UsageCounters {
  return {
    requests: 1,
    errors: r.error ? 1 : 0,
    inputTokens: r.inputTokens,
    outputTokens: r.outputTokens,
    cachedTokens: r.cachedTokens,
    cacheWriteTokens: r.cacheWriteTokens,
    reasoningTokens: r.reasoningTokens,
    costNano: toNano(r.costUsd),
  };
}

/** Every UTC day from `from` to `to`, inclusive. */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`), end = Date.parse(`${to}T00:00:00Z`); t <= end; t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

export type UsageDimension = 'day' | 'key' | 'provider' | 'model';

export interface UsageGroup {
  day?: string;
  key?: string;
  provider?: string | null;
  model?: string | null;
  requests: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  cost_usd: number;
}

/** Sums rows over the dimensions not in `by`, sorted by the grouped dimensions. */
export function groupUsage(rows: readonly UsageRow[], by: readonly UsageDimension[]): UsageGroup[] {
  const groups = new Map<string, { dims: Partial<Record<UsageDimension, string>>; c: UsageCounters }>();
  for (const r of rows) {
    const dims: Partial<Record<UsageDimension, string>> = {};
    for (const d of by) dims[d] = r[d];
    const id = by.map((d) => r[d]).join('\u001f');
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { dims, c: zero() }));
    for (const f of USAGE_FIELDS) g.c[f] += r[f];
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, { dims, c }]) => ({
      ...(dims.day !== undefined ? { day: dims.day } : {}),
      ...(dims.key !== undefined ? { key: dims.key } : {}),
      ...(dims.provider !== undefined ? { provider: dims.provider || null } : {}),
      ...(dims.model !== undefined ? { model: dims.model || null } : {}),
      ...wire(c),
    }));
}

export function wire(c: UsageCounters): Omit<UsageGroup, UsageDimension> {
  return {
    requests: c.requests,
    errors: c.errors,
    input_tokens: c.inputTokens,
    output_tokens: c.outputTokens,
    cached_tokens: c.cachedTokens,
    cache_write_tokens: c.cacheWriteTokens,
    reasoning_tokens: c.reasoningTokens,
    cost_usd: fromNano(c.costNano),
  };
}

export function zero(): UsageCounters {
  return { requests: 0, errors: 0, inputTokens: 0, outputTokens: 0, cachedTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, costNano: 0 };
}

const SEP = '\u001f';

export class MemoryUsageLedger implements UsageLedger {
  /** day → key → provider SEP model → counters. */
  readonly #days = new Map<string, Map<string, Map<string, UsageCounters>>>();
  readonly #now: () => number;

  constructor(opts: { now?: () => number } = {}) {
    this.#now = opts.now ?? Date.now;
  }

  async record(r: UsageRecord): Promise<void> {
    const now = this.#now();
    const day = utcDay(now);
    let keys = this.#days.get(day);
    if (!keys) {
      this.#days.set(day, (keys = new Map()));
      const oldest = new Date(now - USAGE_RETENTION_DAYS * 86_400_000).toISOString().slice(0, 10);
      for (const d of this.#days.keys()) if (d < oldest) this.#days.delete(d);
    }
    let targets = keys.get(r.key);
    if (!targets) keys.set(r.key, (targets = new Map()));
    const id = `${r.provider}${SEP}${r.model}`;
    const c = targets.get(id) ?? zero();
    const add = counters(r);
    for (const f of USAGE_FIELDS) c[f] += add[f];
    targets.set(id, c);
  }

  async query(q: UsageQuery): Promise<UsageRow[]> {
    const rows: UsageRow[] = [];
    for (const day of daysBetween(q.from, q.to)) {
      for (const [key, targets] of this.#days.get(day) ?? []) {
        if (q.key !== undefined && key !== q.key) continue;
        for (const [id, c] of targets) {
          const [provider, model] = id.split(SEP) as [string, string];
          rows.push({ day, key, provider, model, ...c });
        }
      }
    }
    return rows;
  }
}
