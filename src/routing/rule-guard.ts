// Derives a rule's necessary guard from its json-rules-engine conditions: a
// cheap test that is TRUE for every request the rule could match, so a rule
// whose guard is false can be left out of the engine run without changing the
// result. A guard is an AND of clauses, each an OR of atoms:
//   exact  — the fact (at a path or metadata entry) === a value  (hash lookup)
//   needle — the lower-cased fact contains a string              (Aho-Corasick)
//   test   — the leaf's own operator holds, or fails for a negated leaf
//            (`not: {leaf}`), evaluated with the engine's own Operator
//            objects; `lazy` tests (regular expressions, negations) are only
//            run for rules whose other clauses already hold
// Mirroring the engine exactly (json-rules-engine 7.3, see almanac.js,
// condition.js, rule.js): `any` is checked before `all` before `not`; empty
// `all` and `any` are TRUE; a path is applied only to object fact values; a
// value `{fact: ...}` refers to another fact; `not` negates its child's
// result. Anything not understood is unguarded (TRUE), and so is a `not` over
// all/any (a child's guard says nothing about its negation). A rule whose evaluation could throw (unknown
// operator, malformed tree, a value the operator cannot take) is marked
// `unsafe` and always handed to the engine, so errors surface exactly as before.
import { Engine } from 'json-rules-engine';
import { CUSTOM_OPERATORS } from './operators.js';

/** Where an atom reads its value: a fact, optionally through a path or one own entry (hasEntry). */
export interface Accessor {
  readonly fact: string;
  readonly path?: string;
  readonly entry?: string;
}

export type Atom =
  | { readonly kind: 'exact'; readonly acc: Accessor; readonly value: unknown }
  | { readonly kind: 'needle'; readonly acc: Accessor; readonly needle: string }
  | { readonly kind: 'test'; readonly acc: Accessor; readonly operator: string; readonly value: unknown; readonly negate: boolean; readonly lazy: boolean };

/** OR of atoms; an empty clause can never hold (e.g. `containsText: []`). */
export type Clause = readonly Atom[];

export interface Guard {
  /** AND of clauses; empty = no guard (always a candidate). */
  clauses: readonly Clause[];
  unsafe: boolean;
}

/** The engine's Operator objects expose evaluate() at runtime; the typings omit it. */
export interface EngineOperator {
  evaluate(factValue: unknown, compareTo: unknown): unknown;
}

/** Built-in and custom operators exactly as an evaluation Engine has them. */
export const ENGINE_OPERATORS: { get(name: string): EngineOperator | null } = (() => {
  const probe = new Engine([], { allowUndefinedFacts: true });
  for (const op of CUSTOM_OPERATORS) probe.addOperator(op);
  return (probe as unknown as { operators: { get(name: string): EngineOperator | null } }).operators;
})();

/** Operators cheap and selective enough to test on every request as a guard atom. */
const TESTABLE = new Set(['lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive', 'startsWith', 'contains']);
/** Operators worth testing only for rules that are otherwise candidates (they scan the text). */
const LAZY = new Set(['matchesRegex']);
/** Facts with a handful of values: an exact match on them rules out little. */
const COARSE_FACTS = new Set(['mode', 'api', 'stream', 'has_tools', 'has_images']);
/** A rule keeps at most this many clauses (any subset of an AND is still necessary). */
const MAX_CLAUSES = 4;

export function ruleGuard(conditions: unknown): Guard {
  const ctx = { unsafe: false };
  const clauses = analyse(conditions, ctx);
  return { clauses: [...clauses].sort((a, b) => weight(a) - weight(b)).slice(0, MAX_CLAUSES), unsafe: ctx.unsafe };
}

function analyse(c: unknown, ctx: { unsafe: boolean }): Clause[] {
  if (!isObject(c)) {
    ctx.unsafe = true;
    return [];
  }
  if (Object.hasOwn(c, 'any')) {
    if (!Array.isArray(c.any)) return unsafe(ctx);
    const children = c.any.map((x) => analyse(x, ctx));
    // Empty `any` is TRUE in the engine; an unguarded child can match anything.
    if (children.length === 0 || children.some((k) => k.length === 0)) return [];
    // Union: each child implies its lightest clause, so the OR of those is implied by the `any`.
    return [children.flatMap((k) => [...k].sort((a, b) => weight(a) - weight(b))[0]!)];
  }
  if (Object.hasOwn(c, 'all')) {
    if (!Array.isArray(c.all)) return unsafe(ctx);
    return c.all.flatMap((x) => analyse(x, ctx));
  }
  if (Object.hasOwn(c, 'not')) {
    if (Array.isArray(c.not)) return unsafe(ctx);
    const child = c.not;
    const before = ctx.unsafe;
    analyse(child, ctx); // to find what could throw inside
    // A negated leaf is tested exactly (lazily: negations hold for most requests).
    if (ctx.unsafe === before && isLeaf(child) && typeof child.fact === 'string') {
      return [[test(child, true)]];
    }
    return [];
  }
  if (Object.hasOwn(c, 'condition')) return unsafe(ctx); // shared-condition references are not used here
  return leaf(c, ctx);
}

function leaf(c: Record<string, unknown>, ctx: { unsafe: boolean }): Clause[] {
  if (!Object.hasOwn(c, 'fact') || !Object.hasOwn(c, 'operator') || !Object.hasOwn(c, 'value')) return unsafe(ctx);
  const { fact, operator, value, path } = c;
  if (typeof operator !== 'string' || operator.includes(':') || ENGINE_OPERATORS.get(operator) === null) return unsafe(ctx);
  if (path && typeof path !== 'string') return unsafe(ctx); // the path resolver would throw
  if (isObject(value) && Object.hasOwn(value, 'fact')) return unsafe(ctx); // compared against another fact
  if ((operator === 'in' || operator === 'notIn') && !Array.isArray(value) && typeof value !== 'string') return unsafe(ctx);
  if (operator === 'hasEntry' && (value === null || value === undefined)) return unsafe(ctx);
  if (typeof fact !== 'string') return [];
  const acc: Accessor = path ? { fact, path: path as string } : { fact };

  switch (operator) {
    case 'equal':
      return [[{ kind: 'exact', acc, value }]];
    case 'in':
      // An array is membership by ===; a string value means substring semantics, left to a test.
      return Array.isArray(value) ? [value.map((v) => ({ kind: 'exact', acc, value: v }) as const)] : [[test(c, false)]];
    case 'hasEntry': {
      if (path || !isObject(value)) return [];
      const v = value as { key?: unknown; value?: unknown };
      return [[{ kind: 'exact', acc: { fact, entry: String(v.key) }, value: v.value }]];
    }
    case 'containsText': {
      const needles = (Array.isArray(value) ? value : [value]).map((n) => String(n).toLowerCase());
      if (needles.includes('')) return []; // the empty string is in every text
      return [needles.map((needle) => ({ kind: 'needle', acc, needle }) as const)];
    }
    default:
      return TESTABLE.has(operator) || LAZY.has(operator) ? [[test(c, false)]] : [];
  }
}

/** A leaf (already checked by leaf()) as a test atom; `negate` for `not: {leaf}`. */
function test(c: Record<string, unknown>, negate: boolean): Atom {
  const operator = c.operator as string;
  const acc: Accessor = c.path ? { fact: c.fact as string, path: c.path as string } : { fact: c.fact as string };
  return { kind: 'test', acc, operator, value: c.value, negate, lazy: negate || LAZY.has(operator) };
}

function isLeaf(c: unknown): c is Record<string, unknown> {
  return isObject(c) && !Object.hasOwn(c, 'any') && !Object.hasOwn(c, 'all') && !Object.hasOwn(c, 'not') && !Object.hasOwn(c, 'condition');
}

/** Rough chance that a clause holds; guides which clauses a rule keeps. Never affects correctness. */
function weight(clause: Clause): number {
  let w = 0;
  for (const a of clause) {
    if (a.kind === 'exact') w += COARSE_FACTS.has(a.acc.fact) && !a.acc.path ? 0.5 : 0.05;
    else if (a.kind === 'needle') w += a.needle.length >= 4 ? 0.05 : 0.2;
    else w += a.negate ? 0.7 : a.lazy ? 0.1 : 0.5;
  }
  return w;
}

function unsafe(ctx: { unsafe: boolean }): Clause[] {
  ctx.unsafe = true;
  return [];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
