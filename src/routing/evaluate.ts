// Evaluates a PolicySet's routing rules against one request's facts with
// json-rules-engine. The engine runs every rule it holds through promises
// (microseconds per condition), so the rule index (rule-index.ts) first picks
// the rules whose necessary guard holds and only those are added to the
// engine; the result is the same as running all of them (a differential test
// proves it), at a cost that barely grows with the number of rules. Without a
// trace (the serving path) the picked rules are not run through the engine at
// all but evaluated directly (direct-eval.ts), to the same verdicts; the engine
// remains for traces and for trees only it may evaluate.
// A shared Engine is not safe under concurrent run() calls (a slow run can
// silently skip rules), so each evaluation takes an engine no other run holds
// (built from the frozen rule definitions in the snapshot, then pooled).
// The engine returns results of one priority in completion order; we report them in the snapshot's evaluation
// order (priority desc, then declared order) so every decision is deterministic.
import { Engine, Fact, type RuleResult } from 'json-rules-engine';
import type { CompiledRoutingRule, PolicySet } from '../policy/types.js';
import type { RoutingFacts } from './facts.js';
import { CUSTOM_OPERATORS, plainPathResolver } from './operators.js';
import { ruleIndexFor } from './rule-index.js';
import { compileConditions, type DirectRule } from './direct-eval.js';

export interface RuleTrace {
  name: string;
  priority: number;
  matched: boolean;
  /**
   * json-rules-engine's condition tree with each leaf's factResult and result,
   * or `{ skipped_by_index: true }` when the rule index proved it cannot match
   * (its conditions were then not evaluated).
   */
  conditions: unknown;
}

export interface Evaluation {
  /** Matched rules in evaluation order. */
  matched: readonly CompiledRoutingRule[];
  /** One entry per enabled rule, in evaluation order; empty when `trace: false`. */
  trace: readonly RuleTrace[];
}

export interface EvaluateOptions {
  /** Build the per-rule trace (explain, policy tests). Default true; the serving path turns it off. */
  trace?: boolean;
}

export const SKIPPED_BY_INDEX = Object.freeze({ skipped_by_index: true });

export async function evaluateRules(set: PolicySet, facts: RoutingFacts, opts: EvaluateOptions = {}): Promise<Evaluation> {
  const index = ruleIndexFor(set);
  const rules = index.rules;
  if (rules.length === 0) return { matched: [], trace: [] };
  const picked = index.candidates(facts);
  if (opts.trace === false && picked.length > 0) {
    // No trace wanted: the verdicts alone, without an engine run (direct-eval.ts), when every picked rule allows it.
    const matched = directMatches(set, rules, picked, facts);
    if (matched !== undefined) return { matched, trace: [] };
  }
  let results: RuleResult[] = [];
  let failures: RuleResult[] = [];
  if (picked.length > 0) {
    const pool = enginePool(set);
    const key = picked.join(',');
    const engine = pool.take(key) ?? buildEngine(rules, picked);
    ({ results, failureResults: failures } = await engine.run(constantFacts(facts, pool.factIds(key, rules, picked))));
    pool.give(key, engine); // not after a throw: that engine's state is unknown

  }
  const matchedNames = new Set(results.map((r) => r.name as string));
  const matched: CompiledRoutingRule[] = [];
  for (const i of picked) if (matchedNames.has(rules[i]!.name)) matched.push(rules[i]!);
  if (opts.trace === false) return { matched, trace: [] };

  const evaluated = new Map<string, RuleResult>();
  for (const r of results) evaluated.set(r.name as string, r);
  for (const r of failures) evaluated.set(r.name as string, r);
  const trace = rules.map((rule): RuleTrace => {
    const r = evaluated.get(rule.name);
    return {
      name: rule.name,
      priority: rule.priority,
      matched: r ? Boolean(r.result) : false,
      conditions: r ? (r.toJSON(false) as { conditions: unknown }).conditions : SKIPPED_BY_INDEX,
    };
  });
  return { matched, trace };
}

const NOT_DIRECT = null;
const directRules = new WeakMap<PolicySet, (DirectRule | null | undefined)[]>();

/**
 * The picked rules that match, by direct evaluation; undefined when a picked
 * rule has a tree only the engine evaluates, or a condition threw (the engine
 * run then reproduces the error). Matched by name, as the engine path does.
 */
function directMatches(set: PolicySet, rules: readonly CompiledRoutingRule[], picked: readonly number[], facts: RoutingFacts): CompiledRoutingRule[] | undefined {
  const compiled = directRulesOf(set, rules.length);
  let passed: string[] | undefined;
  try {
    for (const i of picked) {
      let fn = compiled[i];
      if (fn === undefined) compiled[i] = fn = compileConditions(rules[i]!.definition.conditions) ?? NOT_DIRECT;
      if (fn === NOT_DIRECT) return undefined;
      if (fn(facts)) (passed ??= []).push(rules[i]!.name);
    }
  } catch {
    return undefined;
  }
  const matched: CompiledRoutingRule[] = [];
  if (passed === undefined) return matched;
  for (const i of picked) if (passed.includes(rules[i]!.name)) matched.push(rules[i]!);
  return matched;
}

function directRulesOf(set: PolicySet, count: number): (DirectRule | null | undefined)[] {
  let compiled = directRules.get(set);
  if (!compiled) directRules.set(set, (compiled = new Array<DirectRule | null | undefined>(count)));
  return compiled;
}

/** Every enabled rule's direct closure, compiled before the set goes live (with its engine pool), so no request pays for it. */
function compileDirectRules(set: PolicySet): void {
  const rules = ruleIndexFor(set).rules;
  const compiled = directRulesOf(set, rules.length);
  for (let i = 0; i < rules.length; i++) compiled[i] ??= compileConditions(rules[i]!.definition.conditions) ?? NOT_DIRECT;
}

function buildEngine(rules: readonly CompiledRoutingRule[], picked: readonly number[]): Engine {
  const engine = new Engine([], { allowUndefinedFacts: true, pathResolver: plainPathResolver });
  for (const op of CUSTOM_OPERATORS) engine.addOperator(op);
  for (const i of picked) {
    const def = rules[i]!.definition;
    // One priority for all: the engine's priority only sequences its batches
    // (there are no event handlers that could stop a run), and the order we
    // report is our own. One batch saves a promise round per distinct priority.
    engine.addRule({ ...def, priority: 1, conditions: def.conditions as any, event: def.event as any });
  }
  return engine;
}

/**
 * Idle engines per picked rule set, per snapshot. Building an Engine (its
 * operator and decorator maps, each rule's condition tree) cost more than
 * running it; an engine is reused only by one run at a time — taken out for
 * the run, given back after — so the concurrent-run hazard above cannot
 * arise. Bounded: at most MAX_KEYS rule sets (the oldest set's engines are
 * dropped) and MAX_IDLE idle engines each.
 */
class EnginePool {
  static readonly MAX_KEYS = 256;
  static readonly MAX_IDLE = 32;
  readonly #idle = new Map<string, Engine[]>();
  readonly #facts = new Map<string, readonly string[]>();

  /** The facts the picked rules read: only those are handed to a run (the others would be built for nothing). */
  factIds(key: string, rules: readonly CompiledRoutingRule[], picked: readonly number[]): readonly string[] {
    let ids = this.#facts.get(key);
    if (!ids) {
      const found = new Set<string>();
      for (const i of picked) collectFacts(rules[i]!.definition.conditions, found);
      if (this.#facts.size >= EnginePool.MAX_KEYS) this.#facts.delete(this.#facts.keys().next().value!);
      this.#facts.set(key, (ids = [...found]));
    }
    return ids;
  }

  take(key: string): Engine | undefined {
    return this.#idle.get(key)?.pop();
  }

  give(key: string, engine: Engine): void {
    let list = this.#idle.get(key);
    if (!list) {
      if (this.#idle.size >= EnginePool.MAX_KEYS) this.#idle.delete(this.#idle.keys().next().value!);
      list = [];
      this.#idle.set(key, list);
    }
    if (list.length < EnginePool.MAX_IDLE) list.push(engine);
  }
}

const pools = new WeakMap<PolicySet, EnginePool>();
/** The snapshot's engine pool and direct rule closures (built before the set goes live: snapshot/prepare.ts). */
export function enginePool(set: PolicySet): EnginePool {
  let pool = pools.get(set);
  if (!pool) {
    pools.set(set, (pool = new EnginePool()));
    compileDirectRules(set);
  }
  return pool;
}

const NO_CACHE = Object.freeze({ cache: false });

/**
 * The facts as constant Fact objects with caching off. Given plain values the
 * engine wraps each in a cached Fact and hashes a cache key for it (hash-it) on
 * every run — a cache only dynamic facts use: constant values are read
 * directly either way, so this changes nothing but the cost.
 */
function constantFacts(facts: RoutingFacts, ids: readonly string[]): Record<string, Fact> {
  const out: Record<string, Fact> = {};
  for (const id of ids) if (Object.hasOwn(facts, id)) out[id] = new Fact(id, facts[id as keyof RoutingFacts], NO_CACHE);
  return out;
}

/**
 * Every fact a condition tree names: leaves' `fact`, and a `value` that reads
 * another fact ({ fact, path }), at any depth of all/any/not.
 */
function collectFacts(node: unknown, out: Set<string>): void {
  if (Array.isArray(node)) {
    for (const x of node) collectFacts(x, out);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  if (typeof o.fact === 'string') out.add(o.fact);
  for (const k in o) if (k !== 'fact' && typeof o[k] === 'object') collectFacts(o[k], out);
}
