// Static checks that find policies which load but do not do what their author
// meant. They are warnings, not errors: the set is valid and serves, and a
// reload must not be rejected over them. `tokenrouter validate` prints them
// with a `warning:` prefix and keeps its exit code.
//   shadowed rule   — a higher-evaluated enabled rule matches every request this
//                     rule matches and already sets every action kind it sets, so
//                     (first writer wins) it never changes a decision.
//   capabilities    — a rule that forces a provider/model for requests with tools
//                     or images where no such model has the capability (those
//                     requests get 422 no_candidates); and capability pairs
//                     (tools+vision, tools+json_schema, vision+json_schema) no
//                     enabled model offers at all.
//   prompt caching  — promptCaching: auto on a model whose provider is not of type
//                     anthropic, where it has no effect (docs/clients/prompt-caching.md).
import { servedWire } from '../vertex-publisher.js';
import { isDeepStrictEqual } from 'node:util';
import type { Assembled, Located } from '../assemble.js';
import { ruleDefinition } from '../rule-definitions.js';
import type { Capability, ModelSpec, PolicyProblem, RoutingActionSpec, RoutingRuleSpec } from '../types.js';

/** Action kinds where the first matching rule wins; add_warning accumulates, so it is never shadowed. */
const EXCLUSIVE_ACTIONS = ['set_provider', 'set_model', 'set_mode', 'fallback'] as const;

export const CAPABILITY_PAIRS: readonly (readonly [Capability, Capability])[] = [
  ['tools', 'vision'],
  ['tools', 'json_schema'],
  ['vision', 'json_schema'],
];

export function staticWarnings(a: Assembled): PolicyProblem[] {
  const out: PolicyProblem[] = [];
  const report = (at: Located<unknown>, sub: string, message: string): void => {
    const pointer = at.pointer + sub;
    const { line, col } = at.doc.locate(pointer);
    out.push({ file: at.doc.file, line, col, pointer, message });
  };
  shadowedRules(a, report);
  capabilityGaps(a, report);
  promptCachingWithoutEffect(a, report);
  return out;
}

type Report = (at: Located<unknown>, sub: string, message: string) => void;

function shadowedRules(a: Assembled, report: Report): void {
  // Evaluation order: priority descending, ties in declared order (as compile.ts sorts them).
  const rules = a.routingRules.filter((r) => r.item.enabled !== false).sort((x, y) => (y.item.priority ?? 0) - (x.item.priority ?? 0) || x.order - y.order);
  const leaves = new Map(rules.map((r) => [r, conjuncts(ruleDefinition(r.item).conditions)]));
  rules.forEach((rule, i) => {
    const kinds = actionKinds(rule.item.action);
    if (kinds.length === 0 || rule.item.action?.add_warning !== undefined) return;
    const shadow = rules.slice(0, i).find((higher) => {
      const hk = actionKinds(higher.item.action);
      return kinds.every((k) => hk.includes(k)) && leaves.get(higher)!.every((cond) => leaves.get(rule)!.some((own) => implies(own, cond)));
    });
    if (!shadow) return;
    const where = `${shadow.doc.file}:${shadow.doc.locate(shadow.pointer).line}`;
    report(rule, '/name', `rule "${rule.item.name}" is shadowed by "${shadow.item.name}" (${where}): that rule is evaluated first, matches every request this one matches and already sets ${kinds.join(', ')}, so this rule never changes a decision`);
  });
}

function actionKinds(action: RoutingActionSpec | undefined): string[] {
  return EXCLUSIVE_ACTIONS.filter((k) => action?.[k] !== undefined);
}

/** A condition as the list of conditions that must all hold (nested `all`s flattened). */
function conjuncts(c: unknown): unknown[] {
  if (isObject(c) && Array.isArray(c.all)) return c.all.flatMap(conjuncts);
  return [c];
}

/**
 * Whether condition `b` holding guarantees `a` holds. Deliberately
 * syntactic and incomplete: a missed implication only loses a warning, a
 * wrong one would be a false alarm.
 */
function implies(b: unknown, a: unknown): boolean {
  if (isDeepStrictEqual(a, b)) return true;
  if (isObject(a) && Array.isArray(a.any)) return a.any.some((alt) => implies(b, alt));
  if (isObject(a) && isObject(b) && a.fact === 'text' && b.fact === 'text' && a.operator === 'containsText' && b.operator === 'containsText') {
    // Text containing one of b's needles contains one of a's when each b needle has an a needle inside it.
    const an = needles(a.value);
    return needles(b.value).every((bn) => an.some((x) => bn.includes(x)));
  }
  return false;
}

function needles(v: unknown): string[] {
  return (Array.isArray(v) ? v : [v]).map((s) => String(s).toLowerCase());
}

function capabilityGaps(a: Assembled, report: Report): void {
  const enabledProviders = new Set(a.providers.filter((p) => p.item.enabled !== false).map((p) => p.item.name));
  const models = a.models.filter((m) => m.item.enabled !== false && enabledProviders.has(m.item.provider)).map((m) => m.item);
  for (const r of a.routingRules) {
    if (r.item.enabled === false) continue;
    const needs = requiredCapabilities(r.item);
    const act = r.item.action ?? {};
    if (needs.length === 0 || (act.set_provider === undefined && act.set_model === undefined)) continue;
    const pool = models.filter((m) => (act.set_provider === undefined || m.provider === act.set_provider) && (act.set_model === undefined || named(m, act.set_model)));
    if (pool.some((m) => needs.every((c) => m.capabilities.includes(c)))) continue;
    const target = [act.set_provider, act.set_model].filter((x) => x !== undefined).join('/');
    report(r, act.set_provider !== undefined ? '/action/set_provider' : '/action/set_model', `rule "${r.item.name}" routes requests with ${needs.map((c) => (c === 'vision' ? 'images' : c)).join(' and ')} to ${target}, but no enabled model there has the ${needs.join(' + ')} capability: those requests fail with no_candidates`);
  }
  const firstModels = a.models[0];
  if (!firstModels || models.length === 0) return;
  for (const [x, y] of CAPABILITY_PAIRS) {
    if (models.some((m) => m.capabilities.includes(x) && m.capabilities.includes(y))) continue;
    const at = { ...firstModels, pointer: '/spec/models' };
    report(at, '', `no enabled model has both ${x} and ${y}: a request needing both fails with no_candidates`);
  }
}

function promptCachingWithoutEffect(a: Assembled, report: Report): void {
  const typeOf = new Map(a.providers.map((p) => [p.item.name, p.item.type]));
  for (const m of a.models) {
    const type = typeOf.get(m.item.provider);
    if (m.item.promptCaching !== 'auto' || type === undefined || servedWire({ type }, m.item) === 'anthropic') continue;
    report(m, '/promptCaching', `model "${m.item.provider}/${m.item.name}": promptCaching auto only adds Anthropic cache breakpoints; provider "${m.item.provider}" is of type ${type}, which caches without them, so it has no effect`);
  }
}

/** Capabilities every request the rule matches needs: from has_tools / has_images conditions that must hold. */
function requiredCapabilities(rule: RoutingRuleSpec): Capability[] {
  const out: Capability[] = [];
  for (const c of conjuncts(ruleDefinition(rule).conditions)) {
    if (!isObject(c) || c.operator !== 'equal' || c.value !== true) continue;
    if (c.fact === 'has_tools') out.push('tools');
    if (c.fact === 'has_images') out.push('vision');
  }
  return out;
}

function named(m: ModelSpec, name: string): boolean {
  return m.name === name || (m.aliases ?? []).includes(name);
}

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
