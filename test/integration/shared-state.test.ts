// The acceptance test and the Redis outage behaviour, with real
// routers (the same composition root `tokenrouter serve` uses) sharing the
// Redis at TOKENROUTER_TEST_REDIS_URL (default 127.0.0.1:6379; skipped with a
// console message when there is none), each run under its own key prefix:
//   - one key's rpm and one budget hold exactly across two routers under
//     concurrent load;
//   - GET /v1/usage on either router sees what both served;
//   - a response stored by router A is continued and replayed on router B;
//   - Redis going away (a TCP proxy the test cuts) gives fail_open /
//     fail_closed as configured, no crash, and recovery when it returns.
import { expect } from 'chai';
import net from 'node:net';
import type { DemoStack } from '../../src/cli/demo-stack.js';
import { deletePrefix, requireRedis, TEST_REDIS_URL, testPrefix } from '../unit/state/backends.js';
import { call, METERED_BODY, METERED_COST_USD, startStack, statusCounts, waitFor, type KeyDef } from './shared-state-stack.js';

const KEYS = {
  rpm: { name: 'rpm-key', key: 'sk-test-shared-rpm', extra: 'rpm: 20' },
  budget: { name: 'budget-key', key: 'sk-test-shared-budget', extra: 'budgetUsd: { amount: 0.02, period: day }' },
  small: { name: 'small-key', key: 'sk-test-shared-small', extra: 'rpm: 3' },
  plain: { name: 'plain-key', key: 'sk-test-shared-plain' },
  admin: { name: 'admin-key', key: 'sk-test-shared-admin', extra: 'admin: true' },
} satisfies Record<string, KeyDef>;

async function startShared(prefix: string, redisUrl: string, onUnavailable: 'fail_open' | 'fail_closed' = 'fail_open'): Promise<DemoStack> {
  const stack = await startStack({ keys: Object.values(KEYS), state: { backend: 'redis', redisUrl, keyPrefix: prefix, onUnavailable } });
  await waitFor('the router to connect to Redis', () => stack.router.state.up());
  return stack;
}

describe('shared state: two routers, one Redis', function () {
  this.timeout(60_000);
  const prefix = testPrefix();
  let a: DemoStack | undefined;
  let b: DemoStack | undefined;

  before(async function () {
    await requireRedis(this, 'two routers sharing Redis');
    a = await startShared(prefix, TEST_REDIS_URL);
    b = await startShared(prefix, TEST_REDIS_URL);
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    if (a) await deletePrefix(TEST_REDIS_URL, prefix);
  });
  const flush = async () => {
    await a!.router.state.flush();
    await b!.router.state.flush();
  };

  it('one key, rpm 20, 60 concurrent requests spread over both routers: exactly 20 succeed', async () => {
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => call((i % 2 ? a : b)!.router.url, KEYS.rpm.key)));
    expect(statusCounts(answers)).to.deep.equal({ 200: 20, 429: 40 });
    const servedBy = (s: DemoStack) => s.sim.calls.filter((c) => JSON.stringify(c).includes('metered')).length;
    expect(servedBy(a!), 'both routers served some').to.be.greaterThan(0);
    expect(servedBy(b!)).to.be.greaterThan(0);
    expect(answers.find((x) => x.status === 429)!.body.error.code).to.equal('rate_limit_exceeded');
  });

  it('one budget ($0.02, $0.004 a request), 20 concurrent requests over both routers: exactly 5 succeed, exactly $0.02 spent', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => call((i % 2 ? a : b)!.router.url, KEYS.budget.key)));
    expect(statusCounts(answers)).to.deep.equal({ 200: 5, 429: 15 });
    expect(answers.filter((x) => x.status === 429).every((x) => x.body.error.code === 'insufficient_quota')).to.equal(true);
    await flush();
    const usage = await call(b!.router.url, KEYS.budget.key, '/v1/usage?group_by=key', null);
    expect(usage.body.data).to.deep.equal([{ key: 'budget-key', requests: 20, errors: 15, input_tokens: 35, output_tokens: 20, cached_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0, cost_usd: 5 * METERED_COST_USD }]);
  });

  it('GET /v1/usage on either router aggregates what both served', async () => {
    await Promise.all([call(a!.router.url, KEYS.plain.key), call(a!.router.url, KEYS.plain.key), call(b!.router.url, KEYS.plain.key)]);
    await flush();
    for (const s of [a!, b!]) {
      const all = await call(s.router.url, KEYS.admin.key, '/v1/usage?group_by=key,provider,model', null);
      const plain = all.body.data.find((r: any) => r.key === 'plain-key');
      expect(plain).to.deep.equal({ key: 'plain-key', provider: 'openai', model: 'metered', requests: 3, errors: 0, input_tokens: 21, output_tokens: 12, cached_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0, cost_usd: 3 * METERED_COST_USD });
      const rpm = all.body.data.filter((r: any) => r.key === 'rpm-key').reduce((n: number, r: any) => n + r.requests, 0);
      expect(rpm).to.equal(60);
    }
  });

  it('a response created on router A is continued and replayed on router B (JSON and stream)', async () => {
    const first = await call(a!.router.url, KEYS.plain.key, '/v1/responses', { model: 'openai/metered', input: 'My name is Ada Lovelace.' });
    expect(first.status).to.equal(200);
    const next = await call(b!.router.url, KEYS.plain.key, '/v1/responses', { model: 'openai/metered', input: 'What is my name?', previous_response_id: first.body.id });
    expect(next.status, JSON.stringify(next.body)).to.equal(200);
    expect(JSON.stringify(b!.sim.calls.at(-1)), 'B sent the earlier turn upstream').to.include('My name is Ada Lovelace.');
    const replay = await call(b!.router.url, KEYS.plain.key, `/v1/responses/${first.body.id}`, null);
    expect(replay.status).to.equal(200);
    expect(replay.body.id).to.equal(first.body.id);
    expect(replay.body.output).to.deep.equal(first.body.output);

    // A streamed response is stored before its terminal event: continuing it right away on B works.
    const streamed = await call(a!.router.url, KEYS.plain.key, '/v1/responses', { model: 'openai/metered', input: 'Remember the number 4242.', stream: true });
    const id = /"id":"(resp_[^"]+)"/.exec(String(streamed.body))![1];
    const cont = await call(b!.router.url, KEYS.plain.key, '/v1/responses', { model: 'openai/metered', input: 'Which number?', previous_response_id: id });
    expect(cont.status, JSON.stringify(cont.body)).to.equal(200);
    expect(JSON.stringify(b!.sim.calls.at(-1))).to.include('Remember the number 4242.');
  });
});

/** A TCP proxy to Redis the test can cut and restore on the same port. */
class RedisProxy {
  #server: net.Server | undefined;
  readonly #sockets = new Set<net.Socket>();
  port = 0;

  constructor(readonly target: { host: string; port: number }) {}

  async start(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as net.AddressInfo).port;
    this.#server = server;
  }

  /** Redis "goes away": refuse new connections and cut the open ones. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const s of this.#sockets) s.destroy();
    if (server) await new Promise((r) => server.close(r));
  }
}

describe('shared state: Redis goes away mid-run and comes back', function () {
  this.timeout(60_000);
  const prefix = testPrefix();
  let proxy: RedisProxy | undefined;
  let open: DemoStack | undefined;
  let closed: DemoStack | undefined;

  before(async function () {
    await requireRedis(this, 'Redis outage behaviour');
    const target = new URL(TEST_REDIS_URL);
    proxy = new RedisProxy({ host: target.hostname, port: Number(target.port || 6379) });
    await proxy.start();
    const via = `redis://127.0.0.1:${proxy.port}${target.pathname.length > 1 ? target.pathname : ''}`;
    open = await startShared(prefix, via, 'fail_open');
    closed = await startShared(prefix, via, 'fail_closed');
  });
  after(async () => {
    await open?.stop();
    await closed?.stop();
    await proxy?.stop();
    if (proxy) await deletePrefix(TEST_REDIS_URL, prefix);
  });

  const metric = async (s: DemoStack, name: string, labels: Record<string, string> = {}): Promise<number> => {
    const text = await s.router.metrics.registry.getSingleMetricAsString(name);
    let sum = 0;
    for (const line of text.split('\n')) {
      if (!line.startsWith(name)) continue;
      if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.split(' ').at(-1));
    }
    return sum;
  };

  it('while Redis is down: fail_open serves without the shared limits (counted), fail_closed answers 503 state_unavailable; neither crashes', async () => {
    // Up: rpm 3 holds across both routers.
    const up = await Promise.all(Array.from({ length: 5 }, (_, i) => call((i % 2 ? open : closed)!.router.url, KEYS.small.key)));
    expect(statusCounts(up)).to.deep.equal({ 200: 3, 429: 2 });

    await proxy!.stop();
    await waitFor('both routers to notice', () => !open!.router.state.up() && !closed!.router.state.up());
    expect(await metric(open!, 'tokenrouter_state_backend_up')).to.equal(0);

    const started = Date.now();
    const served = await Promise.all(Array.from({ length: 4 }, () => call(open!.router.url, KEYS.small.key)));
    expect(statusCounts(served), 'fail_open: the limited key is served, over its rpm').to.deep.equal({ 200: 4 });
    expect(Date.now() - started, 'no request waits for Redis').to.be.lessThan(2_000);
    expect(await metric(open!, 'tokenrouter_state_backend_errors_total', { op: 'key_rate', handling: 'fail_open' })).to.be.greaterThanOrEqual(4);

    for (const key of [KEYS.small.key, KEYS.plain.key]) {
      const refused = await call(closed!.router.url, key);
      expect(refused.status).to.equal(503);
      expect(refused.body.error).to.include({ code: 'state_unavailable', type: 'service_unavailable_error' });
      expect(refused.headers.get('retry-after')).to.equal('2');
    }
    expect(await metric(closed!, 'tokenrouter_state_backend_errors_total', { handling: 'fail_closed' })).to.be.greaterThanOrEqual(2);
    const stored = await call(open!.router.url, KEYS.plain.key, '/v1/responses/resp_missing', null);
    expect(stored.status, 'a stored response cannot be read: 503 even when failing open').to.equal(503);
    for (const s of [open!, closed!]) expect((await fetch(`${s.router.url}/healthz`)).status).to.equal(200);
  });

  it('when Redis returns both routers recover by themselves: the shared limits apply again and fail_closed serves', async () => {
    await proxy!.start(); // the same port
    await waitFor('both routers to reconnect', () => open!.router.state.up() && closed!.router.state.up(), 15_000);
    expect(await metric(open!, 'tokenrouter_state_backend_up')).to.equal(1);
    // The 3 requests counted before the outage are still in the shared window.
    expect((await call(open!.router.url, KEYS.small.key)).status).to.equal(429);
    expect((await call(closed!.router.url, KEYS.small.key)).status).to.equal(429);
    expect((await call(closed!.router.url, KEYS.plain.key)).status).to.equal(200);
  });
});
