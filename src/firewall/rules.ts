// From compiled policy rules to what the scanner runs: each rule's Matcher
// (built once per rule of a snapshot and cached with it, so a request never
// compiles a pattern), the firewall settings with their defaults, and which
// rules apply to one request — those without a `when`, plus those whose `when`
// holds over the request's routing facts, evaluated by json-rules-engine with
// the same operators and path resolver as routing rules.
import { Engine } from 'json-rules-engine';
import { FIREWALL_DEFAULTS, type CompiledFirewallRule, type PolicySet } from '../policy/types.js';
import type { FirewallDetectorName } from '../policy/vocabulary.js';
import type { RoutingFacts } from '../routing/facts.js';
import { CUSTOM_OPERATORS, plainPathResolver } from '../routing/operators.js';
import { compileConditions, type DirectRule } from '../routing/direct-eval.js';
import { DETECTORS } from './detectors/index.js';
import { LinearRegex } from '../policy/regex/linear.js';
import { holdLast, regexMatcher, type Matcher } from './matcher.js';

export type FirewallScope = 'prompt' | 'response';

export interface ActiveRule {
  readonly rule: CompiledFirewallRule;
  readonly matcher: Matcher;
}

/** The enabled rules one request is screened with, per scope, in evaluation order. */
export interface ActiveRules {
  readonly prompt: readonly ActiveRule[];
  readonly response: readonly ActiveRule[];
}

export type FirewallSettings = Readonly<typeof FIREWALL_DEFAULTS>;

export function firewallSettings(set: PolicySet): FirewallSettings {
  return { ...FIREWALL_DEFAULTS, ...set.settings.firewall };
}

const matchers = new WeakMap<CompiledFirewallRule, Matcher>();

/** The rule's Matcher; built on first use and kept as long as the snapshot holding the rule. */
export function matcherFor(set: PolicySet, rule: CompiledFirewallRule): Matcher {
  let m = matchers.get(rule);
  if (!m) {
    m = buildMatcher(rule, firewallSettings(set).maxMatchChars);
    matchers.set(rule, m);
  }
  return m;
}

function buildMatcher(rule: CompiledFirewallRule, maxMatchChars: number): Matcher {
  const { type, pattern } = rule.spec;
  if (type === 'detector') return DETECTORS[pattern as FirewallDetectorName];
  if (type === 'substring') {
    // A case-insensitive pattern folds case per character, so offsets stay those of the original text.
    return regexMatcher(LinearRegex.literal(pattern), pattern.length, holdLast(pattern.length));
  }
  // Compiled at load on the linear-time engine; the snapshot holds it.
  return regexMatcher(rule.regex!, maxMatchChars, holdLast(maxMatchChars + 1));
}

const unconditional = new WeakMap<PolicySet, { rules: ActiveRules; conditional: readonly CompiledFirewallRule[] }>();

/** The snapshot's rules without a `when`, split by scope, and those with one (built before the set goes live). */
function byCondition(set: PolicySet): { rules: ActiveRules; conditional: readonly CompiledFirewallRule[] } {
  let cached = unconditional.get(set);
  if (!cached) {
    const enabled = set.firewallRules.filter((r) => r.enabled);
    cached = { rules: split(set, enabled.filter((r) => r.spec.when === undefined)), conditional: enabled.filter((r) => r.spec.when !== undefined) };
    unconditional.set(set, cached);
  }
  return cached;
}

/** Builds every rule's matcher and the unconditional split, so no request pays for a first use (snapshot/prepare.ts). */
export function prepareFirewall(set: PolicySet): void {
  for (const rule of set.firewallRules) matcherFor(set, rule);
  byCondition(set);
}

/** The rules that apply to a request with these facts. */
export async function activeRules(set: PolicySet, facts: RoutingFacts): Promise<ActiveRules> {
  const cached = byCondition(set);
  if (cached.conditional.length === 0) return cached.rules;
  const holds = await conditionsHolding(cached.conditional, facts);
  // set.firewallRules is in evaluation order; keep it.
  return split(set, set.firewallRules.filter((r) => r.enabled && (r.spec.when === undefined || holds.has(r.name))));
}

function split(set: PolicySet, rules: readonly CompiledFirewallRule[]): ActiveRules {
  const active = (scope: FirewallScope): ActiveRule[] =>
    rules.filter((r) => r.spec.scope === scope).map((rule) => ({ rule, matcher: matcherFor(set, rule) }));
  return Object.freeze({ prompt: Object.freeze(active('prompt')), response: Object.freeze(active('response')) });
}

/**
 * Names of the rules whose `when` holds. Each `when` is compiled once into a closure with the routing
 * rules' direct evaluation (routing/direct-eval.ts: json-rules-engine's verdicts without an engine run);
 * a condition it does not reproduce, or one that throws, goes to a fresh Engine as before (an Engine is
 * not safe across concurrent runs), so the very same error surfaces.
 */
async function conditionsHolding(rules: readonly CompiledFirewallRule[], facts: RoutingFacts): Promise<Set<string>> {
  const direct = directWhen(rules);
  if (direct) {
    try {
      const holds = new Set<string>();
      for (const [name, when] of direct) if (when(facts)) holds.add(name);
      return holds;
    } catch {
      // the engine's run decides, and throws its own error
    }
  }
  return engineConditionsHolding(rules, facts);
}

/** The conditional rules' `when` closures (cached per snapshot's list), or undefined when one needs the engine. */
const directWhens = new WeakMap<readonly CompiledFirewallRule[], readonly (readonly [string, DirectRule])[] | null>();
function directWhen(rules: readonly CompiledFirewallRule[]): readonly (readonly [string, DirectRule])[] | undefined {
  let cached = directWhens.get(rules);
  if (cached === undefined) {
    const out: (readonly [string, DirectRule])[] = [];
    for (const r of rules) {
      // As the engine is given it: the condition inside an `all` of one.
      const f = compileConditions({ all: [r.spec.when] });
      if (!f) {
        out.length = 0;
        break;
      }
      out.push([r.name, f]);
    }
    cached = out.length === rules.length ? out : null;
    directWhens.set(rules, cached);
  }
  return cached ?? undefined;
}

/** conditionsHolding on a fresh Engine: the reference the direct closures reproduce (and the fallback). */
export async function engineConditionsHolding(rules: readonly CompiledFirewallRule[], facts: RoutingFacts): Promise<Set<string>> {
  const engine = new Engine([], { allowUndefinedFacts: true, pathResolver: plainPathResolver });
  for (const op of CUSTOM_OPERATORS) engine.addOperator(op);
  for (const r of rules) engine.addRule({ name: r.name, conditions: { all: [r.spec.when as any] }, event: { type: 'firewall' } });
  const { results } = await engine.run({ ...facts });
  return new Set(results.map((r) => r.name as string));
}
