// A retry budget (Envoy's `retry_budget`): extra attempts — same-provider
// retries and failovers alike — may run concurrently only up to a share of the
// requests in flight (default 20%), never below a small floor (default 3). In
// an outage this caps upstream load at about requests × (1 + share) instead of
// multiplying it by the number of candidates.
export class RetryBudget {
  #active = 0;
  #retrying = 0;

  constructor(
    public share = 0.2,
    public minConcurrency = 3,
  ) {}

  /** A request starts (call end() when it finishes). */
  begin(): void {
    this.#active++;
  }

  end(): void {
    this.#active = Math.max(0, this.#active - 1);
  }

  /** Try to take a slot for an extra attempt; false means "no more attempts". */
  tryAcquire(): boolean {
    const limit = Math.max(this.minConcurrency, Math.floor(this.#active * this.share));
    if (this.#retrying >= limit) return false;
    this.#retrying++;
    return true;
  }

  release(): void {
    this.#retrying = Math.max(0, this.#retrying - 1);
  }

  get active(): number {
    return this.#active;
  }

  get retrying(): number {
    return this.#retrying;
  }
}
