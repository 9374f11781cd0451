// Deployments and balancing (issue 19, deliverable 4), end to end through the
// router and the simulators: one catalog model (`dep`) served by two
// deployments — openai (upstream id dep-a) and llama (dep-b), both the
// simulator, told apart by the upstream id each call carries — and a key pool
// whose calls the simulator records with the key each one used.
import { expect } from 'chai';
import { startDemoStack, type DemoStack } from '../../src/cli/demo-stack.js';
import type { SimScript } from '../../src/simulator/index.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { startTestRouter, type TestRouter } from '../helpers/router.js';

const deployments = (weightA: number, weightB: number): string => `apiVersion: tokenrouter/v1
kind: Models
metadata:
  name: deployments
spec:
  models:
    - { name: dep, provider: openai, upstreamModel: dep-a, weight: ${weightA}, pricing: { input: 1, output: 1 }, quality: 0.8, contextWindow: 128000, capabilities: [tools, streaming] }
    - { name: dep, provider: llama, upstreamModel: dep-b, weight: ${weightB}, pricing: { input: 1, output: 1 }, quality: 0.8, contextWindow: 128000, capabilities: [tools, streaming] }
`;

const settings = (balancing: string): string => `apiVersion: tokenrouter/v1\nkind: Settings\nmetadata:\n  name: settings\nspec:\n  balancing: ${balancing}\n`;

interface Answer {
  status: number;
  provider: string | null;
  attempts: string | null;
  retryAfter: string | null;
  body: any;
}

async function ask(url: string, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${url}/v1/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ input: 'say hello', ...body }),
  });
  const text = await res.text();
  return {
    status: res.status,
    provider: res.headers.get('x-tokenrouter-provider'),
    attempts: res.headers.get('x-tokenrouter-attempts'),
    retryAfter: res.headers.get('retry-after'),
    body: body.stream ? text : JSON.parse(text),
  };
}

/** `n` requests, `concurrency` at a time. */
async function burst(n: number, concurrency: number, one: () => Promise<Answer>): Promise<Answer[]> {
  const out: Answer[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++;
        out.push(await one());
      }
    }),
  );
  return out;
}

describe('deployments and balancing', function () {
  this.timeout(120_000);
  let stack: DemoStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  const start = async (files: Record<string, string>, script?: SimScript): Promise<DemoStack> => {
    stack = await startDemoStack({ extraFiles: files, ...(script ? { script } : {}) });
    return stack;
  };
  const calls = (s: DemoStack, model: string): number => s.sim.calls.filter((c) => c.model === model).length;

  it('weighted 3:1 over 1,000 requests: shares within ±5 percentage points, the served deployment named in x-tokenrouter-provider', async () => {
    const s = await start({ 'deployments.yaml': deployments(3, 1) });
    const answers = await burst(1000, 8, () => ask(s.router.url, { model: 'dep' }));
    expect(answers.every((a) => a.status === 200)).to.equal(true);
    const a = calls(s, 'dep-a');
    expect(a + calls(s, 'dep-b')).to.equal(1000);
    expect(a / 1000).to.be.within(0.7, 0.8);
    // The header names the deployment that served each request.
    expect(answers.filter((x) => x.provider === 'openai')).to.have.length(a);
    expect(answers.filter((x) => x.provider === 'llama')).to.have.length(1000 - a);
  });

  it('weighted ignores latency: the same 3:1 when the heavier deployment is much slower', async () => {
    const s = await start({ 'deployments.yaml': deployments(3, 1) }, { models: { 'dep-a': { latencyMs: 40 } } });
    // Streams, so the router measures each deployment's time to first token.
    const answers = await burst(1000, 32, () => ask(s.router.url, { model: 'dep', stream: true }));
    expect(answers.every((x) => x.status === 200)).to.equal(true);
    expect(calls(s, 'dep-a') / 1000).to.be.within(0.7, 0.8);
    // The router did measure dep-a as slower: the shares hold despite it.
    const set = s.router.store.current()!;
    const slow = s.router.liveInputs.latency.latency({ provider: set.providers.get('openai')!, model: set.models.get('openai/dep')! });
    const fast = s.router.liveInputs.latency.latency({ provider: set.providers.get('llama')!, model: set.models.get('llama/dep')! });
    expect(slow!.ttftMs).to.be.at.least(40);
    expect(slow!.ttftMs).to.be.greaterThan(fast!.ttftMs);
  });

  it('a failing deployment (500, then ejected by its breaker) loses its share to the other; every request succeeds', async () => {
    const s = await start({ 'deployments.yaml': deployments(3, 1) }, { models: { 'dep-a': { fail: { status: 500 } } } });
    const answers = await burst(40, 1, () => ask(s.router.url, { model: 'dep' }));
    expect(answers.map((x) => x.status)).to.deep.equal(Array(40).fill(200));
    expect(answers.every((x) => x.provider === 'llama')).to.equal(true);
    // Weighted 3:1 would have sent 30 there; the breaker (5 consecutive failures) ejected it after a few.
    expect(calls(s, 'dep-a')).to.be.within(5, 8);
    expect(calls(s, 'dep-b')).to.equal(40);
  });

  it('least_busy under uneven latency: the slow deployment gets fewer of the concurrent requests', async () => {
    const s = await start({ 'deployments.yaml': deployments(1, 1), 'settings.yaml': settings('least_busy') }, { models: { 'dep-a': { latencyMs: 300 } } });
    const answers = await burst(60, 6, () => ask(s.router.url, { model: 'dep' }));
    expect(answers.every((x) => x.status === 200)).to.equal(true);
    const a = calls(s, 'dep-a');
    const b = calls(s, 'dep-b');
    expect(a + b).to.equal(60);
    // Weighted 1:1 would give 30 each; least_busy sends new requests where fewer are in flight.
    expect(a, `slow ${a}, fast ${b}`).to.be.below(15);
    expect(s.router.resilience.balancer.inFlight({ provider: s.router.store.current()!.providers.get('openai')!, model: s.router.store.current()!.models.get('openai/dep')! })).to.equal(0);
  });

  it('latency: once measured, the deployment with the lower live TTFT serves', async () => {
    const s = await start({ 'deployments.yaml': deployments(1, 1), 'settings.yaml': settings('latency') }, { models: { 'dep-a': { latencyMs: 200 } } });
    // Unmeasured deployments go first, so both get their five samples.
    await burst(12, 4, () => ask(s.router.url, { model: 'dep' }));
    expect(calls(s, 'dep-a')).to.be.at.least(5);
    const before = calls(s, 'dep-a');
    const answers = await burst(20, 1, () => ask(s.router.url, { model: 'dep' }));
    expect(answers.every((x) => x.status === 200 && x.provider === 'llama')).to.equal(true);
    expect(calls(s, 'dep-a')).to.equal(before);
  });

  it('explain shows the deployment group and the strategy', async () => {
    const s = await start({ 'deployments.yaml': deployments(3, 1), 'settings.yaml': settings('least_busy') });
    const res = await fetch(`${s.router.url}/v1/route/explain`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'dep', input: 'hi' }) });
    const ex = (await res.json()) as any;
    expect(res.status).to.equal(200);
    expect(ex.balancing).to.deep.equal({
      strategy: 'least_busy',
      groups: [{ model: 'dep', deployments: [{ provider: 'openai', weight: 3 }, { provider: 'llama', weight: 1 }] }],
    });
  });
});

describe('key pools', function () {
  this.timeout(60_000);
  const ENVS = { POOL_KEY_A: 'pool-key-a', POOL_KEY_B: 'pool-key-b', POOL_KEY_C: 'pool-key-c', POOL_KEY_SOLO: 'pool-key-solo' };
  const CLIENT = { authorization: 'Bearer pool-test-client' };
  let sim: Simulator | undefined;
  let router: TestRouter | undefined;
  afterEach(async () => {
    await router?.cleanup();
    await sim?.close();
    router = undefined;
    sim = undefined;
    for (const k of Object.keys(ENVS)) delete process.env[k];
  });

  const startPool = async (keys: string): Promise<{ sim: Simulator; router: TestRouter; poolKeys: () => string[] }> => {
    sim = await startSimulator({ port: 0 });
    Object.assign(process.env, ENVS);
    const files = {
      'pool.yaml': `apiVersion: tokenrouter/v1
kind: Providers
metadata:
  name: pool
spec:
  providers:
    - { name: pool, type: openai, baseUrl: "${sim.url}/openai/v1", apiKeyEnv: ${keys} }
    - { name: solo, type: openai, baseUrl: "${sim.url}/openai/v1", apiKeyEnv: POOL_KEY_SOLO }
`,
      'pooled.yaml': `apiVersion: tokenrouter/v1
kind: Models
metadata:
  name: pooled
spec:
  models:
    - { name: pooled, provider: pool, upstreamModel: pooled-p, pricing: { input: 1, output: 1 }, quality: 0.8, contextWindow: 128000, capabilities: [streaming] }
    - { name: pooled, provider: solo, upstreamModel: pooled-s, pricing: { input: 1, output: 1 }, quality: 0.8, contextWindow: 128000, capabilities: [streaming] }
`,
    };
    router = await startTestRouter({ files, apiKeys: [{ name: 'client', key: 'pool-test-client' }] });
    const s = sim;
    const poolKeys = (): string[] => s.calls.filter((c) => c.model === 'pooled-p').map((c) => (c.headers['authorization'] ?? '').replace(/^Bearer /, ''));
    return { sim, router, poolKeys };
  };

  it('spreads a provider’s calls over its keys round-robin; a key answered 429 sits out, the request goes on with the next key', async () => {
    const { sim: s, router: r, poolKeys } = await startPool('[POOL_KEY_A, POOL_KEY_B, POOL_KEY_C]');

    // Round-robin: the pool's calls use a, b, c, a, b, c.
    for (let i = 0; i < 6; i++) expect((await ask(r.url, { model: 'pool/pooled' }, CLIENT)).status).to.equal(200);
    expect(poolKeys()).to.deep.equal(['pool-key-a', 'pool-key-b', 'pool-key-c', 'pool-key-a', 'pool-key-b', 'pool-key-c']);

    // Key a gets a 429 with retry-after 30: the same request goes on at once with key b (two attempts, one provider).
    s.setScript({ models: { 'pooled-p': { fail: { status: 429, retryAfter: 30, times: 1 } } } });
    const cooled = await ask(r.url, { model: 'pool/pooled' }, CLIENT);
    expect([cooled.status, cooled.provider, cooled.attempts]).to.deep.equal([200, 'pool', '2']);
    expect(poolKeys().slice(6)).to.deep.equal(['pool-key-a', 'pool-key-b']);
    // While a sits out, the others carry the traffic.
    for (let i = 0; i < 4; i++) expect((await ask(r.url, { model: 'pool/pooled' }, CLIENT)).status).to.equal(200);
    expect(poolKeys().slice(8)).to.deep.equal(['pool-key-c', 'pool-key-b', 'pool-key-c', 'pool-key-b']);

    // b and c get a 429 too: every key sits out, so the provider is rate limited as a whole.
    s.setScript({ models: { 'pooled-p': { fail: { status: 429, retryAfter: 30, times: 2 } } } });
    const exhausted = await ask(r.url, { model: 'pool/pooled' }, CLIENT);
    expect(exhausted.status).to.equal(429);
    expect(exhausted.body.error.type).to.equal('rate_limit_error');
    expect(poolKeys().slice(12)).to.deep.equal(['pool-key-c', 'pool-key-b']);
    // …and the model's other deployment serves the unpinned requests, without calling the pool again.
    const callsBefore = poolKeys().length;
    for (let i = 0; i < 3; i++) {
      const a = await ask(r.url, { model: 'pooled' }, CLIENT);
      expect([a.status, a.provider]).to.deep.equal([200, 'solo']);
    }
    expect(poolKeys()).to.have.length(callsBefore);
    // No key value anywhere in what the router reports.
    const metrics = await r.router.metrics.registry.metrics();
    for (const v of Object.values(ENVS)) expect(metrics).to.not.contain(v);
  });

  it('a 429 on every key (no retry-after): the same request fails over to the next deployment, and the pool sits out the default', async () => {
    const { sim: s, router: r, poolKeys } = await startPool('[POOL_KEY_A, POOL_KEY_B]');
    s.setScript({ models: { 'pooled-p': { fail: { status: 429, times: 2 } } } });
    // Weighted 1:1 picks the pool first: a 429, b 429, then the solo deployment serves (three attempts).
    const first = await ask(r.url, { model: 'pooled' }, CLIENT);
    expect([first.status, first.provider, first.attempts]).to.deep.equal([200, 'solo', '3']);
    expect(poolKeys()).to.deep.equal(['pool-key-a', 'pool-key-b']);
    // Both keys sit out the default 30 s: the pool is tried in turn but has no key, so it is skipped without a call.
    const next = await Promise.all([1, 2, 3, 4].map(() => ask(r.url, { model: 'pooled' }, CLIENT)));
    expect(next.map((a) => [a.status, a.provider])).to.deep.equal(Array(4).fill([200, 'solo']));
    expect(next.map((a) => a.attempts).sort()).to.deep.equal(['1', '1', '2', '2']);
    expect(poolKeys()).to.have.length(2);
    const pinned = await ask(r.url, { model: 'pool/pooled' }, CLIENT);
    expect(pinned.status).to.equal(429);
    expect(pinned.body.error.message).to.contain('every key of its key pool is cooling down');
    expect(Number(pinned.retryAfter)).to.be.within(25, 30);
  });
});
