// Completes a rule trace for explanations. The serving evaluator may hand the
// engine only the rules that can match (a rule index); the rules it skipped
// carry no condition results. An explanation shows every rule's leaves with
// their fact values, so the skipped ones are run here, through json-rules-engine
// on their own, with the same facts. Serving never pays for this. A skipped
// rule whose conditions turn out to hold is reported: it would mean the index
// dropped a rule that should have matched.
import { Engine, type RuleResult } from 'json-rules-engine';
import type { CompiledRoutingRule } from '../policy/types.js';
import type { RuleTrace } from '../routing/evaluate.js';
import type { RoutingFacts } from '../routing/facts.js';
import { CUSTOM_OPERATORS, plainPathResolver } from '../routing/operators.js';

export interface CompletedTrace {
  name: string;
  matched: boolean;
  conditions: unknown;
  note?: string;
}

/** One entry per rule of `enabled` (evaluation order), every one with evaluated conditions. */
export async function completeTrace(enabled: readonly CompiledRoutingRule[], trace: readonly RuleTrace[], facts: RoutingFacts): Promise<CompletedTrace[]> {
  const byName = new Map(trace.map((t) => [t.name, t]));
  const missing = enabled.filter((r) => !hasTree(byName.get(r.name)?.conditions));
  const extra = new Map<string, RuleResult>();
  if (missing.length > 0) {
    const engine = new Engine([], { allowUndefinedFacts: true, pathResolver: plainPathResolver });
    for (const op of CUSTOM_OPERATORS) engine.addOperator(op);
    for (const r of missing) engine.addRule({ ...r.definition, conditions: r.definition.conditions as any, event: r.definition.event as any });
    const { results, failureResults } = await engine.run({ ...facts });
    for (const r of [...results, ...failureResults]) extra.set(r.name as string, r);
  }
  return enabled.map((rule) => {
    const t = byName.get(rule.name);
    if (t && hasTree(t.conditions)) return { name: rule.name, matched: t.matched, conditions: t.conditions };
    const r = extra.get(rule.name);
    const conditions = r ? (r.toJSON(false) as { conditions: unknown }).conditions : rule.definition.conditions;
    const holds = r?.result === true;
    return {
      name: rule.name,
      // What serving decided: a rule the evaluator skipped did not match.
      matched: t?.matched ?? false,
      conditions,
      note: holds
        ? 'INCONSISTENT: skipped by the rule index, yet its conditions hold for these facts'
        : 'skipped by the rule index (cannot match); evaluated here for the explanation',
    };
  });
}

/** A json-rules-engine condition tree (the root is always all/any/not), not a placeholder. */
function hasTree(c: unknown): boolean {
  return typeof c === 'object' && c !== null && ('all' in c || 'any' in c || 'not' in c);
}
