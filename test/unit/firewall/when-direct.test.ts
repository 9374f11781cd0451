// Conditional firewall rules (`when`) are decided by the routing rules' direct evaluation
// (src/firewall/rules.ts, routing/direct-eval.ts) instead of a json-rules-engine run per request:
// the rules that apply must be exactly those a fresh engine finds, for random conditions and
// facts, and a condition the engine rejects must still reject the request.
import { expect } from 'chai';
import { activeRules, engineConditionsHolding } from '../../../src/firewall/rules.js';
import { buildFacts } from '../../../src/routing/facts.js';
import { firewallPolicy } from './helpers.js';

const WHENS: unknown[] = [
  { fact: 'metadata', path: '$.team', operator: 'equal', value: 'red' },
  { fact: 'api_key', operator: 'equal', value: 'partner' },
  { not: { fact: 'api_key', operator: 'equal', value: 'partner' } },
  { any: [{ fact: 'mode', operator: 'equal', value: 'cost' }, { fact: 'metadata', path: '$.tier', operator: 'in', value: ['pro', 'team'] }] },
  { all: [{ fact: 'input_chars', operator: 'greaterThan', value: 10 }, { fact: 'text', operator: 'containsText', value: ['secret'] }] },
  { all: [] },
  { any: [] },
  { fact: 'metadata', path: '$.team', operator: 'notIn', value: ['red', 'green'] },
  { fact: 'text', operator: 'matchesRegex', value: 'sec.et' },
];

/** A small deterministic generator (no Math.random: a failure replays). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe('firewall `when`: direct evaluation agrees with a json-rules-engine run', () => {
  it('the same rules apply for 300 random rule sets × 6 requests', async () => {
    const rand = lcg(23);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    let compared = 0;
    for (let s = 0; s < 300; s++) {
      const n = 1 + Math.floor(rand() * 4);
      const rules = Array.from({ length: n }, (_, i) => ({ name: `r${i}`, scope: 'prompt', type: 'substring', pattern: 'secret', action: 'warn', when: pick(WHENS) }));
      const set = firewallPolicy(rules);
      for (let q = 0; q < 6; q++) {
        const facts = buildFacts({
          text: pick(['hi', 'a secret plan', 'the secret word is long enough']),
          metadata: pick([{}, { team: 'red' }, { team: 'blue', tier: 'pro' }, { tier: 'team' }]),
          mode: pick(['cost', 'quality', 'balance']),
          apiKey: pick(['partner', 'other']),
        } as never);
        const got = (await activeRules(set, facts)).prompt.map((r) => r.rule.name).sort();
        const conditional = set.firewallRules.filter((r) => r.enabled && r.spec.when !== undefined);
        const holds = await engineConditionsHolding(conditional, facts);
        const want = set.firewallRules.filter((r) => r.enabled && (r.spec.when === undefined || holds.has(r.name))).map((r) => r.name).sort();
        expect(got, JSON.stringify({ rules: rules.map((r) => r.when), facts })).to.deep.equal(want);
        compared++;
      }
    }
    expect(compared).to.equal(1800);
  });
});
