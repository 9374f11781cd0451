// The resilience knobs, resolved from Settings.resilience with defaults, and
// the shared runtime state (breakers, retry budget, deployment balancer, key
// pools) they act on.
import type { PolicySet } from '../policy/types.js';
import { Balancer } from './balancer.js';
import { Breakers, DEFAULT_BREAKER } from './breaker.js';
import { KeyPools } from './key-pool.js';
import { RetryBudget } from './retry-budget.js';

export interface ResilienceSettings {
  requestTimeoutMs: number;
  firstByteTimeoutMs: number;
  streamIdleTimeoutMs: number;
  maxRetriesPerProvider: number;
  retryBufferBytes: number;
  maxRetryAfterMs: number;
}

export const DEFAULT_RESILIENCE: ResilienceSettings = {
  requestTimeoutMs: 600_000,
  firstByteTimeoutMs: 60_000,
  streamIdleTimeoutMs: 60_000,
  maxRetriesPerProvider: 1,
  retryBufferBytes: 10 * 1024 * 1024,
  maxRetryAfterMs: 2_000,
};

export function resilienceSettings(set: PolicySet): ResilienceSettings {
  const r = set.settings.resilience ?? {};
  return {
    requestTimeoutMs: r.requestTimeoutMs ?? DEFAULT_RESILIENCE.requestTimeoutMs,
    firstByteTimeoutMs: r.firstByteTimeoutMs ?? DEFAULT_RESILIENCE.firstByteTimeoutMs,
    streamIdleTimeoutMs: r.streamIdleTimeoutMs ?? DEFAULT_RESILIENCE.streamIdleTimeoutMs,
    maxRetriesPerProvider: r.maxRetriesPerProvider ?? DEFAULT_RESILIENCE.maxRetriesPerProvider,
    retryBufferBytes: r.retryBufferBytes ?? DEFAULT_RESILIENCE.retryBufferBytes,
    maxRetryAfterMs: r.maxRetryAfterMs ?? DEFAULT_RESILIENCE.maxRetryAfterMs,
  };
}

/** Process-wide resilience state; breaker and budget options follow the live policy. */
export class ResilienceState {
  breakers = new Breakers();
  budget = new RetryBudget();
  /** Which deployment of a model goes first (balancing), and the in-flight counts least_busy reads. */
  balancer = new Balancer();
  /** Round-robin cursors and 429 cool-downs of providers' key pools. */
  keys = new KeyPools();
  #applied: string | undefined;

  /** Re-read breaker and budget options when the policy version changes (state is kept). */
  apply(set: PolicySet): void {
    if (this.#applied === set.version) return;
    this.#applied = set.version;
    const r = set.settings.resilience ?? {};
    this.breakers.options = { ...DEFAULT_BREAKER, ...(r.breaker ?? {}) };
    this.budget.share = (r.retryBudgetPercent ?? 20) / 100;
    this.budget.minConcurrency = r.retryBudgetMinConcurrency ?? 3;
  }
}
