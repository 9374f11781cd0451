import { expect } from 'chai';
import { adjacentDeployments, groupDeployments } from '../../../src/routing/deployments.js';
import { buildFacts, ownCopy } from '../../../src/routing/facts.js';
import type { Candidate } from '../../../src/routing/select.js';
import { rng } from './rule-index.fixtures.js';

describe('routing: ownCopy is { ...m }', () => {
  it('same own keys in the same order, same values, an own "__proto__" kept as a key, symbols and getters as spread has them', () => {
    const sym = Symbol('s');
    let reads = 0;
    const cases: object[] = [
      {},
      { tenant: 't', tier: 'pro' },
      { 2: 'b', 1: 'a', z: 'z', a: 'a' },
      JSON.parse('{"__proto__": "x", "task": "chat"}') as object,
      { [sym]: 1, a: 2 },
      Object.defineProperty({ a: 1 }, 'hidden', { value: 2, enumerable: false }),
      Object.defineProperty({}, 'g', { get: () => (reads++, 'v'), enumerable: true }),
      Object.create({ inherited: 1 }, { own: { value: 3, enumerable: true } }) as object,
    ];
    for (const m of cases) {
      const spread = { ...m } as Record<PropertyKey, unknown>;
      const copy = ownCopy(m) as Record<PropertyKey, unknown>;
      expect(Reflect.ownKeys(copy)).to.deep.equal(Reflect.ownKeys(spread));
      for (const k of Reflect.ownKeys(spread)) expect(Object.getOwnPropertyDescriptor(copy, k)).to.deep.equal(Object.getOwnPropertyDescriptor(spread, k));
      expect(Object.getPrototypeOf(copy)).to.equal(Object.prototype);
    }
    expect(reads).to.equal(2);
  });

  it('buildFacts keeps metadata as a frozen copy', () => {
    const metadata = { task: 'chat', tier: 'pro' };
    const facts = buildFacts({ text: 'x', mode: 'cost', metadata });
    expect(facts.metadata).to.deep.equal(metadata);
    expect(facts.metadata).to.not.equal(metadata);
    expect(Object.isFrozen(facts.metadata)).to.equal(true);
    expect(facts.task).to.equal('chat');
  });
});

describe('routing: adjacentDeployments is the groups flattened', () => {
  it('on random orders with and without repeated names and fallbacks, below and above the scan limit', () => {
    const r = rng(3);
    for (let t = 0; t < 400; t++) {
      const n = Math.floor(r() * 40);
      const names = Math.max(1, Math.floor(r() * (r() < 0.5 ? n * 2 : 6)));
      const order = Array.from({ length: n }, (_, i) => ({
        provider: { name: `p${i}` },
        model: { name: `m${Math.floor(r() * names)}` },
        ...(r() < 0.15 ? { via: 'fallback' } : { via: 'score' }),
      })) as unknown as (Candidate & { via?: string })[];
      const expected = groupDeployments(order).flatMap((g) => g.members);
      const got = adjacentDeployments(order);
      expect(got).to.deep.equal(expected);
      expect(got).to.not.equal(order);
    }
  });
});
