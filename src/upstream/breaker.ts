// Passive health per provider+model (Envoy-style outlier detection): after
// `consecutiveFailures` failures in a row, or an error ratio above
// `errorRatio` over the last `window` attempts (with at least `minRequests`),
// the target is ejected ("open") for baseEjectionMs × times ejected (capped).
// When that time is up one probe is let through ("half-open"): success closes
// it, failure re-opens it for longer. Client disconnects and request errors
// (4xx caused by the caller) are not provider failures and are not recorded.
export type CircuitState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  consecutiveFailures: number;
  errorRatio: number;
  window: number;
  minRequests: number;
  baseEjectionMs: number;
  maxEjectionMs: number;
}

export const DEFAULT_BREAKER: BreakerOptions = {
  consecutiveFailures: 5,
  errorRatio: 0.5,
  window: 20,
  minRequests: 10,
  baseEjectionMs: 10_000,
  maxEjectionMs: 300_000,
};

interface Entry {
  state: CircuitState;
  consecutive: number;
  recent: boolean[]; // true = failure
  timesEjected: number;
  openUntil: number;
  probing: boolean;
}

export class Breakers {
  readonly #entries = new Map<string, Entry>();
  #listener: ((key: string, state: CircuitState) => void) | undefined;

  constructor(
    public options: BreakerOptions = DEFAULT_BREAKER,
    readonly now: () => number = Date.now,
  ) {}

  onChange(listener: (key: string, state: CircuitState) => void): void {
    this.#listener = listener;
  }

  #entry(key: string): Entry {
    let e = this.#entries.get(key);
    if (!e) {
      e = { state: 'closed', consecutive: 0, recent: [], timesEjected: 0, openUntil: 0, probing: false };
      this.#entries.set(key, e);
    }
    return e;
  }

  /** State as of now (an open circuit whose time is up reads as half-open). */
  state(key: string): CircuitState {
    const e = this.#entries.get(key);
    if (!e) return 'closed';
    if (e.state === 'open' && this.now() >= e.openUntil) return 'half_open';
    return e.state;
  }

  /** May an attempt go to this target now? Half-open lets exactly one probe through. */
  allow(key: string): boolean {
    const s = this.state(key);
    if (s === 'closed') return true;
    if (s === 'open') return false;
    const e = this.#entry(key);
    if (e.probing) return false;
    e.probing = true;
    this.#set(key, e, 'half_open');
    return true;
  }

  /** Milliseconds until an open circuit lets a probe through (0 when not open). */
  openFor(key: string): number {
    const e = this.#entries.get(key);
    return e && e.state === 'open' ? Math.max(0, e.openUntil - this.now()) : 0;
  }

  success(key: string): void {
    const e = this.#entry(key);
    e.consecutive = 0;
    e.probing = false;
    push(e.recent, false, this.options.window);
    if (e.state !== 'closed') {
      e.recent = [];
      this.#set(key, e, 'closed');
    }
  }

  failure(key: string): void {
    const e = this.#entry(key);
    e.consecutive++;
    push(e.recent, true, this.options.window);
    const o = this.options;
    const failures = e.recent.filter(Boolean).length;
    const ratioTripped = e.recent.length >= o.minRequests && failures / e.recent.length >= o.errorRatio;
    if (e.state === 'half_open' || e.probing || e.consecutive >= o.consecutiveFailures || ratioTripped) this.trip(key);
  }

  /** Open now (also used for an upstream auth failure: the key will not start working by itself). */
  trip(key: string): void {
    const e = this.#entry(key);
    e.timesEjected++;
    e.probing = false;
    e.consecutive = 0;
    e.recent = [];
    e.openUntil = this.now() + Math.min(this.options.baseEjectionMs * e.timesEjected, this.options.maxEjectionMs);
    this.#set(key, e, 'open');
  }

  #set(key: string, e: Entry, state: CircuitState): void {
    if (e.state === state) return;
    e.state = state;
    this.#listener?.(key, state);
  }

  keys(): string[] {
    return [...this.#entries.keys()];
  }
}

function push(xs: boolean[], v: boolean, max: number): void {
  xs.push(v);
  if (xs.length > max) xs.shift();
}
