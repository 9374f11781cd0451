// The deployment balancer (src/upstream/balancer.ts) and the grouping it works on
// (src/routing/deployments.ts): weighted shares, least_busy, latency, ejected
// deployments, and groups of one left alone.
import { expect } from 'chai';
import type { ModelSpec, ProviderSpec } from '../../../src/policy/types.js';
import { adjacentDeployments, groupDeployments } from '../../../src/routing/deployments.js';
import type { Candidate } from '../../../src/routing/select.js';
import { Balancer, deploymentKey, type BalanceOptions } from '../../../src/upstream/balancer.js';

function dep(provider: string, name: string, weight?: number, via: 'score' | 'fallback' = 'score'): Candidate & { via: 'score' | 'fallback' } {
  const p = { name: provider, type: 'openai', baseUrl: 'http://127.0.0.1:1/v1' } as ProviderSpec;
  const m = { name, provider, pricing: { input: 1, output: 1 }, quality: 0.8, contextWindow: 128000, capabilities: [], ...(weight !== undefined ? { weight } : {}) } as ModelSpec;
  return { provider: p, model: m, via };
}

const all: BalanceOptions = { eligible: () => true };

function shares(b: Balancer, cands: ReturnType<typeof dep>[], n: number, strategy: 'weighted' | 'least_busy' | 'latency' = 'weighted', opts: BalanceOptions = all): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const first = b.order(cands, strategy, opts)[0]!;
    out[first.provider.name] = (out[first.provider.name] ?? 0) + 1;
  }
  return out;
}

describe('deployment balancer', () => {
  it('groups the deployments of one name where the best of them ranks; a fallback entry stays on its own', () => {
    const order = [dep('a', 'big'), dep('a', 'small'), dep('b', 'big'), dep('c', 'big', 1, 'fallback')];
    expect(groupDeployments(order).map((g) => [g.model, g.members.map((c) => c.provider.name)])).to.deep.equal([
      ['big', ['a', 'b']],
      ['small', ['a']],
      ['big', ['c']],
    ]);
    expect(adjacentDeployments(order).map(deploymentKey)).to.deep.equal(['a/big', 'b/big', 'a/small', 'c/big']);
  });

  it('weighted: 3:1 gives 750:250 of 1,000 first picks, the other deployment right behind as failover', () => {
    const b = new Balancer();
    const cands = [dep('a', 'gpt', 3), dep('b', 'gpt', 1), dep('a', 'mini')];
    expect(shares(b, cands, 1000)).to.deep.equal({ a: 750, b: 250 });
    const o = b.order(cands, 'weighted', all).map(deploymentKey);
    expect(o.slice(0, 2)).to.have.members(['a/gpt', 'b/gpt']);
    expect(o[2]).to.equal('a/mini'); // the next model's group after the whole group
  });

  it('weighted: default weight 1 alternates; a weight of 0.5 vs 1.5 gives 1:3', () => {
    const b = new Balancer();
    const seq = Array.from({ length: 4 }, () => b.order([dep('a', 'm'), dep('b', 'm')], 'weighted', all)[0]!.provider.name);
    expect(seq).to.deep.equal(['a', 'b', 'a', 'b']);
    expect(shares(new Balancer(), [dep('a', 'm', 0.5), dep('b', 'm', 1.5)], 400)).to.deep.equal({ a: 100, b: 300 });
  });

  it('an ejected deployment (breaker open) is never picked and goes to the back; its share moves to the others', () => {
    const b = new Balancer();
    const cands = [dep('a', 'm', 2), dep('b', 'm', 1), dep('c', 'm', 1)];
    const notA = { eligible: (c: Candidate) => c.provider.name !== 'a' };
    expect(shares(b, cands, 100, 'weighted', notA)).to.deep.equal({ b: 50, c: 50 });
    expect(b.order(cands, 'weighted', notA).at(-1)!.provider.name).to.equal('a');
    // Back in: the 2:1:1 shares again.
    expect(shares(b, cands, 400)).to.deep.equal({ a: 200, b: 100, c: 100 });
  });

  it('least_busy: the deployment with fewer attempts in flight first; ties by weight order', () => {
    const b = new Balancer();
    const cands = [dep('a', 'm'), dep('b', 'm')];
    const endA = b.begin(cands[0]!);
    const endA2 = b.begin(cands[0]!);
    expect(b.inFlight(cands[0]!)).to.equal(2);
    expect(shares(b, cands, 10, 'least_busy')).to.deep.equal({ b: 10 });
    endA();
    endA();
    endA2(); // each end counts once
    expect(b.inFlight(cands[0]!)).to.equal(0);
    expect(shares(b, cands, 10, 'least_busy')).to.deep.equal({ a: 5, b: 5 });
  });

  it('latency: lowest live TTFT first; an unmeasured deployment goes first so it gets measured', () => {
    const b = new Balancer();
    const cands = [dep('a', 'm'), dep('b', 'm'), dep('c', 'm')];
    const ttft: Record<string, number | undefined> = { a: 900, b: 120, c: 400 };
    const opts = { eligible: () => true, ttftMs: (c: Candidate) => ttft[c.provider.name] };
    expect(b.order(cands, 'latency', opts).map((c) => c.provider.name)).to.deep.equal(['b', 'c', 'a']);
    ttft.c = undefined;
    expect(b.order(cands, 'latency', opts)[0]!.provider.name).to.equal('c');
  });

  it('a model with one deployment passes through untouched', () => {
    const cands = [dep('a', 'x'), dep('b', 'y'), dep('c', 'z')];
    expect(new Balancer().order(cands, 'weighted', all)).to.deep.equal(cands);
  });
});
