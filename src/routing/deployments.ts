// Deployments: Models entries of one `name` on several providers serve the same
// model. The mode's score ranks *models*, so the deployments of one name form a
// single candidate group, placed where its best-scored deployment ranks; which
// deployment of the group goes first is the balancer's choice at dispatch time
// (src/upstream/balancer.ts), not the score's — otherwise two providers serving
// one model at equal prices would send every request to whichever sorts first.
import type { Candidate } from './select.js';

export interface DeploymentGroup<T extends Candidate = Candidate> {
  /** The catalog name the deployments share. */
  model: string;
  members: T[];
}

/**
 * The candidates as consecutive groups, in order of each group's first member.
 * Only score-ordered candidates group: a rule's fallback chain names one
 * deployment on purpose (via 'fallback'), and stays a group of its own.
 */
export function groupDeployments<T extends Candidate & { via?: string }>(ordered: readonly T[]): DeploymentGroup<T>[] {
  const groups: DeploymentGroup<T>[] = [];
  const byName = new Map<string, DeploymentGroup<T>>();
  for (const c of ordered) {
    const groupable = c.via !== 'fallback';
    const existing = groupable ? byName.get(c.model.name) : undefined;
    if (existing) {
      existing.members.push(c);
      continue;
    }
    const g = { model: c.model.name, members: [c] };
    groups.push(g);
    if (groupable) byName.set(c.model.name, g);
  }
  return groups;
}

/** The candidates with each model's deployments made adjacent (the order explain shows and dispatch starts from). */
export function adjacentDeployments<T extends Candidate & { via?: string }>(ordered: readonly T[]): T[] {
  // Runs on every request, and most catalogs list each model once: then the order stands as it is.
  if (!hasRepeatedName(ordered)) return ordered.slice();
  const out: T[] = [];
  for (const g of groupDeployments(ordered)) for (const m of g.members) out.push(m);
  return out;
}

/** Linear scan below this many candidates (no Set to allocate); a Set above (no quadratic cost). */
const SCAN_LIMIT = 24;

/** Whether two groupable (score-ordered) candidates share a model name. */
function hasRepeatedName(ordered: readonly (Candidate & { via?: string })[]): boolean {
  const n = ordered.length;
  if (n > SCAN_LIMIT) {
    const seen = new Set<string>();
    for (const c of ordered) {
      if (c.via === 'fallback') continue;
      if (seen.has(c.model.name)) return true;
      seen.add(c.model.name);
    }
    return false;
  }
  for (let i = 1; i < n; i++) {
    const c = ordered[i]!;
    if (c.via === 'fallback') continue;
    for (let j = 0; j < i; j++) if (ordered[j]!.via !== 'fallback' && ordered[j]!.model.name === c.model.name) return true;
  }
  return false;
}

/** A deployment's weight under `balancing: weighted` (Models `weight`, default 1). */
export function deploymentWeight(c: Candidate): number {
  const w = c.model.weight;
  return w !== undefined && w > 0 ? w : 1;
}
