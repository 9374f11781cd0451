import { expect } from 'chai';
import { Engine } from 'json-rules-engine';
import { mkdtemp, rm, writeFile, copyFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadPolicyDirectory } from '../../../src/policy/load.js';
import type { PolicySet } from '../../../src/policy/types.js';
import { combineActions } from '../../../src/routing/actions.js';
import { evaluateRules } from '../../../src/routing/evaluate.js';
import { buildFacts, type FactsInput } from '../../../src/routing/facts.js';
import { CUSTOM_OPERATORS, plainPathResolver } from '../../../src/routing/operators.js';
import { FIXTURES } from '../../helpers/paths.js';

/** A deterministic pseudo-random generator, so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const WORDS = ['code', 'legal', 'poem', 'invoice', 'python', 'contract', 'hello', 'sql', 'haiku', 'tax'];
const TASKS = ['summarize', 'review', 'chat', 'translate'];
const TIERS = ['free', 'pro', 'enterprise'];
const MODES = ['balance', 'cost', 'quality', 'latency'] as const;

/** 60 rules over every fact kind, with many equal priorities to exercise tie-breaking. */
function rulesYaml(): string {
  const r = rng(7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const lines = ['apiVersion: tokenrouter/v1', 'kind: RoutingRules', 'metadata: { name: generated }', 'spec:', '  rules:'];
  for (let i = 0; i < 60; i++) {
    lines.push(`    - name: rule-${i}`, `      priority: ${pick([0, 5, 5, 10, 10, 10, 50])}`);
    const kind = i % 4;
    if (kind === 0) lines.push(`      match: { contains: [${pick(WORDS)}, ${pick(WORDS)}] }`);
    if (kind === 1) lines.push(`      match: { task: ${pick(TASKS)}, mode: ${pick(MODES)} }`);
    if (kind === 2) {
      lines.push(
        '      when:',
        '        any:',
        `          - { fact: metadata, path: $.tier, operator: equal, value: ${pick(TIERS)} }`,
        `          - { fact: input_chars, operator: greaterThan, value: ${Math.floor(r() * 60)} }`,
      );
    }
    if (kind === 3) {
      lines.push(
        `      match: { metadata_equals: { tier: ${pick(TIERS)} } }`,
        '      when:',
        `        not: { fact: text, operator: containsText, value: ${pick(WORDS)} }`,
      );
    }
    lines.push(`      action: { set_mode: ${pick(MODES)}, add_warning: { message: "w${i}" } }`);
  }
  return lines.join('\n') + '\n';
}

function randomRequest(r: () => number): FactsInput {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const n = 1 + Math.floor(r() * 6);
  const text = Array.from({ length: n }, () => pick(WORDS)).join(' ');
  const metadata: Record<string, string> = {};
  if (r() < 0.7) metadata.tier = pick(TIERS);
  if (r() < 0.6) metadata.task = pick(TASKS);
  return { text, metadata, mode: pick(MODES) };
}

describe('routing: rule evaluation with json-rules-engine', () => {
  let dir: string;
  let set: PolicySet;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tr-eval-'));
    const minimal = path.join(FIXTURES, 'policies', 'valid', 'minimal');
    for (const f of ['providers.yaml', 'models.yaml']) await copyFile(path.join(minimal, f), path.join(dir, f));
    await writeFile(path.join(dir, 'rules.yaml'), rulesYaml());
    const r = await loadPolicyDirectory(dir);
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    set = r.set;
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('200 concurrent mixed requests get exactly the serial decisions', async () => {
    const r = rng(42);
    const requests = Array.from({ length: 200 }, () => buildFacts(randomRequest(r)));
    const serial: string[][] = [];
    for (const f of requests) serial.push((await evaluateRules(set, f)).matched.map((m) => m.name));
    const concurrent = await Promise.all(requests.map(async (f) => (await evaluateRules(set, f)).matched.map((m) => m.name)));
    expect(concurrent).to.deep.equal(serial);
    // the workload is not trivial: most requests match several rules
    expect(serial.filter((s) => s.length >= 2).length).to.be.greaterThan(100);
  });

  it('matches plain json-rules-engine over the same definitions (differential)', async () => {
    const r = rng(99);
    for (let i = 0; i < 100; i++) {
      const facts = buildFacts(randomRequest(r));
      const engine = new Engine([], { allowUndefinedFacts: true, pathResolver: plainPathResolver });
      for (const op of CUSTOM_OPERATORS) engine.addOperator(op);
      for (const rule of set.routingRules) engine.addRule(structuredClone(rule.definition) as never);
      const { results } = await engine.run({ ...facts });
      const expected = new Set(results.map((x) => x.name as string));
      const got = (await evaluateRules(set, facts)).matched.map((m) => m.name);
      expect(new Set(got)).to.deep.equal(expected);
    }
  });

  it('orders ties by declared order, identically over 1,000 runs', async () => {
    const facts = buildFacts({ text: 'code legal poem invoice python contract hello sql haiku tax', metadata: { tier: 'enterprise', task: 'review' }, mode: 'cost' });
    const first = (await evaluateRules(set, facts)).matched;
    expect(first.length).to.be.greaterThan(5);
    for (let i = 1; i < first.length; i++) {
      const a = first[i - 1]!;
      const b = first[i]!;
      expect(a.priority > b.priority || (a.priority === b.priority && a.order < b.order)).to.equal(true);
    }
    const names = first.map((m) => m.name).join(',');
    const runs = await Promise.all(Array.from({ length: 1000 }, () => evaluateRules(set, facts)));
    for (const run of runs) expect(run.matched.map((m) => m.name).join(',')).to.equal(names);
  });

  it('traces every enabled rule with its condition results (for explain)', async () => {
    const { trace } = await evaluateRules(set, buildFacts({ text: 'code', mode: 'cost' }));
    expect(trace).to.have.length(set.routingRules.filter((r) => r.enabled).length);
    // Rules the index ruled out are traced as skipped; the others carry the engine's condition results.
    const evaluated = trace.filter((t) => !JSON.stringify(t.conditions).includes('skipped_by_index'));
    expect(evaluated.length).to.be.greaterThan(0);
    for (const t of evaluated) expect(JSON.stringify(t.conditions)).to.match(/"result":(true|false)/);
  });

  it('the path resolver only follows own properties (no prototype walk)', () => {
    expect(plainPathResolver({ tier: 'pro' }, '$.tier')).to.equal('pro');
    expect(plainPathResolver({ a: { b: 1 } }, '$.a.b')).to.equal(1);
    expect(plainPathResolver({}, '$.constructor')).to.equal(undefined);
    expect(plainPathResolver({}, '$.__proto__')).to.equal(undefined);
    expect(plainPathResolver({ a: 'x' }, '$.a.length')).to.equal(undefined);
  });

  it('combines actions: first writer per action wins, warnings accumulate', () => {
    const mk = (name: string, action: object, order: number) =>
      ({ name, enabled: true, priority: 0, order, spec: { name, action }, definition: {} as never, source: { file: '', line: 0, col: 0 } }) as never;
    const c = combineActions([
      mk('high', { set_provider: 'anthropic', add_warning: { message: 'a' } }, 0),
      mk('mid', { set_provider: 'openai', set_mode: 'cost', add_warning: { message: 'b' } }, 1),
      mk('low', { set_model: 'gpt-4o', set_mode: 'quality' }, 2),
    ]);
    expect(c.provider).to.deep.equal({ value: 'anthropic', rule: 'high' });
    expect(c.mode).to.deep.equal({ value: 'cost', rule: 'mid' });
    expect(c.model).to.deep.equal({ value: 'gpt-4o', rule: 'low' });
    expect(c.warnings.map((w) => w.message)).to.deep.equal(['a', 'b']);
    expect(c.rules).to.deep.equal(['high', 'mid', 'low']);
  });

  it('custom operators: containsText (any of, case-insensitive) and hasEntry (own keys only)', () => {
    const op = (n: string) => CUSTOM_OPERATORS.find((o) => o.name === n)! as unknown as { evaluate(a: unknown, b: unknown): boolean };
    expect(op('containsText').evaluate('Write Some CODE', ['poem', 'code'])).to.equal(true);
    expect(op('containsText').evaluate('hello', ['poem'])).to.equal(false);
    expect(op('hasEntry').evaluate({ tier: 'pro' }, { key: 'tier', value: 'pro' })).to.equal(true);
    expect(op('hasEntry').evaluate({}, { key: 'constructor', value: Object })).to.equal(false);
    expect(op('matchesRegex').evaluate('order #12345', '\\d{5}')).to.equal(true);
  });
});
