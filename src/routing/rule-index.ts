// The rule index: which enabled routing rules could match a request, computed
// in time that barely grows with the number of rules, so json-rules-engine (the
// evaluator) only sees those. Built once per PolicySet from each rule's guard
// (rule-guard.ts) and cached in a WeakMap keyed by the snapshot, so the policy
// plane knows nothing about it and a reload simply builds a new one.
//
// Per request: resolve each indexed accessor once, look its value up in the
// exact-value maps, scan each text-like fact once with one Aho-Corasick
// automaton over every `contains` needle, and evaluate the few distinct
// numeric tests. Every atom that holds marks its clauses; a rule becomes a
// candidate when all of its clauses are marked and its lazy tests (regular
// expressions, negated leaves — too costly or too unselective to run for every
// rule) hold. Rules without a guard are always candidates. The result keeps
// evaluation order.
import type { CompiledRoutingRule, PolicySet } from '../policy/types.js';
import { AhoCorasick } from './aho-corasick.js';
import { lowerCased } from './operators.js';
import { reader, type Reader } from './fact-reader.js';
import { ENGINE_OPERATORS, ruleGuard, type Accessor, type Atom, type Clause, type EngineOperator } from './rule-guard.js';

type TestAtom = Extract<Atom, { kind: 'test' }>;

export interface RuleIndexStats {
  rules: number;
  /** Rules handed to the engine only when their guard holds. */
  indexed: number;
  /** Rules with no eager clause, checked on every request (by their lazy tests, if any). */
  always: number;
  clauses: number;
  needles: number;
  exactValues: number;
  tests: number;
  lazyTests: number;
}

interface ExactGroup {
  read: Reader;
  postings: Map<unknown, number[]>;
}
interface NeedleGroup {
  read: Reader;
  ac: AhoCorasick;
  postings: number[][];
}
interface Test {
  read: Reader;
  op: EngineOperator;
  value: unknown;
  negate: boolean;
  /** Eager tests only: the clauses they mark. */
  postings: number[];
}

export class RuleIndex {
  /** Enabled rules in evaluation order; candidates are positions in this list. */
  readonly rules: readonly CompiledRoutingRule[];
  readonly stats: RuleIndexStats;
  private readonly always: readonly number[];
  private readonly exact: readonly ExactGroup[];
  private readonly needles: readonly NeedleGroup[];
  private readonly tests: readonly Test[];
  private readonly lazyTests: readonly Test[];
  /** Per rule: clauses (each an OR of lazy test ids) checked once its eager clauses hold. */
  private readonly lazy: readonly (readonly (readonly number[])[] | undefined)[];
  private readonly clauseRule: Int32Array;
  private readonly need: Int32Array;
  // Scratch for candidates(): stamped per call instead of cleared. Safe because
  // candidates() is synchronous, so two evaluations never interleave in it.
  private readonly clauseStamp: Uint32Array;
  private readonly ruleStamp: Uint32Array;
  private readonly ruleCount: Int32Array;
  private readonly lazyStamp: Uint32Array;
  private readonly lazyHolds: Uint8Array;
  private stamp = 0;

  /** `guards: false` makes every enabled rule a candidate: plain json-rules-engine over all rules. */
  constructor(rules: readonly CompiledRoutingRule[], opts: { guards?: boolean } = {}) {
    this.rules = rules.filter((r) => r.enabled);
    const always: number[] = [];
    const clauseRule: number[] = [];
    const need: number[] = [];
    const lazy: (number[][] | undefined)[] = [];
    const exact = new Map<string, ExactGroup>();
    const needleIds = new Map<string, { read: Reader; ids: Map<string, number>; postings: number[][] }>();
    const tests = new Map<string, Test>();
    const lazyIds = new Map<string, number>();
    const lazyTests: Test[] = [];
    let uniq = 0;

    this.rules.forEach((rule, pos) => {
      const guard = opts.guards === false ? { unsafe: true, clauses: [] } : ruleGuard(rule.definition.conditions);
      const eager: Clause[] = [];
      const deferred: number[][] = [];
      if (!guard.unsafe) {
        for (const clause of guard.clauses) {
          const lazyAtoms = clause.filter((a) => a.kind === 'test' && a.lazy).length;
          if (lazyAtoms === 0) eager.push(clause);
          // A clause of tests only can be checked late, all of its atoms at once.
          else if (clause.every((a) => a.kind === 'test')) deferred.push(clause.map((a) => lazyId(a as TestAtom)));
          // A lazy test OR'd with an index lookup is dropped: any subset of an AND stays necessary.
        }
      }
      need.push(eager.length);
      lazy.push(deferred.length > 0 ? deferred : undefined);
      if (eager.length === 0) always.push(pos);
      for (const clause of eager) {
        const id = clauseRule.push(pos) - 1;
        for (const atom of clause) postingsFor(atom).push(id);
      }
    });

    function postingsFor(atom: Atom): number[] {
      const key = accessorKey(atom.acc);
      if (atom.kind === 'exact') {
        let g = exact.get(key);
        if (!g) exact.set(key, (g = { read: reader(atom.acc), postings: new Map() }));
        let p = g.postings.get(atom.value);
        if (!p) g.postings.set(atom.value, (p = []));
        return p;
      }
      if (atom.kind === 'needle') {
        let g = needleIds.get(key);
        if (!g) needleIds.set(key, (g = { read: reader(atom.acc), ids: new Map(), postings: [] }));
        let id = g.ids.get(atom.needle);
        if (id === undefined) {
          g.ids.set(atom.needle, (id = g.postings.length));
          g.postings.push([]);
        }
        return g.postings[id]!;
      }
      // Identical tests (same accessor, operator, value and sign) share one evaluation.
      let t = tests.get(testKey(atom));
      if (!t) tests.set(testKey(atom), (t = newTest(atom)));
      return t.postings;
    }
    function lazyId(atom: TestAtom): number {
      const key = testKey(atom);
      let id = lazyIds.get(key);
      if (id === undefined) {
        lazyIds.set(key, (id = lazyTests.length));
        lazyTests.push(newTest(atom));
      }
      return id;
    }
    function testKey(atom: TestAtom): string {
      return `${accessorKey(atom.acc)}\u0000${atom.operator}\u0000${atom.negate}\u0000${primitiveKey(atom.value) ?? `#${uniq++}`}`;
    }

    this.always = always;
    this.lazy = lazy;
    this.exact = [...exact.values()];
    this.needles = [...needleIds.values()].map((g) => ({ read: g.read, ac: new AhoCorasick([...g.ids.keys()]), postings: g.postings }));
    this.tests = [...tests.values()];
    this.lazyTests = lazyTests;
    this.clauseRule = Int32Array.from(clauseRule);
    this.need = Int32Array.from(need);
    this.clauseStamp = new Uint32Array(clauseRule.length);
    this.ruleStamp = new Uint32Array(this.rules.length);
    this.ruleCount = new Int32Array(this.rules.length);
    this.lazyStamp = new Uint32Array(lazyTests.length);
    this.lazyHolds = new Uint8Array(lazyTests.length);
    this.stats = {
      rules: this.rules.length,
      indexed: this.rules.length - always.length,
      always: always.length,
      clauses: clauseRule.length,
      needles: this.needles.reduce((n, g) => n + g.postings.length, 0),
      exactValues: this.exact.reduce((n, g) => n + g.postings.size, 0),
      tests: this.tests.length,
      lazyTests: lazyTests.length,
    };
  }

  /** Positions (in `rules`, ascending = evaluation order) of the rules that could match these facts. */
  candidates(facts: Readonly<Record<string, unknown>>): number[] {
    if (++this.stamp === 0xffffffff) {
      this.clauseStamp.fill(0);
      this.ruleStamp.fill(0);
      this.lazyStamp.fill(0);
      this.stamp = 1;
    }
    const out: number[] = [];
    for (const r of this.always) this.admit(r, facts, out);
    const before = out.length;
    for (const g of this.exact) {
      const p = g.postings.get(g.read(facts));
      if (p) this.mark(p, facts, out);
    }
    for (const g of this.needles) {
      // Exactly what containsText compares against: String(fact).toLowerCase().
      const haystack = lowerCased(String(g.read(facts)));
      g.ac.forEachMatch(haystack, (id) => this.mark(g.postings[id]!, facts, out));
    }
    for (const t of this.tests) if (holds(t, facts)) this.mark(t.postings, facts, out);
    if (out.length > before && out.length > 1) out.sort((a, b) => a - b);
    return out;
  }

  private mark(clauses: readonly number[], facts: Readonly<Record<string, unknown>>, out: number[]): void {
    const stamp = this.stamp;
    for (let i = 0; i < clauses.length; i++) {
      const c = clauses[i]!;
      if (this.clauseStamp[c] === stamp) continue;
      this.clauseStamp[c] = stamp;
      const r = this.clauseRule[c]!;
      if (this.ruleStamp[r] !== stamp) {
        this.ruleStamp[r] = stamp;
        this.ruleCount[r] = 0;
      }
      if (++this.ruleCount[r]! === this.need[r]) this.admit(r, facts, out);
    }
  }

  /** Adds rule `r` unless one of its lazy clauses fails; each lazy test runs at most once per request. */
  private admit(r: number, facts: Readonly<Record<string, unknown>>, out: number[]): void {
    const clauses = this.lazy[r];
    if (clauses !== undefined) {
      for (const clause of clauses) {
        let any = false;
        for (const id of clause) {
          if (this.lazyStamp[id] !== this.stamp) {
            this.lazyStamp[id] = this.stamp;
            this.lazyHolds[id] = holds(this.lazyTests[id]!, facts) ? 1 : 0;
          }
          if (this.lazyHolds[id] === 1) {
            any = true;
            break;
          }
        }
        if (!any) return;
      }
    }
    out.push(r);
  }
}

/** The leaf's verdict, by the engine's own operator; an error counts as "may match" so the engine reports it. */
function holds(t: Test, facts: Readonly<Record<string, unknown>>): boolean {
  try {
    const r = t.op.evaluate(t.read(facts), t.value);
    return t.negate ? !r : Boolean(r);
  } catch {
    return true;
  }
}

function newTest(atom: TestAtom): Test {
  return { read: reader(atom.acc), op: ENGINE_OPERATORS.get(atom.operator)!, value: atom.value, negate: atom.negate, postings: [] };
}

const cache = new WeakMap<PolicySet, RuleIndex>();

/** The index of a snapshot, built on first use. */
export function ruleIndexFor(set: PolicySet): RuleIndex {
  let index = cache.get(set);
  if (!index) cache.set(set, (index = new RuleIndex(set.routingRules)));
  return index;
}

/**
 * A copy of `set` whose rules are all handed to the engine on every request,
 * through the same evaluation code: the baseline bench/ measures the index
 * against. Never used on the serving path.
 */
export function unindexed(set: PolicySet): PolicySet {
  const copy = Object.freeze({ ...set });
  cache.set(copy, new RuleIndex(set.routingRules, { guards: false }));
  return copy;
}

function accessorKey(acc: Accessor): string {
  return JSON.stringify([acc.fact, acc.path ?? null, acc.entry ?? null]);
}

/** A key that tells primitives apart exactly (NaN, Infinity, '1' vs 1); objects get none (no sharing). */
function primitiveKey(v: unknown): string | undefined {
  if (v === null || v === undefined || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') {
    return `${typeof v}:${String(v)}`;
  }
  return undefined;
}
