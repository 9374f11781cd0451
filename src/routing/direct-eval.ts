// Direct evaluation of a routing rule's json-rules-engine conditions, for the
// serving path (no trace): a synchronous closure tree per rule instead of an
// engine run, which deep-clones each rule's condition tree (RuleResult), builds
// an Almanac and chains several promises per condition — ≈ 4 µs a rule, most of
// decide() at 1,000 rules.
//
// It reproduces json-rules-engine 7.3's verdict exactly (rule.js `evaluate`,
// condition.js, almanac.js `factValue`/`getValue`), for the trees it accepts:
//   - a leaf's value is the engine's own Operator.evaluate(fact, value), raw
//     (an operator may return a non-boolean), with the fact read as the
//     almanac reads it (fact-reader.ts) and `{fact, path}` values resolved
//   - a boolean node with 0 children is true; with 1, its child's raw value;
//     with more, every/some child `=== true`; a nested node's verdict is then
//     `=== true`, while the root's raw value decides by truthiness
//   - `not` negates its child's raw value
// Trees it does not accept (condition references, `priority` on a condition —
// which orders and short-circuits evaluation —, malformed nodes, unknown
// operators) get no closure: the caller runs the engine. With no priorities
// the engine evaluates every leaf of the tree, so does this; if a leaf throws,
// the engine's run would have rejected, and the caller re-runs the request on
// the engine so the very same error surfaces.
import { reader, type Reader } from './fact-reader.js';
import { ENGINE_OPERATORS, type Accessor } from './rule-guard.js';

type Facts = Readonly<Record<string, unknown>>;
type Node = (facts: Facts) => unknown;
/** The rule's verdict: true when the engine would list it under `results`. */
export type DirectRule = (facts: Facts) => boolean;

const BOOLEAN_KEYS = ['any', 'all', 'not'] as const;

/** The rule's conditions as a closure, or undefined when only the engine may evaluate them. */
export function compileConditions(conditions: unknown): DirectRule | undefined {
  try {
    const root = booleanNode(conditions);
    if (root === undefined) return undefined;
    return (facts) => Boolean(root(facts));
  } catch {
    return undefined; // a tree the engine would reject at addRule or run: its error stays the engine's
  }
}

/** A boolean node's raw value (what rule.js's any/all/not resolve to), or undefined if not accepted. */
function booleanNode(c: unknown): Node | undefined {
  if (!isPlainObject(c) || Object.hasOwn(c, 'condition') || Object.hasOwn(c, 'priority')) return undefined;
  const keys = BOOLEAN_KEYS.filter((k) => Object.hasOwn(c, k));
  if (keys.length !== 1) return undefined;
  const op = keys[0]!;
  if (op === 'not') {
    const child = condition(c.not);
    return child && ((facts) => !child(facts));
  }
  const list = c[op];
  if (!Array.isArray(list)) return undefined;
  const children: Node[] = [];
  for (const x of list) {
    const n = condition(x);
    if (n === undefined) return undefined;
    children.push(n);
  }
  return listNode(children, op);
}

/** prioritizeAndRun over one priority set: no short-circuit inside a set, so every child runs (as in the engine). */
function listNode(children: readonly Node[], op: 'any' | 'all'): Node {
  if (children.length === 0) return () => true;
  if (children.length === 1) return children[0]!;
  const n = children.length;
  if (op === 'all') {
    return (facts) => {
      let every = true;
      for (let i = 0; i < n; i++) if (children[i]!(facts) !== true) every = false;
      return every;
    };
  }
  return (facts) => {
    let some = false;
    for (let i = 0; i < n; i++) if (children[i]!(facts) === true) some = true;
    return some;
  };
}

/** A condition inside a tree: a nested boolean node's verdict is `=== true` (rule.js evaluateCondition). */
function condition(c: unknown): Node | undefined {
  if (!isPlainObject(c)) return undefined;
  if (BOOLEAN_KEYS.some((k) => Object.hasOwn(c, k))) {
    const node = booleanNode(c);
    return node && ((facts) => node(facts) === true);
  }
  return leaf(c);
}

function leaf(c: Record<string, unknown>): Node | undefined {
  if (Object.hasOwn(c, 'condition') || Object.hasOwn(c, 'priority')) return undefined;
  if (!Object.hasOwn(c, 'fact') || !Object.hasOwn(c, 'operator') || !Object.hasOwn(c, 'value')) return undefined;
  const { fact, operator, value, path } = c;
  if (typeof fact !== 'string' || typeof operator !== 'string') return undefined;
  const op = ENGINE_OPERATORS.get(operator);
  if (!op) return undefined;
  const left = factReader(fact, path);
  if (left === undefined) return undefined;
  if (value !== null && typeof value === 'object' && Object.hasOwn(value, 'fact')) {
    const ref = value as { fact?: unknown; path?: unknown };
    if (typeof ref.fact !== 'string') return undefined;
    const right = factReader(ref.fact, ref.path);
    if (right === undefined) return undefined;
    return (facts) => op.evaluate(left(facts), right(facts));
  }
  return (facts) => op.evaluate(left(facts), value);
}

/** The almanac's read of a fact at an optional path (falsy = none); a non-string path is the engine's to handle. */
function factReader(fact: string, path: unknown): Reader | undefined {
  if (path === undefined || path === null || path === '') return reader({ fact });
  if (typeof path !== 'string') return undefined;
  const acc: Accessor = { fact, path };
  return reader(acc);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
