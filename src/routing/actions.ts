// Combines the actions of matched rules, walked in evaluation order: each
// action kind is set by the first rule that sets it (a higher rule's
// set_provider cannot be overridden by a lower one), non-conflicting actions
// from several rules combine, and warnings accumulate.
import type { CompiledRoutingRule, RoutingMode } from '../policy/types.js';

export interface CombinedActions {
  provider?: { value: string; rule: string };
  model?: { value: string; rule: string };
  mode?: { value: RoutingMode; rule: string };
  fallback?: { value: readonly string[]; rule: string };
  /** The response cache for this request (stages/cache.ts): first matching rule that says. */
  cache?: { value: { ttlSeconds: number } | false; rule: string };
  warnings: { message: string; rule: string }[];
  rules: string[];
}

export function combineActions(matched: readonly CompiledRoutingRule[]): CombinedActions {
  const out: CombinedActions = { warnings: [], rules: [] };
  for (const rule of matched) {
    const a = rule.spec.action;
    out.rules.push(rule.name);
    if (a.set_provider !== undefined && !out.provider) out.provider = { value: a.set_provider, rule: rule.name };
    if (a.set_model !== undefined && !out.model) out.model = { value: a.set_model, rule: rule.name };
    if (a.set_mode !== undefined && !out.mode) out.mode = { value: a.set_mode, rule: rule.name };
    if (a.fallback !== undefined && !out.fallback) out.fallback = { value: a.fallback, rule: rule.name };
    if (a.cache !== undefined && !out.cache) out.cache = { value: a.cache, rule: rule.name };
    if (a.add_warning) out.warnings.push({ message: a.add_warning.message, rule: rule.name });
  }
  return out;
}
