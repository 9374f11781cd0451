import { expect } from 'chai';
import { Engine } from 'json-rules-engine';
import type { CompiledRoutingRule, PolicySet } from '../../../src/policy/types.js';
import { compileConditions } from '../../../src/routing/direct-eval.js';
import { evaluateRules } from '../../../src/routing/evaluate.js';
import { buildFacts, type FactsInput } from '../../../src/routing/facts.js';
import { CUSTOM_OPERATORS, plainPathResolver } from '../../../src/routing/operators.js';
import { rng } from './rule-index.fixtures.js';

type Verdict = boolean | 'throws';

/** The reference: one rule run by json-rules-engine as evaluate.ts configures it. */
async function engineVerdict(conditions: unknown, facts: object): Promise<Verdict> {
  try {
    const engine = new Engine([], { allowUndefinedFacts: true, pathResolver: plainPathResolver });
    for (const op of CUSTOM_OPERATORS) engine.addOperator(op);
    engine.addRule({ name: 'r', priority: 1, conditions: structuredClone(conditions) as never, event: { type: 'route' } });
    const { results } = await engine.run({ ...facts });
    return results.length === 1;
  } catch {
    return 'throws';
  }
}

/** undefined = not compiled (the engine evaluates it). */
function directVerdict(conditions: unknown, facts: object): Verdict | undefined {
  const fn = compileConditions(conditions);
  if (!fn) return undefined;
  try {
    return fn(facts as Record<string, unknown>);
  } catch {
    return 'throws';
  }
}

const LEAVES: unknown[] = [
  { fact: 'mode', operator: 'equal', value: 'cost' },
  { fact: 'mode', operator: 'notEqual', value: 'cost' },
  { fact: 'text', operator: 'containsText', value: ['zzz', 'nothing'] },
  { fact: 'text', operator: 'containsText', value: [] },
  { fact: 'text', operator: 'matchesRegex', value: 'a\\.b' },
  { fact: 'metadata', path: '$.tier', operator: 'equal', value: 'pro' },
  { fact: 'metadata', path: '$.absent', operator: 'equal', value: null },
  { fact: 'metadata', path: '$.absent', operator: 'equal', value: undefined },
  { fact: 'mode', path: '$.x', operator: 'equal', value: 'cost' }, // a path on a non-object passes the value through
  { fact: 'metadata', path: '', operator: 'hasEntry', value: { key: 'tier', value: 'pro' } },
  { fact: 'metadata', operator: 'hasEntry', value: { key: 'a.b', value: 'x' } },
  { fact: 'input_chars', operator: 'greaterThan', value: 3 },
  { fact: 'input_chars', operator: 'lessThan', value: Number.NaN },
  { fact: 'input_chars', operator: 'greaterThan', value: '3' },
  { fact: 'task', operator: 'equal', value: { fact: 'mode' } },
  { fact: 'task', operator: 'equal', value: { fact: 'metadata', path: '$.task' } },
  { fact: 'nope', operator: 'equal', value: undefined },
  { fact: 'mode', operator: 'in', value: ['cost', 'quality'] },
  { fact: 'task', operator: 'in', value: 'cost,quality' },
  { fact: 'api', operator: 'not:equal', value: 'chat' },
  { fact: 'text', operator: 'startsWith', value: 'a.b' },
];
const THROWING = { fact: 'mode', operator: 'in', value: 7 };

const REQUESTS: FactsInput[] = [
  { text: 'nothing here', mode: 'cost' },
  { text: 'a.b 42 zzz', mode: 'quality', api: 'chat', metadata: { tier: 'pro', 'a.b': 'x' } },
  { text: '', mode: 'cost', metadata: { task: 'cost' } },
  { text: 'x'.repeat(5), mode: 'balance', metadata: { a: 'x', tier: 'free' } },
];

/** A random tree of depth ≤ 3 over LEAVES (and rarely a throwing leaf), with 0-3 children per list. */
function tree(r: () => number, depth: number, root = false): unknown {
  const k = r();
  if (!root && (depth === 0 || k < 0.4)) return r() < 0.02 ? THROWING : LEAVES[Math.floor(r() * LEAVES.length)];
  if (k < 0.55) return { not: tree(r, depth - 1) };
  const list = Array.from({ length: Math.floor(r() * 4) }, () => tree(r, depth - 1));
  return r() < 0.5 ? { all: list } : { any: list };
}

describe('routing: direct rule evaluation (differential against json-rules-engine)', () => {
  it('gives the engine verdict (or its error) for 1,500 random trees on every request', async () => {
    const r = rng(99);
    let compared = 0;
    let matched = 0;
    let threw = 0;
    for (let i = 0; i < 1500; i++) {
      const conditions = tree(r, 3, true);
      for (const req of REQUESTS) {
        const facts = buildFacts(req);
        const direct = directVerdict(conditions, facts);
        expect(direct, JSON.stringify(conditions)).to.not.equal(undefined);
        expect(direct, `${JSON.stringify(conditions)} on ${JSON.stringify(req)}`).to.equal(await engineVerdict(conditions, facts));
        compared++;
        if (direct === true) matched++;
        if (direct === 'throws') threw++;
      }
    }
    expect(compared).to.equal(6000);
    // Both verdicts and the error path were exercised.
    expect(matched).to.be.greaterThan(1000);
    expect(compared - matched - threw).to.be.greaterThan(1000);
    expect(threw).to.be.greaterThan(10);
  });

  it('leaves to the engine what it cannot mirror: priorities, condition references, malformed nodes, unknown operators', () => {
    const leaf = { fact: 'mode', operator: 'equal', value: 'cost' };
    for (const c of [
      { all: [{ ...leaf, priority: 2 }] },
      { all: [leaf], priority: 3 },
      { all: [{ condition: 'shared' }] },
      { condition: 'shared' },
      { any: [leaf], all: [leaf] },
      { all: leaf },
      { not: [leaf] },
      { all: [{ fact: 'mode', operator: 'noSuchOperator', value: 1 }] },
      { all: [{ fact: 'mode', operator: 'equal' }] },
      { all: [{ fact: 'metadata', path: 7, operator: 'equal', value: 1 }] },
      { all: [{ fact: 'mode', operator: 'equal', value: { fact: 3 } }] },
      [leaf],
      null,
    ]) {
      expect(compileConditions(c), JSON.stringify(c)).to.equal(undefined);
    }
  });

  it('a single child passes its raw value up at the root, but a nested node is `=== true`', () => {
    const facts = buildFacts({ text: 'x', mode: 'cost' });
    expect(compileConditions({ all: [{ any: [] }] })!(facts)).to.equal(true);
    expect(compileConditions({ not: { all: [] } })!(facts)).to.equal(false);
    expect(compileConditions({ any: [{ not: { any: [] } }, { fact: 'mode', operator: 'equal', value: 'cost' }] })!(facts)).to.equal(true);
  });
});

describe('routing: evaluateRules without a trace uses direct evaluation, with the engine as fallback', () => {
  const rule = (name: string, conditions: unknown, order: number): CompiledRoutingRule => ({
    name,
    id: order + 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    enabled: true,
    priority: 0,
    order,
    spec: { name, action: {} },
    definition: { name, priority: 1, conditions, event: { type: 'route', params: { rule: name } } } as CompiledRoutingRule['definition'],
    source: { file: '', line: 0, col: 0 },
  });
  const set = (rules: CompiledRoutingRule[]) => ({ routingRules: rules }) as unknown as PolicySet;

  it('matches what the traced (engine) evaluation matches, including a rule only the engine may evaluate', async () => {
    const rules = [
      rule('a', { all: [{ fact: 'mode', operator: 'equal', value: 'cost' }] }, 0),
      rule('b', { any: [{ fact: 'mode', operator: 'equal', value: 'cost', priority: 5 }, { fact: 'api', operator: 'equal', value: 'chat' }] }, 1),
      rule('c', { not: { fact: 'metadata', path: '$.tier', operator: 'equal', value: 'pro' } }, 2),
    ];
    for (const only of [rules, rules.slice(0, 1), rules.slice(2)]) {
      const s = set(only);
      for (const req of REQUESTS) {
        const facts = buildFacts(req);
        const fast = (await evaluateRules(s, facts, { trace: false })).matched.map((m) => m.name);
        const traced = (await evaluateRules(s, facts, { trace: true })).matched.map((m) => m.name);
        expect(fast, JSON.stringify(req)).to.deep.equal(traced);
      }
    }
  });

  it('a condition that throws surfaces the engine error', async () => {
    const s = set([rule('bad', { all: [{ fact: 'mode', operator: 'equal', value: 'cost' }, THROWING] }, 0)]);
    const facts = buildFacts({ text: 'x', mode: 'cost' });
    const fast = await evaluateRules(s, facts, { trace: false }).then(() => null, (e: Error) => e.message);
    const traced = await evaluateRules(s, facts, { trace: true }).then(() => null, (e: Error) => e.message);
    expect(fast).to.be.a('string');
    expect(fast).to.equal(traced);
  });
});
