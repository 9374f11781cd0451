// Live routing inputs end to end, through the router and the simulators:
// account limits (rpm at routing time, maxConcurrency at admission), a 429
// retry-after cool-down, API key scopes, live latency reordering the latency
// mode, and a price source on a loopback server reordering the cost mode.
//
// Most cases use two "twin" models: the same name on openai (upstream id
// twin-a) and on anthropic (twin-b), with identical catalog prices, quality
// and latency priors. Their scores tie, so openai (declared first) leads until
// live state says otherwise — which makes every change of order attributable.
import { expect } from 'chai';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { startDemoStack, type DemoStack } from '../../src/cli/demo-stack.js';
import type { SimScript } from '../../src/simulator/index.js';
import { normalizeResponsesRequest } from '../../src/api/responses/normalize.js';
import { UpstreamClient } from '../../src/upstream/client.js';
import { dispatchOnce, type Attempt } from '../../src/upstream/dispatch.js';
import { resilienceSettings, ResilienceState } from '../../src/upstream/resilience.js';
import { apiKeysYaml } from '../helpers/router.js';

const TWINS = `apiVersion: tokenrouter/v1
kind: Models
metadata:
  name: twins
spec:
  models:
    - { name: twin, provider: openai, upstreamModel: twin-a, pricing: { input: 1, output: 1 }, quality: 0.8, contextWindow: 128000, latency: { ttftMs: 300, tokensPerSecond: 100 }, capabilities: [tools, streaming] }
    - { name: twin, provider: anthropic, upstreamModel: twin-b, pricing: { input: 1, output: 1 }, quality: 0.8, contextWindow: 128000, maxOutputTokens: 4096, latency: { ttftMs: 300, tokensPerSecond: 100 }, capabilities: [tools, streaming] }
`;

interface Answer {
  status: number;
  provider: string | null;
  attempts: string | null;
  cost: string | null;
  retryAfter: string | null;
  body: any;
}

describe('live routing inputs (limits, cool-downs, key scopes, latency, prices)', function () {
  this.timeout(30_000);
  let stack: DemoStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  const start = async (extraFiles: Record<string, string> = {}, script?: SimScript): Promise<DemoStack> => {
    stack = await startDemoStack({ extraFiles: { 'twins.yaml': TWINS, ...extraFiles }, ...(script ? { script } : {}) });
    return stack;
  };

  const ask = async (s: DemoStack, body: Record<string, unknown>, key?: string): Promise<Answer> => {
    const res = await fetch(`${s.router.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ input: 'say hello', ...body }),
    });
    const text = await res.text();
    return {
      status: res.status,
      provider: res.headers.get('x-tokenrouter-provider'),
      attempts: res.headers.get('x-tokenrouter-attempts'),
      cost: res.headers.get('x-tokenrouter-cost-usd'),
      retryAfter: res.headers.get('retry-after'),
      body: body.stream ? text : JSON.parse(text),
    };
  };

  const callsTo = (s: DemoStack, model: string): number => s.sim.calls.filter((c) => c.model === model).length;

  /** Adds `limits` to the openai provider of the running stack (providers.yaml holds the simulator URL) and reloads. */
  const limitOpenAi = async (s: DemoStack, limits: string): Promise<void> => {
    const file = path.join(s.policyDir, 'providers.yaml');
    const text = await readFile(file, 'utf8');
    const next = text.replace('apiKeyEnv: DEMO_OPENAI_KEY }', `apiKeyEnv: DEMO_OPENAI_KEY, limits: ${limits} }`);
    expect(next).to.not.equal(text);
    await writeFile(file, next);
    await s.router.reloader.reload();
    const problems = JSON.stringify(s.router.store.lastReload()?.problems ?? []);
    expect(s.router.store.current()!.providers.get('openai')!.limits, `the limits are live (reload problems: ${problems})`).to.not.equal(undefined);
  };

  it('a provider at its rpm limit is excluded: the next candidate serves without calling it; alone, it is a 429', async () => {
    const s = await start();
    await limitOpenAi(s, '{ rpm: 1 }');
    const first = await ask(s, { model: 'twin' });
    expect([first.status, first.provider]).to.deep.equal([200, 'openai']);
    const second = await ask(s, { model: 'twin' });
    expect([second.status, second.provider, second.attempts]).to.deep.equal([200, 'anthropic', '1']);
    expect(callsTo(s, 'twin-a')).to.equal(1);
    // Forced onto the limited provider: 429 with retry-after (it will pass), and the reason.
    const forced = await ask(s, { model: 'openai/twin' });
    expect(forced.status).to.equal(429);
    expect(Number(forced.retryAfter)).to.be.within(1, 60);
    expect(forced.body.error.code).to.equal('rate_limit_exceeded');
    expect(forced.body.error.message).to.contain('openai/twin: limits: 1 requests in the last 60 s (rpm 1)');
    const metrics = await s.router.metrics.registry.metrics();
    expect(metrics).to.match(/tokenrouter_routing_exclusions_total\{provider="openai",filter="limits"\} 2/);
  });

  it('maxConcurrency: concurrent requests spill over to the next candidate, and every slot is given back', async () => {
    const s = await start({}, { models: { 'twin-a': { latencyMs: 400 } } });
    await limitOpenAi(s, '{ maxConcurrency: 1 }');
    const answers = await Promise.all([1, 2, 3].map(() => ask(s, { model: 'twin' })));
    expect(answers.map((a) => a.status)).to.deep.equal([200, 200, 200]);
    expect(answers.filter((a) => a.provider === 'openai')).to.have.length(1);
    expect(callsTo(s, 'twin-a')).to.equal(1);
    // The spill-overs saw the slot taken while routing (1 attempt) or, in a race, at admission (2 attempts).
    for (const a of answers.filter((x) => x.provider === 'anthropic')) expect(['1', '2']).to.include(a.attempts);
    const metrics = await s.router.metrics.registry.metrics();
    expect(metrics).to.match(/tokenrouter_provider_in_flight\{provider="openai"\} 0/);
  });

  it('a limit reached between routing and the attempt: admission refuses, the loop fails over, slots are released', async () => {
    const s = await start();
    await limitOpenAi(s, '{ maxConcurrency: 1 }');
    const set = s.router.store.current()!;
    const routing = s.router.liveInputs;
    const twin = (p: string) => ({ provider: set.providers.get(p)!, model: set.models.get(`${p}/twin`)! });
    // Another request takes openai's only slot after this one was routed.
    const held = await routing.admit(set, twin('openai'));
    if (!held.ok) throw new Error('the slot should be free');
    const attempts: Attempt[] = [];
    const settings = resilienceSettings(set);
    const client = new UpstreamClient();
    try {
      const { candidate } = await dispatchOnce({
        request: normalizeResponsesRequest({ model: 'twin', input: 'say hello' }),
        candidates: [twin('openai'), twin('anthropic')],
        client,
        signal: new AbortController().signal,
        attempts,
        resilience: new ResilienceState(),
        settings,
        deadline: Date.now() + settings.requestTimeoutMs,
        hooks: routing.dispatchHooks(set),
      });
      expect(candidate.provider.name).to.equal('anthropic');
    } finally {
      await client.close();
    }
    expect(attempts.map((a) => `${a.provider}:${a.outcome}:${a.reason ?? ''}`)).to.deep.equal(['openai:failover:rate_limited', 'anthropic:success:']);
    expect(callsTo(s, 'twin-a'), 'the refused attempt never reached openai').to.equal(0);
    expect(routing.limits.usage('openai')).to.deep.include({ inFlight: 1, requestsLastMinute: 1 });
    expect(routing.limits.usage('anthropic')).to.deep.include({ inFlight: 0, requestsLastMinute: 1 });
    held.release();
    expect(routing.limits.usage('openai').inFlight).to.equal(0);
  });

  it('a client that disconnects mid-stream gives its slot back', async () => {
    const s = await start({}, { models: { 'twin-a': { tokensPerSecond: 5 } } });
    await limitOpenAi(s, '{ maxConcurrency: 1 }');
    const abort = new AbortController();
    const res = await fetch(`${s.router.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/twin', input: 'say hello', stream: true }),
      signal: abort.signal,
    });
    expect(res.headers.get('x-tokenrouter-provider')).to.equal('openai');
    const reader = res.body!.getReader();
    await reader.read();
    expect(s.router.liveInputs.limits.usage('openai').inFlight, 'held while streaming').to.equal(1);
    abort.abort();
    await reader.cancel().catch(() => undefined);
    const until = Date.now() + 3000;
    while (s.router.liveInputs.limits.usage('openai').inFlight !== 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(s.router.liveInputs.limits.usage('openai').inFlight).to.equal(0);
    expect((await ask(s, { model: 'openai/twin' })).status, 'the slot is usable again').to.equal(200);
  });

  it('a 429 with retry-after cools the model down: later requests go elsewhere without calling it, until it expires', async () => {
    const s = await start({}, { models: { 'twin-a': { fail: { status: 429, retryAfter: 2 } } } });
    const first = await ask(s, { model: 'twin' });
    expect([first.status, first.provider, first.attempts]).to.deep.equal([200, 'anthropic', '2']);
    expect(callsTo(s, 'twin-a')).to.equal(1);
    const second = await ask(s, { model: 'twin' });
    expect([second.status, second.provider, second.attempts]).to.deep.equal([200, 'anthropic', '1']);
    expect(callsTo(s, 'twin-a'), 'the cooling model was not called again').to.equal(1);
    const forced = await ask(s, { model: 'openai/twin' });
    expect([forced.status, forced.retryAfter]).to.deep.equal([429, '2']);
    expect(forced.body.error.message).to.match(/openai\/twin: cooldown: model cooling down until \S+Z \(\d s, the provider's retry-after\)/);
    // Other openai models are not affected by this model's rate limit.
    expect((await ask(s, { model: 'gpt-4o' })).provider).to.equal('openai');
    s.sim.setScript({});
    await new Promise((r) => setTimeout(r, 2100));
    // Expired: the openai twin takes its share again (the twins are two deployments of one model, balanced 1:1).
    const later = [await ask(s, { model: 'twin' }), await ask(s, { model: 'twin' })];
    expect(later.map((a) => a.status)).to.deep.equal([200, 200]);
    expect(later.map((a) => a.provider)).to.include('openai');
    expect(callsTo(s, 'twin-a')).to.equal(2);
    expect(await s.router.metrics.registry.metrics()).to.match(/tokenrouter_provider_cooldowns_total\{provider="openai"\} 1/);
  });

  it('an API key limited to one provider is never routed elsewhere (422 naming the api_key_scope filter, not a retryable 429)', async () => {
    const s = await start({
      'keys.yaml': apiKeysYaml([
        { name: 'scoped', key: 'sk-scoped' },
        { name: 'free', key: 'sk-free' },
      ]).replace(/(    - name: scoped\n.*\n)/, '$1      allowedProviders: [anthropic]\n'),
    });
    expect([...s.router.store.current()!.scopes.keys()]).to.deep.equal(['scoped']);
    const refused = await ask(s, { model: 'gpt-4o' }, 'sk-scoped');
    expect([refused.status, refused.retryAfter]).to.deep.equal([422, null]);
    expect(refused.body.error.code).to.equal('no_candidates');
    expect(refused.body.error.message).to.contain('openai/gpt-4o: api_key_scope: key "scoped" may use providers anthropic');
    expect((await ask(s, { model: 'twin' }, 'sk-scoped')).provider, 'openai leads the twins, but not for this key').to.equal('anthropic');
    expect((await ask(s, { model: 'auto:cost' }, 'sk-scoped')).provider).to.equal('anthropic');
    expect((await ask(s, { model: 'gpt-4o' }, 'sk-free')).provider, 'other keys are not scoped').to.equal('openai');
  });

  it('live latency picks the deployment under balancing: latency once each has enough samples', async () => {
    // The twins are two deployments of one model: the mode ranks models, so which twin serves is the
    // balancing strategy's choice (docs/routing/balancing.md); `latency` reads the same live statistics.
    const s = await start({ 'settings.yaml': 'apiVersion: tokenrouter/v1\nkind: Settings\nmetadata:\n  name: settings\nspec:\n  balancing: latency\n' }, { models: { 'twin-a': { ttftMs: 600 } } });
    // Ten concurrent streams, all unmeasured (a tie: the weighted order alternates), five each; openai's measure ≈600 ms to first token.
    const warmup = await Promise.all(Array.from({ length: 10 }, () => ask(s, { model: 'twin:latency', stream: true })));
    // (An unmeasured deployment goes first, so openai, measured last, may take one more if the burst spreads out.)
    const openai = warmup.filter((a) => a.provider === 'openai').length;
    expect(openai).to.be.within(5, 6);
    const set = s.router.store.current()!;
    const live = s.router.liveInputs.latency.latency({ provider: set.providers.get('openai')!, model: set.models.get('openai/twin')! });
    expect(live?.ttftMs).to.be.within(550, 2000);
    expect(live?.ttftSamples).to.equal(openai);
    // The anthropic twin answers at once: it is faster now.
    const next = await ask(s, { model: 'twin:latency', stream: true });
    expect(next.provider).to.equal('anthropic');
    // Non-stream requests read the same statistics.
    expect((await ask(s, { model: 'twin:latency' })).provider).to.equal('anthropic');
  });

  describe('price source on a loopback server', () => {
    let server: Server | undefined;
    afterEach(async () => {
      await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
      server = undefined;
    });

    it('changes the cost-mode ordering, and the cost header uses the live price', async () => {
      let body: string | undefined; // undefined → 503 (the source is down: catalog prices apply)
      server = createServer((_req, res) => (body === undefined ? res.writeHead(503).end() : res.writeHead(200, { 'content-type': 'application/json' }).end(body)));
      await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/model_prices_and_context_window.json`;
      const s = await start({
        'settings.yaml': `apiVersion: tokenrouter/v1\nkind: Settings\nmetadata:\n  name: settings\nspec:\n  priceSources:\n    - { url: "${url}", format: litellm }\n`,
      });
      await s.router.liveInputs.prices.refreshAll();
      expect(s.router.liveInputs.prices.status()[0]!.lastError).to.equal('HTTP 503');
      expect((await ask(s, { model: 'twin:cost' })).provider, 'catalog prices tie: declared order').to.equal('openai');

      body = JSON.stringify({ 'twin-b': { input_cost_per_token: 1e-7, output_cost_per_token: 2e-7, litellm_provider: 'anthropic' } });
      await s.router.liveInputs.prices.refreshAll();
      const cheap = await ask(s, { model: 'twin:cost' });
      expect(cheap.provider).to.equal('anthropic');
      const u = cheap.body.usage as { input_tokens: number; output_tokens: number };
      expect(Number(cheap.cost)).to.be.closeTo((u.input_tokens * 0.1 + u.output_tokens * 0.2) / 1e6, 1e-8);
      const metrics = await s.router.metrics.registry.metrics();
      expect(metrics).to.match(/tokenrouter_price_source_refresh_total\{source="0",result="success"\} 1/);
      expect(metrics).to.match(/tokenrouter_price_source_models\{source="0"\} 1/);
    });

    it('stops with the router', async () => {
      let hits = 0;
      server = createServer((_req, res) => {
        hits++;
        res.writeHead(200).end('{}');
      });
      await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/p.json`;
      const s = await start({ 'settings.yaml': `apiVersion: tokenrouter/v1\nkind: Settings\nmetadata:\n  name: settings\nspec:\n  priceSources:\n    - { url: "${url}", format: litellm }\n` });
      await s.router.liveInputs.prices.refreshAll();
      expect(hits).to.be.at.least(1);
      await s.stop();
      stack = undefined;
      expect(s.router.liveInputs.prices.status()).to.deep.equal([]);
    });
  });
});
