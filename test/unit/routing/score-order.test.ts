import { expect } from 'chai';
import type { ModelSpec, ProviderSpec } from '../../../src/policy/types.js';
import { scoreCandidates } from '../../../src/routing/score.js';
import { rng } from './rule-index.fixtures.js';

type C = { provider: Readonly<ProviderSpec>; model: Readonly<ModelSpec> };

describe('routing: score order', () => {
  it('is the comparator order (score desc, catalog order on ties) for pools of 0-40, with ties and NaN scores', () => {
    const r = rng(17);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    for (let t = 0; t < 600; t++) {
      const n = Math.floor(r() * 41);
      const nan = r() < 0.1;
      const pool: C[] = Array.from({ length: n }, (_, i) => ({
        provider: { name: `p${i}` } as ProviderSpec,
        model: {
          name: `m${i}`,
          provider: `p${i}`,
          quality: pick([0.5, 0.7, 0.9]),
          pricing: { input: nan && r() < 0.3 ? Number.NaN : pick([0.1, 1, 2]), output: pick([1, 4]) },
          latency: { ttftMs: pick([300, 600]), tokensPerSecond: pick([50, 100]) },
        } as unknown as ModelSpec,
      }));
      const out = scoreCandidates(pool, pick(['balance', 'cost', 'quality', 'latency'] as const), undefined, 100, undefined) as unknown as { terms: { score: number }; i: number }[];
      // The reference: the comparator's sort over the catalog order.
      const catalog = [...out].sort((a, b) => a.i - b.i);
      const expected = catalog.sort((a, b) => b.terms.score - a.terms.score || a.i - b.i);
      expect(out.map((x) => x.i)).to.deep.equal(expected.map((x) => x.i));
    }
  });
});
