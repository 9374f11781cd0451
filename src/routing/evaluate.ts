// Evaluates a PolicySet's routing rules against one request's facts with
// json-rules-engine. A shared Engine is not safe under concurrent run() calls
// (a slow run can silently skip rules), so each evaluation builds a fresh
// Engine from the frozen rule definitions in the snapshot. The engine returns
// results of one priority in completion order; we sort explicitly (priority
// desc, then declared order) so every decision is deterministic.
import { Engine, type RuleResult } from 'json-rules-engine';
import type { CompiledRoutingRule, PolicySet } from '../policy/types.js';
import type { RoutingFacts } from './facts.js';
import { CUSTOM_OPERATORS, plainPathResolver } from './operators.js';

export interface RuleTrace {
  name: string;
  priority: number;
  matched: boolean;
  /** json-rules-engine's condition tree with each leaf's factResult and result. */
  conditions: unknown;
}

export interface Evaluation {
  /** Matched rules in evaluation order. */
  matched: readonly CompiledRoutingRule[];
  trace: readonly RuleTrace[];
}

export async function evaluateRules(set: PolicySet, facts: RoutingFacts): Promise<Evaluation> {
  const enabled = set.routingRules.filter((r) => r.enabled);
  if (enabled.length === 0) return { matched: [], trace: [] };
  const engine = new Engine([], { allowUndefinedFacts: true, pathResolver: plainPathResolver });
  for (const op of CUSTOM_OPERATORS) engine.addOperator(op);
  for (const rule of enabled) {
    engine.addRule({ ...rule.definition, conditions: rule.definition.conditions as any, event: rule.definition.event as any });
  }
  const { results, failureResults } = await engine.run({ ...facts });
  const byName = new Map(enabled.map((r) => [r.name, r]));
  const order = (r: RuleResult): number => byName.get(r.name as string)?.order ?? 0;
  const matchedNames = new Set(results.map((r) => r.name as string));
  const matched = enabled.filter((r) => matchedNames.has(r.name)); // `enabled` is already in evaluation order
  const trace = [...results, ...failureResults]
    .sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0) || order(a) - order(b))
    .map((r) => ({
      name: r.name as string,
      priority: byName.get(r.name as string)?.priority ?? 0,
      matched: r.result,
      conditions: (r.toJSON(false) as { conditions: unknown }).conditions,
    }));
  return { matched, trace };
}
