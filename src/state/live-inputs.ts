// The live inputs of routing, in one object the server creates once: price
// sources (prices/price-sources.ts), latency statistics (latency-stats.ts),
// account limits and cool-downs (limits.ts). The pipeline reads it through
// three doors:
//   decideHooks()  filters, latency and price for decide() (exclusions are counted
//                  here), and the 429 for a request only limits turned away
//   dispatchHooks() for the attempt loop: begin (an attempt takes a concurrency
//                  slot and counts a request, or is refused) and coolDown
//                  (a provider sent retry-after)
//   record()       after the request: tokens, spend, latency samples
import { PriceSources, type PriceSourcesOptions } from '../prices/price-sources.js';
import type { Pricing } from '../prices/price-formats.js';
import type { Usage } from '../canonical/types.js';
import type { ModelSpec, PolicySet, ProviderSpec } from '../policy/types.js';
import type { PolicyStore } from '../policy/store.js';
import { providerLabel } from '../telemetry/labels.js';
import type { DispatchHooks } from '../upstream/dispatch.js';
import { UpstreamHttpError } from '../upstream/errors.js';
import { RouterError } from '../errors/registry.js';
import type { Logger } from '../telemetry/log.js';
import type { Metrics } from '../telemetry/metrics.js';
import { LatencyStats, type LatencyOptions, type LiveLatency } from './latency-stats.js';
import { candidateFilters, MemoryLimits, type Admission, type LimitsBackend } from './limits.js';

/** A provider asking for hours is believed for one: a stale cool-down must not outlive the incident. */
export const MAX_COOLDOWN_MS = 3_600_000;

interface Target {
  provider: Readonly<ProviderSpec>;
  model: Readonly<ModelSpec>;
}

/** The slice of one finished attempt that state learns from (src/upstream/dispatch.ts Attempt). */
export interface AttemptRecord {
  provider: string;
  model: string;
  outcome: string;
  ms: number;
  ttftMs?: number;
}

export interface RequestRecord {
  attempts: readonly AttemptRecord[];
  served?: Target;
  usage?: Usage;
  /** USD the pipeline computed for the served answer. */
  costUsd?: number;
  streamed: boolean;
}

export interface LiveInputsOptions {
  metrics?: Metrics;
  logger?: Logger;
  limits?: LimitsBackend;
  latency?: LatencyOptions;
  prices?: Omit<PriceSourcesOptions, 'metrics' | 'logger'>;
  now?: () => number;
}

export class LiveInputs {
  readonly latency: LatencyStats;
  readonly limits: LimitsBackend;
  readonly prices: PriceSources;
  readonly #metrics: Metrics | undefined;
  readonly #now: () => number;
  #applied: PolicySet | undefined;
  readonly #local = new Map<string, number>();

  constructor(opts: LiveInputsOptions = {}) {
    this.#now = opts.now ?? Date.now;
    this.#metrics = opts.metrics;
    this.latency = new LatencyStats({ now: this.#now, ...opts.latency });
    this.limits = opts.limits ?? new MemoryLimits({ now: this.#now });
    this.prices = new PriceSources({ ...opts.prices, ...(opts.metrics ? { metrics: opts.metrics } : {}), ...(opts.logger ? { logger: opts.logger } : {}) });
  }

  /** Follow the live policy: price sources start, change and stop with Settings.priceSources. */
  follow(store: PolicyStore): void {
    store.onReload((record, s) => {
      if (record.result !== 'error') this.apply(s.current());
    });
    this.apply(store.current());
  }

  apply(set: PolicySet | undefined): void {
    if (!set || set === this.#applied) return;
    this.#applied = set;
    this.prices.apply(set);
    this.limits.track?.(
      [...set.providers.keys()],
      [...set.providers.values()].filter((p) => p.limits).map((p) => p.name),
    );
  }

  /**
   * What decide() needs from live state for one request, and `settle(err)`:
   * when limits or cool-downs alone emptied the candidate set (every other
   * candidate failed a lasting check), the 422 no_candidates becomes a 429
   * with retry-after — the request will pass later, and SDKs retry a 429.
   */
  /** `count: false` (explain) leaves the exclusion metric alone: only serving decisions count. */
  decideHooks(set: PolicySet, caller: string, opts: { count?: boolean } = {}): {
    context: {
      filters: ReturnType<typeof candidateFilters>;
      latency: (c: Target) => LiveLatency | undefined;
      price: (c: Target) => Pricing | undefined;
    };
    settle: (err: unknown) => unknown;
  } {
    const m = this.#metrics;
    let soonest: { provider: string; ms: number } | undefined;
    const filters = candidateFilters(this.limits, set, caller, {
      now: this.#now,
      onExcluded: (c, filter, retryAfterMs) => {
        if (opts.count !== false) m?.routingExclusions.inc({ provider: providerLabel(set, c.provider.name), filter });
        if (retryAfterMs !== undefined && (!soonest || retryAfterMs < soonest.ms)) soonest = { provider: c.provider.name, ms: retryAfterMs };
      },
    });
    return {
      context: { filters, latency: (c) => this.latency.latency(c), price: (c) => this.prices.priceOf(c) },
      settle: (err) => {
        if (!(err instanceof RouterError) || err.code !== 'no_candidates' || !soonest) return err;
        const retryAfterSeconds = Math.max(1, Math.ceil(soonest.ms / 1000));
        return new UpstreamHttpError(
          { status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded', message: `Provider limits or cool-downs leave no model for this request right now; retry in ${retryAfterSeconds} s. ${err.message}`, retryAfterSeconds },
          soonest.provider,
        );
      },
    };
  }

  priceOf(c: Target): Pricing {
    return this.prices.priceOf(c) ?? c.model.pricing;
  }

  /** The attempt loop's hooks for one request on `set`. */
  dispatchHooks(set: PolicySet): Required<Pick<DispatchHooks, 'begin' | 'coolDown'>> {
    const admitted = (c: Target, a: Admission): (() => void) => {
      if (a.ok) return a.release;
      // A limit reached between routing and this attempt (a concurrent burst): fail over as after a 429.
      throw new UpstreamHttpError(
        { status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded', message: `${c.provider.name}: ${a.reason}`, retryAfterSeconds: Math.max(1, Math.ceil(a.retryAfterMs / 1000)) },
        c.provider.name,
      );
    };
    return {
      // Synchronous with the memory backend; a promise with Redis (dispatch awaits either).
      begin: (c) => {
        const a = this.admit(set, c);
        return a instanceof Promise ? a.then((x) => admitted(c, x)) : admitted(c, a);
      },
      coolDown: (c, ms) => this.coolDown(set, c, ms),
    };
  }

  /** An upstream attempt on `c` starts; refused when one of the provider's limits is reached right now. */
  admit(set: PolicySet, c: Target): Admission | Promise<Admission> {
    const taken = (a: Admission): Admission => {
      if (!a.ok) return a;
      this.#inFlight(set, c.provider.name, 1);
      let released = false;
      return {
        ok: true,
        release: () => {
          a.release();
          if (released) return;
          released = true;
          this.#inFlight(set, c.provider.name, -1);
        },
      };
    };
    const a = this.limits.admit(c.provider.name, c.provider.limits);
    return a instanceof Promise ? a.then(taken) : taken(a);
  }

  /** The provider answered with retry-after: skip this model there until it has passed. */
  coolDown(set: PolicySet, c: Target, ms: number): void {
    if (!(ms > 0)) return;
    this.limits.coolDown(c.provider.name, c.model.name, this.#now() + Math.min(ms, MAX_COOLDOWN_MS));
    this.#metrics?.providerCooldowns.inc({ provider: providerLabel(set, c.provider.name) });
  }

  /** After a request: what it cost and how fast it was. */
  record(r: RequestRecord): void {
    const served = r.served;
    if (!served || !r.usage) return;
    this.limits.recordTokens(served.provider.name, r.usage.inputTokens + r.usage.outputTokens);
    if (r.costUsd !== undefined) this.limits.recordSpend(served.provider.name, r.costUsd);
    const a = r.attempts.findLast((x) => x.outcome === 'success' && x.provider === served.provider.name && x.model === served.model.name);
    if (!a) return;
    if (!r.streamed) this.latency.recordUnary(served, a.ms, r.usage.outputTokens);
    else if (a.ttftMs !== undefined) this.latency.recordStream(served, a.ttftMs, r.usage.outputTokens, a.ms - a.ttftMs);
  }

  async stop(): Promise<void> {
    await this.prices.stop();
    await this.limits.stop?.();
  }

  /** This replica's own calls (a shared backend's count is every replica's: summing pods would multiply it). */
  #inFlight(set: PolicySet, provider: string, delta: number): void {
    const n = (this.#local.get(provider) ?? 0) + delta;
    this.#local.set(provider, n);
    this.#metrics?.providerInFlight.set({ provider: providerLabel(set, provider) }, n);
  }
}
