// LiveStats: the numbers the console's overview and live stream show. Rates
// and latency percentiles come from the decision ring (the requests this
// replica finished lately); spend and requests today from the usage ledger
// (every replica's, when the ledger is shared).
import type { SharedState } from '../state/backend.js';
import { fromNano } from '../state/budgets.js';
import type { DecisionRecord, DecisionRing } from './decision-ring.js';

export interface LiveStats {
  at: string;
  rps: number;
  errorRate: number;
  p50Ms: number | null;
  p99Ms: number | null;
  inFlight: number;
  spendTodayUsd: number;
  requestsToday: number;
}

const RATE_WINDOW_MS = 10_000;
const ERROR_WINDOW_MS = 60_000;

/** Rates and percentiles over the ring's records finished in the last 10 s / 60 s. */
export function ringStats(records: readonly DecisionRecord[], now: number): Pick<LiveStats, 'rps' | 'errorRate' | 'p50Ms' | 'p99Ms'> {
  let recent = 0;
  let errors = 0;
  const latencies: number[] = [];
  for (const r of records) {
    const ended = r.startedAt + r.latencyMs;
    if (ended < now - ERROR_WINDOW_MS) continue;
    latencies.push(r.latencyMs);
    if (r.outcome !== 'success') errors++;
    if (ended >= now - RATE_WINDOW_MS) recent++;
  }
  latencies.sort((a, b) => a - b);
  return {
    rps: Math.round((recent / (RATE_WINDOW_MS / 1000)) * 100) / 100,
    errorRate: latencies.length ? Math.round((errors / latencies.length) * 1e4) / 1e4 : 0,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
  };
}

/** Nearest-rank percentile of sorted values; null when there are none. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

export async function liveStats(ring: DecisionRing, state: SharedState, inFlight: number, now = Date.now()): Promise<LiveStats> {
  const today = new Date(now).toISOString().slice(0, 10);
  let costNano = 0;
  let requests = 0;
  try {
    for (const row of await state.queryUsage({ from: today, to: today })) {
      costNano += row.costNano;
      requests += row.requests;
    }
  } catch {
    // A shared ledger that is down: the live numbers still show; spend reads 0 until it is back.
  }
  return { at: new Date(now).toISOString(), ...ringStats(ring.newestFirst(), now), inFlight: Math.max(0, inFlight), spendTodayUsd: fromNano(costNano), requestsToday: requests };
}
