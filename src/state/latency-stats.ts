// Live latency per provider+model, learned from the router's own successful
// attempts, for the latency term of mode scoring:
//   ttft  EWMA of time to first token (ms), and its p95 over the last
//         `window` samples (for explain and dashboards; the score uses the EWMA,
//         the expected value, not the tail)
//   tps   EWMA of output tokens per second while the answer streams
// A term is "live" once it has `minSamples` samples; until then, and again
// after `staleAfterMs` without a sample, the catalog's priors apply. The
// staleness reset matters: latency mode stops sending traffic to a model it
// measured as slow, so without it that model could never prove it recovered.
//
// Where samples come from (LiveInputs.record):
//   streams      ttft = request sent → first event; tps = output tokens over
//                first → last event (only when that lasted ≥ 50 ms: a burst
//                delivered at once says nothing about generation speed)
//   non-stream   one duration D covers both: ttft = D − output / tps, with tps
//                the live estimate or the prior, so that ttft + output / tps
//                (what the score computes) reproduces D
import type { ModelSpec, ProviderSpec } from '../policy/types.js';
import { deploymentKey } from '../policy/deployment-key.js';

export interface LatencyOptions {
  /** EWMA weight of a new sample. Default 0.2 (≈ the last 10 samples dominate). */
  alpha?: number;
  /** Samples kept for the p95. Default 200. */
  window?: number;
  /** Samples before a term is used. Default 5. */
  minSamples?: number;
  /** Live numbers older than this fall back to priors. Default 10 minutes. */
  staleAfterMs?: number;
  now?: () => number;
}

interface Target {
  provider: Readonly<ProviderSpec>;
  model: Readonly<ModelSpec>;
}

/** What latency() returns: the two terms the scorer reads, plus what explain shows. */
export interface LiveLatency {
  ttftMs: number;
  tokensPerSecond: number;
  p95TtftMs?: number;
  ttftSamples: number;
  tpsSamples: number;
}

export const MIN_STREAM_MS_FOR_TPS = 50;
/** The scorer's own prior when the catalog has none (src/routing/score.ts). */
const FALLBACK_TPS = 60;
const FALLBACK_TTFT_MS = 800;

class Ewma {
  value = 0;
  count = 0;
  constructor(private readonly alpha: number) {}
  add(x: number): void {
    this.value = this.count === 0 ? x : this.alpha * x + (1 - this.alpha) * this.value;
    this.count++;
  }
}

/** A ring of the last n samples with a cached nearest-rank percentile. */
class Window {
  readonly #xs: Float64Array;
  #next = 0;
  #size = 0;
  #p95: number | undefined;
  constructor(n: number) {
    this.#xs = new Float64Array(n);
  }
  add(x: number): void {
    this.#xs[this.#next] = x;
    this.#next = (this.#next + 1) % this.#xs.length;
    this.#size = Math.min(this.#size + 1, this.#xs.length);
    this.#p95 = undefined;
  }
  p95(): number | undefined {
    if (this.#size === 0) return undefined;
    if (this.#p95 === undefined) {
      const sorted = Float64Array.from(this.#xs.subarray(0, this.#size)).sort();
      this.#p95 = sorted[Math.ceil(0.95 * this.#size) - 1]!;
    }
    return this.#p95;
  }
}

class Series {
  readonly ttft: Ewma;
  readonly tps: Ewma;
  readonly ttftWindow: Window;
  lastAt = 0;
  constructor(alpha: number, window: number) {
    this.ttft = new Ewma(alpha);
    this.tps = new Ewma(alpha);
    this.ttftWindow = new Window(window);
  }
}

export class LatencyStats {
  readonly #series = new Map<string, Series>();
  readonly #alpha: number;
  readonly #window: number;
  readonly #min: number;
  readonly #staleMs: number;
  readonly #now: () => number;

  constructor(opts: LatencyOptions = {}) {
    this.#alpha = opts.alpha ?? 0.2;
    this.#window = opts.window ?? 200;
    this.#min = opts.minSamples ?? 5;
    this.#staleMs = opts.staleAfterMs ?? 10 * 60_000;
    this.#now = opts.now ?? Date.now;
  }

  /** A streamed answer: first event after `ttftMs`, then `outputTokens` over `streamMs`. */
  recordStream(t: Target, ttftMs: number, outputTokens: number, streamMs: number): void {
    const s = this.#fresh(t);
    this.#addTtft(s, ttftMs);
    if (streamMs >= MIN_STREAM_MS_FOR_TPS && outputTokens > 0) s.tps.add(outputTokens / (streamMs / 1000));
  }

  /** A non-stream answer after `totalMs` with `outputTokens`: only the time to first token is learned. */
  recordUnary(t: Target, totalMs: number, outputTokens: number): void {
    const s = this.#fresh(t);
    const tps = this.#liveTps(s) ?? prior(t).tokensPerSecond;
    this.#addTtft(s, Math.max(0, totalMs - (outputTokens / tps) * 1000));
  }

  /**
   * Live numbers for the scorer, or undefined while neither term has enough
   * fresh samples. `p95: true` adds the TTFT p95 (a sort of the window, redone
   * after every new sample): the scorer does not read it, so serving skips it.
   */
  latency(t: Target, opts: { p95?: boolean } = {}): LiveLatency | undefined {
    const s = this.#series.get(deploymentKey(t));
    if (!s || this.#now() - s.lastAt > this.#staleMs) return undefined;
    const ttftLive = s.ttft.count >= this.#min;
    const tps = this.#liveTps(s);
    if (!ttftLive && tps === undefined) return undefined;
    const p = prior(t);
    const p95 = opts.p95 ? s.ttftWindow.p95() : undefined;
    return {
      ttftMs: ttftLive ? round(s.ttft.value) : p.ttftMs,
      tokensPerSecond: tps !== undefined ? round(tps) : p.tokensPerSecond,
      ...(ttftLive && p95 !== undefined ? { p95TtftMs: round(p95) } : {}),
      ttftSamples: s.ttft.count,
      tpsSamples: s.tps.count,
    };
  }

  #liveTps(s: Series): number | undefined {
    return s.tps.count >= this.#min ? s.tps.value : undefined;
  }

  #addTtft(s: Series, ms: number): void {
    s.ttft.add(ms);
    s.ttftWindow.add(ms);
    s.lastAt = this.#now();
  }

  /** The series for a target; restarted when its last sample is stale (old numbers describe another day). */
  #fresh(t: Target): Series {
    const key = deploymentKey(t);
    let s = this.#series.get(key);
    if (!s || (s.lastAt > 0 && this.#now() - s.lastAt > this.#staleMs)) {
      s = new Series(this.#alpha, this.#window);
      this.#series.set(key, s);
    }
    return s;
  }
}

function prior(t: Target): { ttftMs: number; tokensPerSecond: number } {
  return { ttftMs: t.model.latency?.ttftMs ?? FALLBACK_TTFT_MS, tokensPerSecond: t.model.latency?.tokensPerSecond ?? FALLBACK_TPS };
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
