// Mode scoring. Each term is normalised across the candidates to 0..1 (1 =
// best: cheapest, highest quality, fastest), then weighted by the mode:
//   balance 40/40/20, cost 80/10/10, quality 10/80/10, latency 10/10/80
// (cost/quality/latency; overridable per mode in Settings.modeWeights).
//   cost    = input tokens × input price + expected output × output price
//   latency = time to first token + expected output / tokens per second, from
//             live statistics when the router has them, else catalog priors
//   quality = the catalog's 0..1 judgement
// Ties keep catalog order, so decisions are deterministic.
import type { ModelSpec, ProviderSpec, RoutingMode } from '../policy/types.js';

export interface ScoreTerms {
  /** Estimated USD for this request. */
  costUsd: number;
  /** Estimated milliseconds until the last token. */
  latencyMs: number;
  quality: number;
  /** Normalised terms (0..1, 1 best) and the weighted score. */
  cost: number;
  latency: number;
  qualityTerm: number;
  score: number;
  latencySource: 'live' | 'prior';
}

export interface LatencyEstimate {
  ttftMs: number;
  tokensPerSecond: number;
}

export interface Pricing {
  input: number;
  output: number;
  cachedInput?: number;
  /** Cache writes (Anthropic cache_creation_input_tokens); default: input. */
  cacheWrite?: number;
}

export interface Weights {
  cost: number;
  quality: number;
  latency: number;
}

export const DEFAULT_WEIGHTS: Readonly<Record<RoutingMode, Weights>> = {
  balance: { cost: 0.4, quality: 0.4, latency: 0.2 },
  cost: { cost: 0.8, quality: 0.1, latency: 0.1 },
  quality: { cost: 0.1, quality: 0.8, latency: 0.1 },
  latency: { cost: 0.1, quality: 0.1, latency: 0.8 },
};

/** Expected output when the request sets no limit. */
export const DEFAULT_EXPECTED_OUTPUT_TOKENS = 500;

interface C {
  provider: Readonly<ProviderSpec>;
  model: Readonly<ModelSpec>;
}

export function scoreCandidates<T extends C>(
  pool: readonly T[],
  mode: RoutingMode,
  override: Weights | undefined,
  inputTokens: number,
  maxOutputTokens: number | undefined,
  liveLatency?: (c: T) => LatencyEstimate | undefined,
  price?: (c: T) => Pricing | undefined,
): { candidate: T; terms: ScoreTerms }[] {
  if (pool.length === 0) return [];
  const w = override ?? DEFAULT_WEIGHTS[mode];
  const total = w.cost + w.quality + w.latency || 1;
  const out = Math.min(maxOutputTokens ?? DEFAULT_EXPECTED_OUTPUT_TOKENS, DEFAULT_EXPECTED_OUTPUT_TOKENS * 4);
  // Runs for every catalog model on every request: plain loops, no spreads, no
  // per-candidate objects until the final terms.
  const n = pool.length;
  const cost: number[] = [];
  const latency: number[] = [];
  const quality: number[] = [];
  const live: boolean[] = [];
  for (let i = 0; i < n; i++) {
    const c = pool[i]!;
    const stats = liveLatency?.(c);
    const ttft = stats?.ttftMs ?? c.model.latency?.ttftMs ?? 800;
    const tps = stats?.tokensPerSecond ?? c.model.latency?.tokensPerSecond ?? 60;
    const p = price?.(c) ?? c.model.pricing;
    cost.push((inputTokens * p.input + out * p.output) / 1e6);
    latency.push(ttft + (out / Math.max(tps, 0.001)) * 1000);
    quality.push(c.model.quality);
    live.push(stats !== undefined);
  }
  const nc = range(cost);
  const nl = range(latency);
  const nq = range(quality);
  const scored: { candidate: T; terms: ScoreTerms; i: number }[] = [];
  for (let i = 0; i < n; i++) {
    const tc = normalised(nc, cost[i]!, true);
    const tl = normalised(nl, latency[i]!, true);
    const tq = normalised(nq, quality[i]!, false);
    const score = (w.cost * tc + w.quality * tq + w.latency * tl) / total;
    // Spelled out: `{ ...r, cost, ... }` hits a slow V8 path (≈3 µs per object on Node 20).
    const terms: ScoreTerms = {
      costUsd: cost[i]!,
      latencyMs: latency[i]!,
      quality: quality[i]!,
      latencySource: live[i] ? 'live' : 'prior',
      cost: round(tc),
      latency: round(tl),
      qualityTerm: round(tq),
      score: round(score),
    };
    scored.push({ candidate: pool[i]!, terms, i });
  }
  sortByScore(scored);
  return scored; // `i` (catalog position) rides along: callers read candidate and terms
}

/** Above this many candidates the engine's sort (insertion sort is quadratic). */
const INSERTION_LIMIT = 32;

/**
 * Score descending, catalog order on ties: what the comparator
 * `b.score - a.score || a.i - b.i` gives. `scored` is in catalog order, so a
 * stable insertion sort on the score yields that order without a comparator
 * call per comparison. NaN makes the comparator inconsistent (its order is then
 * the engine's sort's), so a NaN score takes the engine's sort as before.
 */
function sortByScore(scored: { terms: ScoreTerms; i: number }[]): void {
  const n = scored.length;
  let nan = false;
  for (let k = 0; k < n; k++) if (Number.isNaN(scored[k]!.terms.score)) nan = true;
  if (nan || n > INSERTION_LIMIT) {
    scored.sort((a, b) => b.terms.score - a.terms.score || a.i - b.i);
    return;
  }
  for (let k = 1; k < n; k++) {
    const x = scored[k]!;
    const s = x.terms.score;
    let j = k - 1;
    while (j >= 0 && scored[j]!.terms.score < s) {
      scored[j + 1] = scored[j]!;
      j--;
    }
    scored[j + 1] = x;
  }
}

/** [min, max] of a term across the candidates. */
function range(xs: readonly number[]): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const x of xs) {
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return [min, max];
}

/** A term on 0..1, 1 best; 1 for everyone when all candidates are equal. */
function normalised([min, max]: [number, number], x: number, lowerIsBetter: boolean): number {
  if (max === min) return 1;
  return lowerIsBetter ? (max - x) / (max - min) : (x - min) / (max - min);
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
