// The balancer: orders the deployments inside each model group (routing/
// deployments.ts) when a request is dispatched. The groups keep the mode's
// order; inside a group the strategy's pick goes first and the other
// deployments follow as failover, before the next model's group.
//   weighted    smooth weighted round robin (nginx's): over any N requests each
//               deployment's share is within one request of its weight's share,
//               whatever the latency. Deterministic, so tests can hold it to it.
//   least_busy  fewest attempts in flight on this replica (counted where
//               attempts start and end: attempt-loop.ts holdingSlot)
//   latency     lowest live TTFT (state/latency-stats.ts); a deployment not yet
//               measured goes first, so each gets measured
// Ties in least_busy and latency fall back to the weighted order, so idle or
// equally fast deployments still share by weight.
// Only deployments whose breaker admits traffic take part in the pick: an
// ejected one keeps its place at the back of its group (still a failover of
// last resort), and its share moves to the others. State is per replica.
import type { BalancingStrategy } from '../policy/types.js';
import type { Candidate } from '../routing/select.js';
import { deploymentKey } from '../policy/deployment-key.js';
import { deploymentWeight, groupDeployments } from '../routing/deployments.js';

/** The deployment's key (policy/deployment-key.ts), re-exported for the balancer's callers. */
export { deploymentKey };

export interface BalanceOptions {
  /** Whether the deployment may be picked (its breaker is not open). */
  eligible: (c: Candidate) => boolean;
  /** Live TTFT in ms, undefined while unmeasured (latency strategy). */
  ttftMs?: (c: Candidate) => number | undefined;
}

export class Balancer {
  /** Smooth WRR "current weight" per deployment key. */
  readonly #current = new Map<string, number>();
  readonly #inFlight = new Map<string, number>();

  /** The candidates with each group's deployments ordered by the strategy; groups of one pass through untouched. */
  order<T extends Candidate & { via?: string }>(candidates: readonly T[], strategy: BalancingStrategy, opts: BalanceOptions): T[] {
    const out: T[] = [];
    for (const g of groupDeployments(candidates)) {
      if (g.members.length < 2) out.push(...g.members);
      else out.push(...this.#orderGroup(g.members, strategy, opts));
    }
    return out;
  }

  /** In-flight attempts on `c` on this replica (least_busy; also for tests). */
  inFlight(c: Candidate): number {
    return this.#inFlight.get(deploymentKey(c)) ?? 0;
  }

  /** An attempt on `c` starts; the returned function (idempotent) ends it. */
  begin(c: Candidate): () => void {
    const key = deploymentKey(c);
    this.#inFlight.set(key, (this.#inFlight.get(key) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const n = (this.#inFlight.get(key) ?? 1) - 1;
      if (n <= 0) this.#inFlight.delete(key);
      else this.#inFlight.set(key, n);
    };
  }

  #orderGroup<T extends Candidate>(members: T[], strategy: BalancingStrategy, opts: BalanceOptions): T[] {
    const eligible = members.filter((c) => opts.eligible(c));
    const ejected = members.filter((c) => !opts.eligible(c));
    if (eligible.length === 0) return members; // all ejected: the attempt loop's panic rule decides
    const weighted = this.#weighted(eligible, ejected);
    let ranked = weighted;
    if (strategy === 'least_busy') ranked = stableSortBy(weighted, (c) => this.inFlight(c));
    else if (strategy === 'latency') ranked = stableSortBy(weighted, (c) => opts.ttftMs?.(c) ?? -1); // unmeasured first
    return [...ranked, ...ejected];
  }

  /** One smooth-WRR pick among `eligible`, then the rest by weight (heaviest first). */
  #weighted<T extends Candidate>(eligible: T[], ejected: T[]): T[] {
    // An ejected deployment forgets its credit, so it does not burst when it comes back.
    for (const c of ejected) this.#current.delete(deploymentKey(c));
    let total = 0;
    let best: T | undefined;
    let bestCurrent = -Infinity;
    for (const c of eligible) {
      const w = deploymentWeight(c);
      total += w;
      const key = deploymentKey(c);
      const cur = (this.#current.get(key) ?? 0) + w;
      this.#current.set(key, cur);
      if (cur > bestCurrent) {
        bestCurrent = cur;
        best = c;
      }
    }
    this.#current.set(deploymentKey(best!), bestCurrent - total);
    const rest = stableSortBy(
      eligible.filter((c) => c !== best),
      (c) => -deploymentWeight(c),
    );
    return [best!, ...rest];
  }
}

function stableSortBy<T>(items: readonly T[], by: (t: T) => number): T[] {
  return items
    .map((t, i) => ({ t, i, k: by(t) }))
    .sort((a, b) => a.k - b.k || a.i - b.i)
    .map((x) => x.t);
}
