import { expect } from 'chai';
import { Engine } from 'json-rules-engine';
import type { CompiledRoutingRule, PolicySet } from '../../../src/policy/types.js';
import { AhoCorasick } from '../../../src/routing/aho-corasick.js';
import { evaluateRules } from '../../../src/routing/evaluate.js';
import { buildFacts, type FactsInput, type RoutingFacts } from '../../../src/routing/facts.js';
import { CUSTOM_OPERATORS, plainPathResolver } from '../../../src/routing/operators.js';
import { RuleIndex, ruleIndexFor } from '../../../src/routing/rule-index.js';
import { generatedPolicySet, PROBE_NAMES, randomRequest, rng } from './rule-index.fixtures.js';

/** The reference: plain json-rules-engine over every enabled rule, sorted by (priority desc, declared order). */
async function plain(rules: readonly CompiledRoutingRule[], facts: object): Promise<string[]> {
  const enabled = rules.filter((r) => r.enabled);
  const engine = new Engine([], { allowUndefinedFacts: true, pathResolver: plainPathResolver });
  for (const op of CUSTOM_OPERATORS) engine.addOperator(op);
  for (const rule of enabled) engine.addRule(structuredClone(rule.definition) as never);
  const { results } = await engine.run({ ...facts });
  const byName = new Map(enabled.map((r) => [r.name, r]));
  return results
    .map((x) => byName.get(x.name as string)!)
    .sort((a, b) => b.priority - a.priority || a.order - b.order)
    .map((r) => r.name);
}

async function indexed(set: PolicySet, facts: RoutingFacts): Promise<string[]> {
  return (await evaluateRules(set, facts, { trace: false })).matched.map((r) => r.name);
}

describe('routing: rule index (differential against plain json-rules-engine)', function () {
  this.timeout(120_000);
  const sizes = [
    { rules: 10, requests: 3000, seed: 11 },
    { rules: 100, requests: 2000, seed: 12 },
    { rules: 1000, requests: 300, seed: 13 },
  ];
  const probeHits = new Map<string, number>(PROBE_NAMES.map((n) => [n, 0]));
  let total = 0;

  for (const size of sizes) {
    it(`${size.rules} rules × ${size.requests} requests: same matched rules, same order`, async () => {
      const set = generatedPolicySet(size.rules, size.seed);
      const index = ruleIndexFor(set);
      const r = rng(size.seed * 7);
      let candidates = 0;
      for (let i = 0; i < size.requests; i++) {
        const facts = buildFacts(randomRequest(r));
        const expected = await plain(set.routingRules, facts);
        // Soundness of the guards, stated directly: every rule that matches is a candidate.
        const picked = new Set(index.candidates(facts).map((p) => index.rules[p]!.name));
        const missed = expected.filter((n) => !picked.has(n));
        if (missed.length) expect.fail(`request ${i} ${JSON.stringify(facts)}: index dropped matching rules ${missed.join(', ')}`);
        expect(await indexed(set, facts), `request ${i}`).to.deep.equal(expected);
        candidates += picked.size;
        for (const n of expected) if (probeHits.has(n)) probeHits.set(n, probeHits.get(n)! + 1);
      }
      total += size.requests;
      // The comparison is only meaningful if the index prunes. This generator is adversarial (many
      // `not`/`notEqual`/regex trees, which stay unguarded), yet most rules are still ruled out.
      if (size.rules === 1000) expect(candidates / size.requests).to.be.lessThan(index.rules.length * 0.5);
    });
  }

  it('covered ≥ 5,000 requests, and every probe rule matched (the cases a wrong guard would drop)', () => {
    expect(total).to.be.at.least(5000);
    for (const [name, hits] of probeHits) expect(hits, name).to.be.greaterThan(10);
  });

  it('200 concurrent evaluations on the indexed path equal the serial ones', async () => {
    const set = generatedPolicySet(300, 21);
    const r = rng(5);
    const requests = Array.from({ length: 200 }, () => buildFacts(randomRequest(r)));
    const serial: string[][] = [];
    for (const f of requests) serial.push(await indexed(set, f));
    const concurrent = await Promise.all(requests.map((f) => indexed(set, f)));
    expect(concurrent).to.deep.equal(serial);
    expect(serial.filter((s) => s.length >= 3).length).to.be.greaterThan(100);
  });

  it('traces every enabled rule: evaluated ones with condition results, the rest as skipped by the index', async () => {
    const set = generatedPolicySet(100, 31);
    const facts = buildFacts({ text: 'please review this python code', mode: 'cost', metadata: { tier: 'pro' } });
    const { matched, trace } = await evaluateRules(set, facts);
    const enabled = set.routingRules.filter((r) => r.enabled);
    expect(trace.map((t) => t.name)).to.deep.equal(enabled.map((r) => r.name));
    const skipped = trace.filter((t) => (t.conditions as { skipped_by_index?: boolean }).skipped_by_index === true);
    expect(skipped.length).to.be.greaterThan(0);
    for (const t of skipped) expect(t.matched).to.equal(false);
    // Evaluated rules carry the engine's tree; its leaves (a catch-all has none) carry their results.
    const evaluated = trace.filter((x) => !skipped.includes(x)).map((t) => JSON.stringify(t.conditions));
    for (const json of evaluated) if (json.includes('"fact"')) expect(json).to.match(/"result":(true|false)/);
    expect(evaluated.filter((json) => json.includes('"result"')).length).to.be.greaterThan(0);
    expect(trace.filter((t) => t.matched).map((t) => t.name)).to.deep.equal(matched.map((m) => m.name));
    expect((await evaluateRules(set, facts, { trace: false })).trace).to.deep.equal([]);
  });
});

describe('routing: rule guards on engine corner cases', () => {
  // Hand-built definitions, some of which validation would reject: the index must still agree with the engine.
  const defs: [string, unknown][] = [
    ['any-before-all', { any: [{ fact: 'mode', operator: 'equal', value: 'cost' }], all: [{ fact: 'mode', operator: 'equal', value: 'quality' }] }],
    ['empty-all', { all: [] }],
    ['nested-empty-any', { all: [{ any: [] }, { fact: 'api', operator: 'equal', value: 'chat' }] }],
    ['never', { all: [{ fact: 'text', operator: 'containsText', value: [] }] }],
    ['empty-needle', { all: [{ fact: 'text', operator: 'containsText', value: ['zzz', ''] }] }],
    ['numeric-needle', { all: [{ fact: 'text', operator: 'containsText', value: 42 }] }],
    ['needle-on-missing-fact', { all: [{ fact: 'nope', operator: 'containsText', value: 'undef' }] }],
    ['equal-undefined-path', { all: [{ fact: 'metadata', path: '$.absent', operator: 'equal', value: null }] }],
    ['equal-undefined-absent', { all: [{ fact: 'metadata', path: '$.absent', operator: 'equal', value: undefined }] }],
    ['nan', { all: [{ fact: 'input_chars', operator: 'equal', value: Number.NaN }] }],
    ['nan-threshold', { all: [{ fact: 'input_chars', operator: 'lessThan', value: Number.NaN }] }],
    ['null-threshold', { all: [{ fact: 'input_chars', operator: 'lessThan', value: null }] }],
    ['string-threshold', { all: [{ fact: 'input_chars', operator: 'greaterThan', value: '3' }] }],
    ['has-entry', { all: [{ fact: 'metadata', operator: 'hasEntry', value: { key: 'tier', value: 'pro' } }] }],
    ['has-entry-dotted', { all: [{ fact: 'metadata', operator: 'hasEntry', value: { key: 'a.b', value: 'x' } }] }],
    ['fact-reference', { all: [{ fact: 'task', operator: 'equal', value: { fact: 'mode' } }] }],
    ['double-not', { not: { not: { fact: 'mode', operator: 'equal', value: 'cost' } } }],
  ];
  const rules: CompiledRoutingRule[] = defs.map(([name, conditions], i) => ({
    name,
    id: i + 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    enabled: true,
    priority: 0,
    order: i,
    spec: { name, action: {} },
    definition: { name, priority: 1001, conditions, event: { type: 'route', params: { rule: name } } },
    source: { file: '', line: 0, col: 0 },
  }));
  const set = { routingRules: rules } as unknown as PolicySet;
  const requests: FactsInput[] = [
    { text: 'nothing here', mode: 'cost' },
    { text: 'a.b 42 zzz', mode: 'quality', api: 'chat', metadata: { tier: 'pro', 'a.b': 'x' } },
    { text: '', mode: 'cost', metadata: { task: 'cost' } },
    { text: 'x'.repeat(5), mode: 'balance', metadata: { a: 'x', tier: 'free' } },
  ];

  it('agrees with plain json-rules-engine on every request', async () => {
    for (const req of requests) {
      const facts = buildFacts(req);
      expect(await indexed(set, facts), JSON.stringify(req)).to.deep.equal(await plain(rules, facts));
    }
  });

  it('sends a rule whose evaluation throws to the engine, so the error still surfaces', async () => {
    const bad = { ...rules[0]!, name: 'bad', definition: { ...rules[0]!.definition, name: 'bad', conditions: { all: [{ fact: 'mode', operator: 'equal', value: 'never' }, { fact: 'mode', operator: 'in', value: 7 }] } } };
    const badSet = { routingRules: [bad] } as unknown as PolicySet;
    const facts = buildFacts({ text: 'x', mode: 'cost' });
    const plainError = await plain([bad], facts).then(() => null, (e: Error) => e.message);
    const indexedError = await indexed(badSet, facts).then(() => null, (e: Error) => e.message);
    expect(plainError).to.be.a('string');
    expect(indexedError).to.equal(plainError);
    expect(new RuleIndex([bad]).stats.always).to.equal(1);
  });
});

describe('routing: Aho-Corasick matcher', () => {
  for (const denseLimit of [undefined, 0]) {
    it(`finds exactly the patterns String.includes finds (${denseLimit === 0 ? 'sparse' : 'dense'} automaton)`, () => {
      const r = rng(denseLimit === 0 ? 3 : 4);
      const alphabet = ['a', 'b', 'c', 'ß', '\u{1F600}', 'é'];
      const word = (max: number) => Array.from({ length: 1 + Math.floor(r() * max) }, () => alphabet[Math.floor(r() * alphabet.length)]).join('');
      for (let round = 0; round < 200; round++) {
        const patterns = Array.from({ length: 1 + Math.floor(r() * 30) }, () => word(4));
        const ac = new AhoCorasick(patterns, denseLimit === undefined ? {} : { denseLimit });
        expect(ac.dense).to.equal(denseLimit === undefined);
        for (let t = 0; t < 10; t++) {
          const text = word(40);
          const expected = patterns.map((p, i) => (text.includes(p) ? i : -1)).filter((i) => i >= 0);
          expect(ac.matches(text), `${JSON.stringify(patterns)} in ${JSON.stringify(text)}`).to.deep.equal(expected);
        }
      }
    });
  }

  it('rejects an empty pattern (it would match everywhere; callers treat it as no guard)', () => {
    expect(() => new AhoCorasick(['a', ''])).to.throw(/empty pattern/);
  });
});
