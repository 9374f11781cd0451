// Account limits and cool-downs per provider, and the candidate filters they
// feed. Counters (MemoryLimits here: one process; RedisLimits in
// limits-redis.ts: shared by every replica):
//   requests  upstream calls in the last 60 s (1 s buckets), counted when an
//             attempt is admitted, retries included: the provider counts them too
//   tokens    input + output tokens in the last 60 s, counted when usage arrives
//   in flight upstream calls running now (admit → release)
//   spend     USD per UTC day, from the cost the pipeline computes
// Cool-downs: a provider that answered 429/503 with retry-after is skipped
// until then, for that model (rate limits are per model at OpenAI, Anthropic
// and Gemini) or, with `model` undefined, for the whole provider.
// Limits are checked twice: as candidate filters while routing (so the
// decision and explain say why), and again when an attempt is admitted (so a
// burst that routed concurrently cannot overshoot rpm or maxConcurrency).
// tpm and the daily budget are known only after an answer, so they can be
// overshot by the requests already running when the limit is reached.
// Cool-downs are a routing filter only: the dispatch loop itself waits out a
// short retry-after and then retries the same provider, which admission must
// not refuse. Every refusal says when it may pass (retryAfterMs), so a request
// that only limits and cool-downs turned away can be answered with 429 and a
// retry-after rather than a final 422.
import type { KeyScope, ModelSpec, PolicySet, ProviderLimits, ProviderSpec } from '../policy/types.js';
import { utcDay } from './utc-day.js';

export interface ProviderUsage {
  requestsLastMinute: number;
  tokensLastMinute: number;
  /** Milliseconds until the oldest counted request / tokens leave the 60 s window (0: none counted). */
  requestsFreeInMs: number;
  tokensFreeInMs: number;
  inFlight: number;
  /** Spend of the current UTC day. */
  spentTodayUsd: number;
  /** The current UTC day, YYYY-MM-DD. */
  day: string;
}

export interface Cooldown {
  /** Epoch ms. */
  until: number;
  /** undefined: the whole provider. */
  model?: string;
}

export type Admission = { ok: true; release: () => void } | ({ ok: false } & Refusal);

/**
 * The counters behind the limits. Reads are synchronous because candidate
 * filters run inside the routing decision: the Redis backend answers them
 * from a local view it keeps fresh, and its admit() is asynchronous (an
 * atomic check-and-take that dispatch awaits).
 */
export interface LimitsBackend {
  usage(provider: string): ProviderUsage;
  cooldown(provider: string, model: string): Cooldown | undefined;
  /** Check the limits and, if clear, take a concurrency slot and count one request. */
  admit(provider: string, limits: ProviderLimits | undefined): Admission | Promise<Admission>;
  /** The providers of the live policy, and which of them have limits (a shared backend keeps their view fresh). */
  track?(providers: readonly string[], limited: readonly string[]): void;
  stop?(): Promise<void>;
  recordTokens(provider: string, tokens: number): void;
  recordSpend(provider: string, usd: number): void;
  coolDown(provider: string, model: string | undefined, until: number): void;
}

export interface Refusal {
  reason: string;
  /** When it may pass at the earliest (concurrency: a guess, calls end when they end). */
  retryAfterMs: number;
}

/** Which of a provider's limits it has reached, or undefined. */
export function overLimit(limits: ProviderLimits | undefined, u: ProviderUsage, now: number): Refusal | undefined {
  if (!limits) return undefined;
  if (limits.maxConcurrency !== undefined && u.inFlight >= limits.maxConcurrency) {
    return { reason: `limits: ${u.inFlight} calls in flight (maxConcurrency ${limits.maxConcurrency})`, retryAfterMs: 1000 };
  }
  if (limits.rpm !== undefined && u.requestsLastMinute >= limits.rpm) {
    return { reason: `limits: ${u.requestsLastMinute} requests in the last 60 s (rpm ${limits.rpm})`, retryAfterMs: u.requestsFreeInMs };
  }
  if (limits.tpm !== undefined && u.tokensLastMinute >= limits.tpm) {
    return { reason: `limits: ${u.tokensLastMinute} tokens in the last 60 s (tpm ${limits.tpm})`, retryAfterMs: u.tokensFreeInMs };
  }
  if (limits.dailyBudgetUsd !== undefined && u.spentTodayUsd >= limits.dailyBudgetUsd) {
    const midnight = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate() + 1);
    return { reason: `limits: $${u.spentTodayUsd.toFixed(4)} spent on ${u.day} UTC (dailyBudgetUsd ${limits.dailyBudgetUsd})`, retryAfterMs: midnight - now };
  }
  return undefined;
}

export function cooldownRefusal(c: Cooldown, now: number): Refusal {
  const ms = Math.max(0, c.until - now);
  return {
    reason: `cooldown: ${c.model === undefined ? 'provider' : 'model'} cooling down until ${new Date(c.until).toISOString()} (${Math.ceil(ms / 1000)} s, the provider's retry-after)`,
    retryAfterMs: ms,
  };
}

/** The sums of a sliding 60 s window kept in 1 s buckets: O(1) memory per provider. */
export class MinuteWindow {
  readonly #seconds = new Float64Array(60).fill(-1);
  readonly #sums = new Float64Array(60);

  add(now: number, n: number): void {
    const s = Math.floor(now / 1000);
    const i = s % 60;
    if (this.#seconds[i] !== s) {
      this.#seconds[i] = s;
      this.#sums[i] = 0;
    }
    this.#sums[i]! += n;
  }

  /** Milliseconds until the oldest non-empty second in the window leaves it; 0 when empty. */
  freeInMs(now: number): number {
    const s = Math.floor(now / 1000);
    let oldest = Infinity;
    for (let i = 0; i < 60; i++) {
      const at = this.#seconds[i]!;
      if (at > s - 60 && at <= s && this.#sums[i]! > 0) oldest = Math.min(oldest, at);
    }
    return oldest === Infinity ? 0 : (oldest + 60) * 1000 - now;
  }

  /** Events of the current second and the 59 before it. */
  sum(now: number): number {
    const s = Math.floor(now / 1000);
    let total = 0;
    for (let i = 0; i < 60; i++) {
      const at = this.#seconds[i]!;
      if (at > s - 60 && at <= s) total += this.#sums[i]!;
    }
    return total;
  }
}

interface Counters {
  requests: MinuteWindow;
  tokens: MinuteWindow;
  inFlight: number;
  day: string;
  spentUsd: number;
  cooldowns: Map<string, number>; // model ('' = provider) → until
}

export class MemoryLimits implements LimitsBackend {
  readonly #providers = new Map<string, Counters>();
  readonly #now: () => number;

  constructor(opts: { now?: () => number } = {}) {
    this.#now = opts.now ?? Date.now;
  }

  usage(provider: string): ProviderUsage {
    const c = this.#counters(provider);
    const now = this.#now();
    const day = utcDay(now);
    return {
      requestsLastMinute: c.requests.sum(now),
      tokensLastMinute: c.tokens.sum(now),
      requestsFreeInMs: c.requests.freeInMs(now),
      tokensFreeInMs: c.tokens.freeInMs(now),
      inFlight: c.inFlight,
      spentTodayUsd: c.day === day ? c.spentUsd : 0,
      day,
    };
  }

  cooldown(provider: string, model: string): Cooldown | undefined {
    const c = this.#providers.get(provider);
    if (!c) return undefined;
    const now = this.#now();
    const whole = c.cooldowns.get('');
    const one = c.cooldowns.get(model);
    for (const [k, until] of c.cooldowns) if (until <= now) c.cooldowns.delete(k);
    // The later of the two: a model cooling down longer than its provider is still cooling down.
    if (whole !== undefined && whole > now && (one === undefined || whole >= one)) return { until: whole };
    if (one !== undefined && one > now) return { until: one, model };
    return undefined;
  }

  admit(provider: string, limits: ProviderLimits | undefined): Admission {
    const over = overLimit(limits, this.usage(provider), this.#now());
    if (over) return { ok: false, ...over };
    const c = this.#counters(provider);
    c.inFlight++;
    c.requests.add(this.#now(), 1);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return; // a double release must not free someone else's slot
        released = true;
        c.inFlight--;
      },
    };
  }

  recordTokens(provider: string, tokens: number): void {
    if (tokens > 0) this.#counters(provider).tokens.add(this.#now(), tokens);
  }

  recordSpend(provider: string, usd: number): void {
    if (!(usd > 0)) return;
    const c = this.#counters(provider);
    const day = utcDay(this.#now());
    if (c.day !== day) {
      c.day = day;
      c.spentUsd = 0;
    }
    c.spentUsd += usd;
  }

  coolDown(provider: string, model: string | undefined, until: number): void {
    const c = this.#counters(provider);
    const key = model ?? '';
    c.cooldowns.set(key, Math.max(until, c.cooldowns.get(key) ?? 0));
  }

  #counters(provider: string): Counters {
    let c = this.#providers.get(provider);
    if (!c) {
      c = { requests: new MinuteWindow(), tokens: new MinuteWindow(), inFlight: 0, day: utcDay(this.#now()), spentUsd: 0, cooldowns: new Map() };
      this.#providers.set(provider, c);
    }
    return c;
  }
}

interface Candidate {
  provider: Readonly<ProviderSpec>;
  model: Readonly<ModelSpec>;
}

export interface FilterOptions {
  now?: () => number;
  /** Told of every exclusion; `retryAfterMs` only for the passing kind (cooldown, limits). */
  onExcluded?: (c: Candidate, filter: string, retryAfterMs?: number) => void;
}

/** The candidate filters of live state for one decision, in the order they explain a refusal best. */
export function candidateFilters(backend: LimitsBackend, set: PolicySet, caller: string, opts: FilterOptions = {}): { name: string; test: (c: Candidate) => string | undefined }[] {
  const now = opts.now ?? Date.now;
  const excluded = (c: Candidate, filter: string, r: Refusal | undefined): string | undefined => {
    if (r) opts.onExcluded?.(c, filter, r.retryAfterMs);
    return r?.reason;
  };
  const filters: { name: string; test: (c: Candidate) => string | undefined }[] = [];
  const scope = set.scopes.get(caller);
  if (scope) {
    filters.push({
      name: 'api_key_scope',
      test: (c) => {
        const why = scopeReason(scope, caller, c);
        if (why) opts.onExcluded?.(c, 'api_key_scope');
        return why;
      },
    });
  }
  filters.push({
    name: 'cooldown',
    test: (c) => {
      const cool = backend.cooldown(c.provider.name, c.model.name);
      return excluded(c, 'cooldown', cool ? cooldownRefusal(cool, now()) : undefined);
    },
  });
  // One usage read per provider and decision (it sums the minute windows); none for providers without limits.
  const usage = new Map<string, ProviderUsage>();
  const usageOf = (provider: string): ProviderUsage => usage.get(provider) ?? usage.set(provider, backend.usage(provider)).get(provider)!;
  filters.push({ name: 'limits', test: (c) => (c.provider.limits ? excluded(c, 'limits', overLimit(c.provider.limits, usageOf(c.provider.name), now())) : undefined) });
  return filters;
}

function scopeReason(scope: KeyScope, caller: string, c: Candidate): string | undefined {
  if (scope.providers && !scope.providers.has(c.provider.name)) {
    return `api_key_scope: key "${caller}" may use providers ${[...scope.providers].join(', ')}`;
  }
  if (scope.models && !scope.models.has(`${c.provider.name}/${c.model.name}`)) {
    return `api_key_scope: key "${caller}" may use models ${[...scope.models].slice(0, 10).join(', ')}${scope.models.size > 10 ? ', …' : ''}`;
  }
  return undefined;
}
