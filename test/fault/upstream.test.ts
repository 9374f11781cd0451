// Fault injection, docs/reliability.md#group-a: every row is a test here. Each
// test starts its own router + simulator (fresh breakers, budget and metrics),
// routes its requests with its own rule (metadata {fault: <rule>} → primary,
// then the fallback chain), scripts the fault, and asserts four things: what
// the client saw (status, schema-valid body or events), what each upstream saw
// (simulator calls in order), the metrics, and the decision headers.
//
// Covered elsewhere, not repeated here:
//   A18 end to end with the openai SDK and golden fixtures: test/integration/sdk-e2e.test.ts
//       ("fails over … OpenAI → Anthropic re-translated"); below only the re-translation itself.
//   A19 back-off distribution over 1,000 draws: test/unit/upstream/resilience-primitives.test.ts.
import { expect } from 'chai';
import {
  assertValid,
  validateChatCompletionChunk,
  validateErrorResponse,
  validateResponseStreamEvent,
  warmUpOpenApiValidators,
} from '../helpers/openapi.js';
import {
  chatBody,
  closedPort,
  hasSeries,
  LONG_PROMPT,
  metric,
  post,
  responsesBody,
  scrape,
  sseFrames,
  startBlackhole,
  startFaultStack,
  startFront,
  waitFor,
  type Blackhole,
  type FaultStack,
  type FaultStackOptions,
  type Front,
} from './helpers.js';

const OPENAI = { provider: 'openai', model: 'gpt-4.1' };
const CLAUDE = { provider: 'anthropic', model: 'claude-3-haiku' };
/** The standard chain: OpenAI primary, Anthropic fallback (a different wire protocol). */
const CHAIN = { name: 'chain', primary: 'openai/gpt-4.1', fallback: ['anthropic/claude-3-haiku'] };

describe('fault injection: upstream faults, retries and failover (docs/reliability.md#group-a)', function () {
  this.timeout(20_000);
  let stack: FaultStack | undefined;
  const fronts: Front[] = [];

  before(() => warmUpOpenApiValidators());
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
    for (const f of fronts.splice(0)) await f.close();
  });

  async function start(opts: FaultStackOptions): Promise<FaultStack> {
    stack = await startFaultStack(opts);
    return stack;
  }

  /** Models the simulator was called with, in order. */
  const calledModels = (s: FaultStack): string[] => s.sim.calls.map((c) => c.model);

  const attempts = (m: string, t: { provider: string; model: string }, outcome: string): number =>
    metric(m, 'tokenrouter_upstream_attempts_total', { ...t, outcome });

  async function jsonOf(res: Response): Promise<any> {
    expect(res.headers.get('content-type')).to.match(/^application\/json/);
    return res.json();
  }

  async function expectError(res: Response, status: number, code: string | null): Promise<any> {
    expect(res.status).to.equal(status);
    const body = await jsonOf(res);
    assertValid('ErrorResponse', body);
    expect(body.error.code).to.equal(code);
    return body;
  }

  describe('A1 429 with a retry-after', () => {
    it('fails over at once (no same-provider retry), then skips the provider until the retry-after has passed', async () => {
      const s = await start({ script: { models: { 'gpt-4.1': { fail: { status: 429, retryAfter: 2, times: 1 } } } }, routes: [CHAIN] });
      const first = await post(`${s.url}/v1/responses`, responsesBody('chain'));
      expect(first.res.status).to.equal(200);
      assertValid('Response', await first.res.json());
      expect(first.ms, 'a 429 never waits out its retry-after in-request').to.be.lessThan(1_000);
      expect(first.res.headers.get('x-tokenrouter-provider')).to.equal('anthropic');
      expect(first.res.headers.get('x-tokenrouter-attempts')).to.equal('2');
      expect(first.res.headers.get('x-tokenrouter-failover-reason')).to.equal('rate_limited');
      expect(calledModels(s)).to.deep.equal(['gpt-4.1', 'claude-3-haiku']);
      const rejectedAt = s.sim.calls[0]!.at;

      let m = await scrape(s.url);
      expect(attempts(m, OPENAI, 'failover')).to.equal(1);
      expect(attempts(m, CLAUDE, 'success')).to.equal(1);
      expect(metric(m, 'tokenrouter_retries_total')).to.equal(0);
      expect(metric(m, 'tokenrouter_failovers_total', { reason: 'rate_limited' })).to.equal(1);
      expect(metric(m, 'tokenrouter_provider_cooldowns_total', { provider: 'openai' })).to.equal(1);
      expect(metric(m, 'tokenrouter_circuit_state', OPENAI), 'a 429 is not a provider fault').to.equal(0); // every catalog model has a series; 0 = closed

      // A following request inside the window goes straight to the fallback: one attempt, no failover.
      const second = await post(`${s.url}/v1/responses`, responsesBody('chain'));
      expect(second.res.status).to.equal(200);
      await second.res.json();
      expect(Date.now() - rejectedAt).to.be.lessThan(2_000);
      expect(second.res.headers.get('x-tokenrouter-attempts')).to.equal('1');
      expect(second.res.headers.get('x-tokenrouter-failover-reason')).to.equal(null);
      expect(calledModels(s)).to.deep.equal(['gpt-4.1', 'claude-3-haiku', 'claude-3-haiku']);

      // Once the 2 s are over, the primary is tried again (and, its fault spent, serves).
      await waitFor(
        async () => {
          const r = await post(`${s.url}/v1/responses`, responsesBody('chain'));
          await r.res.json();
          return r.res.headers.get('x-tokenrouter-provider') === 'openai';
        },
        5_000,
        'the primary to be tried again',
      );
      const again = s.sim.calls.filter((c) => c.model === 'gpt-4.1');
      expect(again).to.have.length(2);
      expect(again[1]!.at - rejectedAt).to.be.within(2_000, 3_000);
      m = await scrape(s.url);
      expect(metric(m, 'tokenrouter_retries_total')).to.equal(0);
    });

    it('retry-after-ms is honoured the same way (a cool-down of at least that long)', async () => {
      const limited = { status: 429, headers: { 'retry-after-ms': '600' }, body: { error: { message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' } } };
      const front = await startFront((_call, n) => (n === 1 ? limited : undefined));
      fronts.push(front);
      const route = { name: 'rl', primary: 'limited/rl-model', fallback: ['anthropic/claude-3-haiku'] };
      const s = await start({ routes: [route], providers: [{ name: 'limited', baseUrl: `${front.url}/openai/v1`, models: ['rl-model'] }] });
      front.target = s.sim.url;

      const first = await post(`${s.url}/v1/responses`, responsesBody('rl'));
      expect(first.res.status).to.equal(200);
      await first.res.json();
      expect(first.res.headers.get('x-tokenrouter-failover-reason')).to.equal('rate_limited');
      expect(front.calls).to.have.length(1);
      const rejectedAt = front.calls[0]!.openedAt;

      const second = await post(`${s.url}/v1/responses`, responsesBody('rl'));
      await second.res.json();
      expect(second.res.headers.get('x-tokenrouter-provider')).to.equal('anthropic');
      expect(second.res.headers.get('x-tokenrouter-attempts')).to.equal('1');
      expect(front.calls, 'skipped while cooling down').to.have.length(1);

      await waitFor(
        async () => {
          const r = await post(`${s.url}/v1/responses`, responsesBody('rl'));
          await r.res.json();
          return r.res.headers.get('x-tokenrouter-provider') === 'limited';
        },
        5_000,
        'the rate-limited provider to be tried again',
      );
      // retry-after-ms is kept in whole seconds (rounded up): 600 ms cools the provider down for 1 s.
      expect(front.calls[1]!.openedAt - rejectedAt).to.be.within(600, 1_600);
    });

    it('the only candidate answering 429: the client gets 429 with the retry-after, at once', async () => {
      const s = await start({ script: { models: { 'gpt-4o': { fail: { status: 429, retryAfter: 2 } } } } });
      const { res, ms } = await post(`${s.url}/v1/chat/completions`, { model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
      expect(ms).to.be.lessThan(1_000);
      expect(res.headers.get('retry-after')).to.equal('2');
      await expectError(res, 429, 'rate_limit_exceeded');
      expect(res.headers.get('x-tokenrouter-attempts')).to.equal('1');
      expect(calledModels(s)).to.deep.equal(['gpt-4o']);
      const m = await scrape(s.url);
      expect(attempts(m, { provider: 'openai', model: 'gpt-4o' }, 'error')).to.equal(1);
      expect(metric(m, 'tokenrouter_requests_total', { outcome: 'error' })).to.equal(1);
    });

    it('a 503 with a short retry-after is retried on the same provider only after it', async () => {
      const s = await start({ script: { models: { 'gpt-4.1': { fail: { status: 503, retryAfter: 1, times: 1 } } } }, routes: [CHAIN] });
      const { res } = await post(`${s.url}/v1/responses`, responsesBody('chain'));
      expect(res.status).to.equal(200);
      assertValid('Response', await res.json());
      expect(res.headers.get('x-tokenrouter-provider')).to.equal('openai');
      expect(calledModels(s)).to.deep.equal(['gpt-4.1', 'gpt-4.1']);
      expect(s.sim.calls[1]!.at - s.sim.calls[0]!.at).to.be.within(1_000, 2_000);
      const m = await scrape(s.url);
      expect(metric(m, 'tokenrouter_retries_total', { ...OPENAI, reason: 'overloaded' })).to.equal(1);
    });

    it('a 503 whose retry-after exceeds maxRetryAfterMs fails over at once instead of waiting', async () => {
      const s = await start({ script: { models: { 'gpt-4.1': { fail: { status: 503, retryAfter: 30 } } } }, routes: [CHAIN], resilience: { maxRetryAfterMs: 2_000 } });
      const { res, ms } = await post(`${s.url}/v1/responses`, responsesBody('chain'));
      expect(res.status).to.equal(200);
      await res.json();
      expect(ms).to.be.lessThan(1_000);
      expect(calledModels(s)).to.deep.equal(['gpt-4.1', 'claude-3-haiku']);
      expect(res.headers.get('x-tokenrouter-failover-reason')).to.equal('overloaded');
      expect(metric(await scrape(s.url), 'tokenrouter_retries_total')).to.equal(0);
    });
  });

  describe('A2 429 spend cap (enforced_spend_limit_reached)', () => {
    const SPEND_CAP = {
      type: 'error',
      error: { type: 'rate_limit_error', message: 'You have reached your spend limit.', details: { error_code: 'enforced_spend_limit_reached' } },
    };
    const route = { name: 'spend', primary: 'anthropic/claude-sonnet-4-5', fallback: ['openai/gpt-4o'] };

    it('is not retried on that provider and never trips its breaker; the fallback serves', async () => {
      const s = await start({ script: { models: { 'claude-sonnet-4-5': { fail: { status: 429, body: SPEND_CAP } } } }, routes: [route] });
      // One more request than the breaker's default threshold (5 consecutive failures).
      for (let i = 0; i < 6; i++) {
        const { res } = await post(`${s.url}/v1/responses`, responsesBody('spend'));
        expect(res.status).to.equal(200);
        assertValid('Response', await res.json());
        expect(res.headers.get('x-tokenrouter-provider')).to.equal('openai');
        expect(res.headers.get('x-tokenrouter-attempts')).to.equal('2');
        expect(res.headers.get('x-tokenrouter-failover-reason')).to.equal('quota');
      }
      expect(calledModels(s)).to.deep.equal(Array.from({ length: 6 }, () => ['claude-sonnet-4-5', 'gpt-4o']).flat());
      const m = await scrape(s.url);
      expect(attempts(m, { provider: 'anthropic', model: 'claude-sonnet-4-5' }, 'failover')).to.equal(6);
      expect(metric(m, 'tokenrouter_retries_total')).to.equal(0);
      expect(metric(m, 'tokenrouter_failovers_total', { reason: 'quota' })).to.equal(6);
      expect(metric(m, 'tokenrouter_circuit_state', { provider: 'anthropic' })).to.equal(0); // every catalog model has a series; 0 = closed
    });

    it('as the only candidate: 429 insufficient_quota marked not retryable', async () => {
      const s = await start({ script: { models: { 'claude-sonnet-4-5': { fail: { status: 429, body: SPEND_CAP } } } } });
      const { res } = await post(`${s.url}/v1/responses`, { model: 'anthropic/claude-sonnet-4-5', input: 'hi' });
      await expectError(res, 429, 'insufficient_quota');
      expect(res.headers.get('x-should-retry')).to.equal('false');
      expect(calledModels(s)).to.deep.equal(['claude-sonnet-4-5']);
    });
  });

  describe('A3 500, 502, 503, 504', () => {
    const cases = [
      { status: 500, reason: 'server_error' },
      { status: 502, reason: 'server_error' },
      { status: 503, reason: 'overloaded' },
      { status: 504, reason: 'server_error' },
    ];
    for (const c of cases) {
      it(`${c.status}: one jittered same-provider retry, then failover to the next candidate`, async () => {
        const s = await start({ script: { models: { 'gpt-4.1': { fail: { status: c.status } } } }, routes: [CHAIN] });
        const { res } = await post(`${s.url}/v1/chat/completions`, chatBody('chain'));
        expect(res.status).to.equal(200);
        assertValid('ChatCompletion', await res.json());
        expect(res.headers.get('x-tokenrouter-provider')).to.equal('anthropic');
        expect(res.headers.get('x-tokenrouter-attempts')).to.equal('3');
        expect(res.headers.get('x-tokenrouter-failover-reason')).to.equal(c.reason);
        expect(calledModels(s)).to.deep.equal(['gpt-4.1', 'gpt-4.1', 'claude-3-haiku']);
        // Retry 1 waits a uniform [0, 25) ms (A19 checks the distribution); capped at 250 ms in any case.
        expect(s.sim.calls[1]!.at - s.sim.calls[0]!.at).to.be.lessThan(600); // well under any retry-after wait (≥ 1 s)
        const m = await scrape(s.url);
        expect(metric(m, 'tokenrouter_retries_total', { ...OPENAI, reason: c.reason })).to.equal(1);
        expect(metric(m, 'tokenrouter_failovers_total', { reason: c.reason })).to.equal(1);
        expect(attempts(m, OPENAI, 'retry')).to.equal(1);
        expect(attempts(m, OPENAI, 'failover')).to.equal(1);
        expect(attempts(m, CLAUDE, 'success')).to.equal(1);
        expect(metric(m, 'tokenrouter_requests_total', { api: 'chat', provider: 'anthropic', outcome: 'success' })).to.equal(1);
      });
    }

    it('retries and failovers all fit inside the overall deadline (requestTimeoutMs)', async () => {
      const slowFail = { fail: { status: 503 }, latencyMs: 150 };
      const s = await start({
        script: { models: { 'gpt-4.1': slowFail, 'claude-3-haiku': slowFail } },
        routes: [CHAIN],
        resilience: { requestTimeoutMs: 1_000, maxRetriesPerProvider: 10 },
      });
      const t0 = performance.now();
      const { res } = await post(`${s.url}/v1/responses`, responsesBody('chain'));
      const body = await jsonOf(res);
      const elapsed = performance.now() - t0;
      assertValid('ErrorResponse', body);
      expect(res.status).to.be.oneOf([503, 504]);
      expect(elapsed).to.be.within(800, 1_600);
      expect(s.sim.calls.length).to.be.at.least(4);
      const last = s.sim.calls.at(-1)!;
      expect(last.at - s.sim.calls[0]!.at).to.be.lessThan(1_000);
    });
  });

  describe('A4 529 overloaded', () => {
    it('is retryable (Portkey omits 529): retried on Anthropic, then failed over', async () => {
      const route = { name: 'overload', primary: 'anthropic/claude-sonnet-4-5', fallback: ['openai/gpt-4o'] };
      const s = await start({ script: { models: { 'claude-sonnet-4-5': { fail: { status: 529 } } } }, routes: [route] });
      const { res } = await post(`${s.url}/v1/responses`, responsesBody('overload'));
      expect(res.status).to.equal(200);
      assertValid('Response', await res.json());
      expect(res.headers.get('x-tokenrouter-attempts')).to.equal('3');
      expect(res.headers.get('x-tokenrouter-failover-reason')).to.equal('overloaded');
      expect(calledModels(s)).to.deep.equal(['claude-sonnet-4-5', 'claude-sonnet-4-5', 'gpt-4o']);
      const m = await scrape(s.url);
      expect(metric(m, 'tokenrouter_retries_total', { provider: 'anthropic', model: 'claude-sonnet-4-5', reason: 'overloaded' })).to.equal(1);
      expect(metric(m, 'tokenrouter_failovers_total', { reason: 'overloaded' })).to.equal(1);
    });
  });

  describe('A5 400, 401, 403, 404, 422', () => {
    const terminal = [
      { status: 400, client: 400, code: null },
      { status: 403, client: 403, code: null },
      { status: 404, client: 404, code: 'model_not_found' },
      { status: 422, client: 400, code: null },
    ];
    for (const c of terminal) {
      it(`${c.status}: never retried, never failed over; the client gets ${c.client}`, async () => {
        const s = await start({ script: { models: { 'gpt-4.1': { fail: { status: c.status } } } }, routes: [CHAIN] });
        const { res } = await post(`${s.url}/v1/responses`, responsesBody('chain'));
        await expectError(res, c.client, c.code);
        expect(res.headers.get('x-tokenrouter-attempts')).to.equal('1');
        expect(res.headers.get('x-tokenrouter-failover-reason')).to.equal(null);
        expect(calledModels(s)).to.deep.equal(['gpt-4.1']);
        const m = await scrape(s.url);
        expect(attempts(m, OPENAI, 'error')).to.equal(1);
        expect(metric(m, 'tokenrouter_retries_total')).to.equal(0);
        expect(metric(m, 'tokenrouter_failovers_total')).to.equal(0);
        expect(metric(m, 'tokenrouter_circuit_state', OPENAI), 'a request error is not a provider fault').to.equal(0); // every catalog model has a series; 0 = closed
      });
    }

    const KEY_TEXT = 'Incorrect API key provided: sk-proj-AbCdEfGh12345678. You can find your API key at https://platform.openai.com/account/api-keys.';
    const badKey = { fail: { status: 401, body: { error: { message: KEY_TEXT, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } } } };

    it('401 on the router key: not retried, the provider is ejected and the fallback serves', async () => {
      const s = await start({ script: { models: { 'gpt-4.1': badKey } }, routes: [CHAIN] });
      const { res } = await post(`${s.url}/v1/responses`, responsesBody('chain'));
      expect(res.status).to.equal(200);
      await res.json();
      expect(res.headers.get('x-tokenrouter-failover-reason')).to.equal('auth');
      expect(calledModels(s)).to.deep.equal(['gpt-4.1', 'claude-3-haiku']);
      const m = await scrape(s.url);
      expect(metric(m, 'tokenrouter_upstream_auth_failures_total', { provider: 'openai' })).to.equal(1);
      expect(metric(m, 'tokenrouter_circuit_state', OPENAI)).to.equal(2);
      // Ejected: the next request does not call it.
      const next = await post(`${s.url}/v1/responses`, responsesBody('chain'));
      await next.res.json();
      expect(next.res.headers.get('x-tokenrouter-attempts')).to.equal('1');
      expect(calledModels(s)).to.deep.equal(['gpt-4.1', 'claude-3-haiku', 'claude-3-haiku']);
    });

    it('401 as the only candidate: 502 upstream_auth_error without the provider text (no key fragment)', async () => {
      const s = await start({ script: { models: { 'gpt-4.1': badKey } } });
      const { res } = await post(`${s.url}/v1/chat/completions`, { model: 'openai/gpt-4.1', messages: [{ role: 'user', content: 'hi' }] });
      const body = await expectError(res, 502, 'upstream_auth_error');
      const text = JSON.stringify(body);
      expect(text).to.not.include('sk-proj');
      expect(text).to.not.include('AbCdEfGh');
      expect(text).to.not.include('Incorrect API key');
      expect(res.headers.get('x-should-retry')).to.equal('false');
      expect(calledModels(s)).to.deep.equal(['gpt-4.1']);
      expect(s.logs.join('\n')).to.not.include('AbCdEfGh');
    });
  });

  describe('A6 connection refused, DNS failure', () => {
    const breaker = { breaker: { consecutiveFailures: 3, baseEjectionMs: 10_000 } };

    async function refusedOrUnknown(name: string, baseUrl: string): Promise<void> {
      const model = `${name}-model`;
      const s = await start({
        routes: [{ name, primary: `${name}/${model}`, fallback: ['openai/gpt-4o'] }],
        providers: [{ name, baseUrl, models: [model] }],
        resilience: breaker,
      });
      for (let i = 0; i < 3; i++) {
        const { res, ms } = await post(`${s.url}/v1/responses`, responsesBody(name));
        expect(res.status).to.equal(200);
        assertValid('Response', await res.json());
        expect(ms, 'failover is immediate').to.be.lessThan(1_000);
        expect(res.headers.get('x-tokenrouter-provider')).to.equal('openai');
        expect(res.headers.get('x-tokenrouter-attempts')).to.equal('2');
        expect(res.headers.get('x-tokenrouter-failover-reason')).to.equal('connect');
      }
      let m = await scrape(s.url);
      const target = { provider: name, model };
      expect(attempts(m, target, 'failover')).to.equal(3);
      expect(attempts(m, target, 'retry'), 'never retried on the same provider').to.equal(0);
      expect(metric(m, 'tokenrouter_failovers_total', { reason: 'connect' })).to.equal(3);
      // A local-origin failure counts against the breaker: three in a row eject the target.
      expect(metric(m, 'tokenrouter_circuit_state', target)).to.equal(2);
      const { res } = await post(`${s.url}/v1/responses`, responsesBody(name));
      await res.json();
      expect(res.headers.get('x-tokenrouter-attempts')).to.equal('1');
      m = await scrape(s.url);
      expect(attempts(m, target, 'failover')).to.equal(3);
      expect(calledModels(s)).to.deep.equal(['gpt-4o', 'gpt-4o', 'gpt-4o', 'gpt-4o']);
    }

    it('connection refused: immediate failover, no retry, counted as a provider failure', async () => {
      await refusedOrUnknown('refused', `http://127.0.0.1:${await closedPort()}/v1`);
    });

    it('DNS failure (an .invalid host): the same', async () => {
      await refusedOrUnknown('nxdomain', 'http://tokenrouter-fault-test.invalid/v1');
    });
  });

  describe('A7 connect timeout', () => {
    let hole: Blackhole | undefined;
    afterEach(() => {
      hole?.close();
      hole = undefined;
    });

    it('a blackholed port: the attempt is abandoned at the per-try timeout and the next candidate serves', async function () {
      if (process.platform !== 'linux') this.skip(); // the blackhole relies on Linux dropping SYNs on a full accept queue
      hole = await startBlackhole();
      const s = await start({
        routes: [{ name: 'hole', primary: 'hole/hole-model', fallback: ['openai/gpt-4o'] }],
        providers: [{ name: 'hole', baseUrl: `http://127.0.0.1:${hole.port}/v1`, models: ['hole-model'] }],
        resilience: { firstByteTimeoutMs: 300 },
      });
      const { res, ms } = await post(`${s.url}/v1/responses`, responsesBody('hole'));
      expect(res.status).to.equal(200);
      assertValid('Response', await res.json());
      expect(ms).to.be.within(290, 1_200);
      expect(res.headers.get('x-tokenrouter-failover-reason')).to.equal('timeout');
      expect(calledModels(s)).to.deep.equal(['gpt-4o']);
      const m = await scrape(s.url);
      expect(attempts(m, { provider: 'hole', model: 'hole-model' }, 'failover')).to.equal(1);
      expect(metric(m, 'tokenrouter_failovers_total', { reason: 'timeout' })).to.equal(1);
      // The abandoned connect (undici cannot cancel it) must not hold the shutdown for its 10 s connect timeout.
      const t0 = Date.now();
      stack = undefined;
      await s.stop();
      expect(Date.now() - t0).to.be.lessThan(2_000);
    });
  });

  describe('A8 no response headers within the per-try timeout', () => {
    it('the attempt is aborted at firstByteTimeoutMs and the next candidate started', async () => {
      const s = await start({ script: { models: { 'gpt-4.1': { latencyMs: 5_000 } } }, routes: [CHAIN], resilience: { firstByteTimeoutMs: 300 } });
      const { res, ms } = await post(`${s.url}/v1/responses`, responsesBody('chain'));
      expect(res.status).to.equal(200);
      assertValid('Response', await res.json());
      expect(ms).to.be.within(290, 1_500);
      expect(res.headers.get('x-tokenrouter-failover-reason')).to.equal('timeout');
      expect(calledModels(s)).to.deep.equal(['gpt-4.1', 'claude-3-haiku']);
      expect(s.sim.calls[1]!.at - s.sim.calls[0]!.at).to.be.within(290, 1_000);
      const m = await scrape(s.url);
      expect(attempts(m, OPENAI, 'failover')).to.equal(1);
      expect(metric(m, 'tokenrouter_retries_total'), 'a timeout is not retried on the same provider').to.equal(0);
    });

    it('the sum of all attempts stays within requestTimeoutMs', async () => {
      const slow = { latencyMs: 5_000 };
      const s = await start({
        script: { models: { 'gpt-4.1': slow, 'claude-3-haiku': slow, 'gemini-2.5-flash': slow } },
        routes: [{ name: 'slow', primary: 'openai/gpt-4.1', fallback: ['anthropic/claude-3-haiku', 'gemini/gemini-2.5-flash'] }],
        resilience: { firstByteTimeoutMs: 400, requestTimeoutMs: 1_000 },
      });
      const t0 = performance.now();
      const { res } = await post(`${s.url}/v1/responses`, responsesBody('slow'));
      await expectError(res, 504, 'timeout');
      const elapsed = performance.now() - t0;
      // 400 + 400 + the 200 ms left: the third attempt gets only what remains.
      expect(elapsed).to.be.within(950, 1_700);
      expect(calledModels(s)).to.deep.equal(['gpt-4.1', 'claude-3-haiku', 'gemini-2.5-flash']);
      expect(res.headers.get('x-tokenrouter-stop-reason')).to.equal('deadline_exceeded');
      expect(res.headers.get('x-tokenrouter-attempts')).to.equal('3');
    });
  });

  describe('A9 TCP reset before the response headers', () => {
    it('once: retried on the same provider, which then serves', async () => {
      const s = await start({ script: { models: { 'gpt-4.1': { resetBeforeHeaders: { times: 1 } } } }, routes: [CHAIN] });
      const { res } = await post(`${s.url}/v1/responses`, responsesBody('chain'));
      expect(res.status).to.equal(200);
      assertValid('Response', await res.json());
      expect(res.headers.get('x-tokenrouter-provider')).to.equal('openai');
      expect(res.headers.get('x-tokenrouter-attempts')).to.equal('2');
      expect(calledModels(s)).to.deep.equal(['gpt-4.1', 'gpt-4.1']);
      const m = await scrape(s.url);
      expect(metric(m, 'tokenrouter_retries_total', { ...OPENAI, reason: 'reset' })).to.equal(1);
      expect(attempts(m, OPENAI, 'success')).to.equal(1);
    });

    it('every time: one retry, then failover', async () => {
      const s = await start({ script: { models: { 'gpt-4.1': { resetBeforeHeaders: true } } }, routes: [CHAIN] });
      const { res } = await post(`${s.url}/v1/responses`, responsesBody('chain', { stream: true }));
      expect(res.status).to.equal(200);
      expect(await res.text()).to.include('response.completed');
      expect(res.headers.get('x-tokenrouter-failover-reason')).to.equal('reset');
      expect(res.headers.get('x-tokenrouter-attempts')).to.equal('3');
      expect(calledModels(s)).to.deep.equal(['gpt-4.1', 'gpt-4.1', 'claude-3-haiku']);
    });
  });

  describe('A10 reset after the headers on a non-streaming call', () => {
    it('is retried, then failed over: nothing had been written downstream (the body is buffered)', async () => {
      const s = await start({ script: { models: { 'gpt-4.1': { dropAfterChunks: 1 } } }, routes: [CHAIN] });
      const { res } = await post(`${s.url}/v1/responses`, responsesBody('chain'));
      expect(res.status).to.equal(200);
      const body = (await res.json()) as { status: string; output_text?: string; output: unknown };
      assertValid('Response', body);
      expect(body.status).to.equal('completed');
      expect(body.output_text ?? JSON.stringify(body.output)).to.include('Hello from anthropic');
      expect(calledModels(s)).to.deep.equal(['gpt-4.1', 'gpt-4.1', 'claude-3-haiku']);
      expect(res.headers.get('x-tokenrouter-failover-reason')).to.equal('reset');
      const m = await scrape(s.url);
      expect(metric(m, 'tokenrouter_retries_total', { ...OPENAI, reason: 'reset' })).to.equal(1);
      expect(attempts(m, OPENAI, 'failover')).to.equal(1);
    });
  });

  /** Streams: the client saw a start, some content, then an explicit failure — never a clean end. */
  function expectFailedStream(api: 'responses' | 'chat', text: string): void {
    const frames = sseFrames(text);
    if (api === 'responses') {
      for (const f of frames) expect(validateResponseStreamEvent(JSON.parse(f.data)).errors, f.data.slice(0, 200)).to.deep.equal([]);
      const types = frames.map((f) => f.event);
      expect(types[0]).to.equal('response.created');
      expect(types).to.include('response.output_text.delta');
      expect(types.slice(-2)).to.deep.equal(['error', 'response.failed']);
      expect(types).to.not.include('response.completed');
    } else {
      const datas = frames.map((f) => f.data);
      expect(datas).to.not.include('[DONE]');
      const chunks = datas.slice(0, -1).map((d) => JSON.parse(d));
      for (const c of chunks) expect(validateChatCompletionChunk(c).errors).to.deep.equal([]);
      expect(chunks.some((c) => c.choices?.[0]?.delta?.content)).to.equal(true);
      const last = JSON.parse(datas.at(-1)!);
      expect(validateErrorResponse(last).errors).to.deep.equal([]);
      expect(last.error.code).to.equal('server_error');
    }
  }

  async function expectAborted(s: FaultStack, target: { provider: string; model: string }): Promise<string> {
    const m = await waitFor(async () => {
      const text = await scrape(s.url);
      return metric(text, 'tokenrouter_requests_total', { outcome: 'upstream_aborted' }) === 1 ? text : undefined;
    }, 2_000, 'the request to be accounted');
    expect(metric(m, 'tokenrouter_requests_total', { outcome: 'success' }), 'a broken stream is never a success').to.equal(0);
    expect(attempts(m, target, 'stream_error')).to.equal(1);
    expect(attempts(m, target, 'success')).to.equal(0);
    return m;
  }

  describe('A11 the upstream stream drops after N chunks', () => {
    for (const api of ['responses', 'chat'] as const) {
      it(`${api}: no retry, no failover; a terminal failure event ends the stream; outcome upstream_aborted`, async () => {
        const s = await start({ script: { models: { 'gpt-4.1': { dropAfterChunks: 8 } } }, routes: [CHAIN] });
        const body = api === 'responses' ? responsesBody('chain', { stream: true, input: LONG_PROMPT }) : chatBody('chain', { stream: true, messages: [{ role: 'user', content: LONG_PROMPT }] });
        const { res } = await post(`${s.url}/v1/${api === 'responses' ? 'responses' : 'chat/completions'}`, body);
        expect(res.status).to.equal(200);
        expect(res.headers.get('content-type')).to.match(/^text\/event-stream/);
        expect(res.headers.get('x-tokenrouter-provider')).to.equal('openai');
        expect(res.headers.get('x-tokenrouter-attempts')).to.equal('1');
        expectFailedStream(api, await res.text());
        expect(calledModels(s)).to.deep.equal(['gpt-4.1']);
        const m = await expectAborted(s, OPENAI);
        expect(metric(m, 'tokenrouter_time_to_first_token_seconds_count', OPENAI)).to.equal(1);
        expect(metric(m, 'tokenrouter_retries_total') + metric(m, 'tokenrouter_failovers_total')).to.equal(0);
      });
    }
  });

  describe('A12 the upstream stream stalls', () => {
    for (const api of ['responses', 'chat'] as const) {
      it(`${api}: after streamIdleTimeoutMs of silence the upstream is aborted and a terminal failure event sent`, async () => {
        const front = await startFront();
        fronts.push(front);
        const s = await start({
          script: { models: { 'watched-model': { stallAfterChunks: 8 } } },
          routes: [{ name: 'watched', primary: 'watched/watched-model', fallback: ['anthropic/claude-3-haiku'] }],
          providers: [{ name: 'watched', baseUrl: `${front.url}/openai/v1`, models: ['watched-model'] }],
          resilience: { streamIdleTimeoutMs: 300 },
        });
        front.target = s.sim.url;
        const t0 = Date.now();
        const body = api === 'responses' ? responsesBody('watched', { stream: true, input: LONG_PROMPT }) : chatBody('watched', { stream: true, messages: [{ role: 'user', content: LONG_PROMPT }] });
        const { res } = await post(`${s.url}/v1/${api === 'responses' ? 'responses' : 'chat/completions'}`, body);
        expect(res.status).to.equal(200);
        expectFailedStream(api, await res.text());
        const ended = Date.now();
        expect(ended - t0).to.be.within(300, 2_000);
        const closedAt = await waitFor(() => front.calls[0]?.socketClosedAt, 2_000, 'the stalled upstream connection to be closed');
        expect(closedAt - t0).to.be.within(300, 2_000);
        expect(front.calls).to.have.length(1);
        expect(calledModels(s)).to.deep.equal(['watched-model']);
        await expectAborted(s, { provider: 'watched', model: 'watched-model' });
      });
    }
  });

  describe('A13 a stream rejected upstream before any SSE', () => {
    for (const status of [400, 429]) {
      for (const api of ['responses', 'chat'] as const) {
        it(`${api}, ${status}: the client gets the real status and a JSON error, not a 200 stream`, async () => {
          const s = await start({ script: { models: { 'gpt-4o': { fail: { status, ...(status === 429 ? { retryAfter: 3 } : {}) } } } } });
          const body = api === 'responses' ? { model: 'openai/gpt-4o', input: 'hi', stream: true } : { model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true };
          const { res } = await post(`${s.url}/v1/${api === 'responses' ? 'responses' : 'chat/completions'}`, body);
          await expectError(res, status, status === 429 ? 'rate_limit_exceeded' : null);
          if (status === 429) expect(res.headers.get('retry-after')).to.equal('3');
          expect(res.headers.get('x-tokenrouter-attempts')).to.equal('1');
          expect(calledModels(s)).to.deep.equal(['gpt-4o']);
          const m = await scrape(s.url);
          expect(metric(m, 'tokenrouter_requests_total', { api, outcome: 'error' })).to.equal(1);
        });
      }
    }
  });

  describe('A14 an in-band error event inside a 200 stream', () => {
    it('before any content: failed over invisibly to the next candidate', async () => {
      const s = await start({ script: { models: { 'gpt-4.1': { inBandErrorAfterChunks: 0 } } }, routes: [CHAIN] });
      const { res } = await post(`${s.url}/v1/responses`, responsesBody('chain', { stream: true }));
      expect(res.status).to.equal(200);
      const frames = sseFrames(await res.text());
      for (const f of frames) expect(validateResponseStreamEvent(JSON.parse(f.data)).errors).to.deep.equal([]);
      expect(frames.map((f) => f.event)).to.not.include('error');
      expect(frames.at(-1)!.event).to.equal('response.completed');
      expect(res.headers.get('x-tokenrouter-provider')).to.equal('anthropic');
      expect(res.headers.get('x-tokenrouter-attempts')).to.equal('3');
      expect(res.headers.get('x-tokenrouter-failover-reason')).to.equal('overloaded');
      // An in-band overload is retryable like a 529: one retry, then the fallback.
      expect(calledModels(s)).to.deep.equal(['gpt-4.1', 'gpt-4.1', 'claude-3-haiku']);
      const m = await scrape(s.url);
      expect(metric(m, 'tokenrouter_requests_total', { outcome: 'success', provider: 'anthropic' })).to.equal(1);
    });

    it('after content: surfaced to the client as a terminal failure; no retry or failover', async () => {
      const s = await start({ script: { models: { 'gpt-4.1': { inBandErrorAfterChunks: 8 } } }, routes: [CHAIN] });
      const { res } = await post(`${s.url}/v1/responses`, responsesBody('chain', { stream: true, input: LONG_PROMPT }));
      expect(res.status).to.equal(200);
      expectFailedStream('responses', await res.text());
      expect(calledModels(s)).to.deep.equal(['gpt-4.1']);
      await expectAborted(s, OPENAI);
    });
  });

  describe('A15 the client disconnects', () => {
    const WATCHED = { provider: 'watched', model: 'watched-model' };
    const cases = [
      { name: 'before the upstream answers (non-stream)', behaviour: { latencyMs: 5_000 }, stream: false, ready: (f: Front) => f.calls.length === 1 },
      { name: 'before the upstream response headers (stream)', behaviour: { latencyMs: 5_000 }, stream: true, ready: (f: Front) => f.calls.length === 1 },
      { name: 'after the headers, during time to first token', behaviour: { ttftMs: 5_000 }, stream: true, ready: (f: Front) => f.calls[0]?.respondedAt !== undefined },
      { name: 'mid-stream', behaviour: { tokensPerSecond: 5 }, stream: true, ready: undefined },
    ];
    for (const c of cases) {
      it(`${c.name}: the upstream socket closes within ~100 ms; not retried; not a provider failure; logged as 499`, async () => {
        const front = await startFront();
        fronts.push(front);
        const s = await start({
          script: { models: { 'watched-model': c.behaviour } },
          routes: [{ name: 'watched', primary: 'watched/watched-model', fallback: ['anthropic/claude-3-haiku'] }],
          providers: [{ name: 'watched', baseUrl: `${front.url}/openai/v1`, models: ['watched-model'] }],
        });
        front.target = s.sim.url;
        const ac = new AbortController();
        const pending = post(`${s.url}/v1/responses`, responsesBody('watched', { stream: c.stream, input: LONG_PROMPT }), ac.signal);
        if (c.ready) {
          await waitFor(() => c.ready(front), 3_000, 'the upstream call to be in flight');
          void pending.catch(() => undefined);
        } else {
          const { res } = await pending;
          expect(res.status).to.equal(200);
          const first = await res.body!.getReader().read();
          expect(new TextDecoder().decode(first.value)).to.include('response.created');
        }
        const abortedAt = Date.now();
        ac.abort();
        const closedAt = await waitFor(() => front.calls[0]?.socketClosedAt, 2_000, 'the upstream socket to close');
        expect(closedAt - abortedAt, 'upstream socket closed after the client left').to.be.lessThan(300); // ~100 ms target; margin for a loaded CI machine

        const m = await waitFor(async () => {
          const text = await scrape(s.url);
          return metric(text, 'tokenrouter_requests_total', { outcome: 'client_gone' }) === 1 ? text : undefined;
        }, 2_000, 'the request to be accounted as client_gone');
        expect(attempts(m, WATCHED, 'client_gone')).to.equal(1);
        expect(metric(m, 'tokenrouter_upstream_attempts_total'), 'one upstream attempt in all').to.equal(1);
        expect(metric(m, 'tokenrouter_retries_total') + metric(m, 'tokenrouter_failovers_total')).to.equal(0);
        expect(metric(m, 'tokenrouter_circuit_state', WATCHED), 'not a provider failure').to.equal(0); // every catalog model has a series; 0 = closed
        expect(front.calls).to.have.length(1);
        expect(calledModels(s)).to.deep.equal(['watched-model']);
        const decision = s.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'decision');
        expect(decision).to.include({ outcome: 'client_gone', status: 499 });
      });
    }

    it('while the router is still connecting (blackholed provider): the attempt ends at once, client_gone', async function () {
      if (process.platform !== 'linux') this.skip();
      const hole = await startBlackhole();
      try {
        const s = await start({
          routes: [{ name: 'hole', primary: 'hole/hole-model', fallback: ['openai/gpt-4o'] }],
          providers: [{ name: 'hole', baseUrl: `http://127.0.0.1:${hole.port}/v1`, models: ['hole-model'] }],
        });
        const ac = new AbortController();
        void post(`${s.url}/v1/responses`, responsesBody('hole'), ac.signal).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 200));
        const abortedAt = Date.now();
        ac.abort();
        const m = await waitFor(async () => {
          const text = await scrape(s.url);
          return metric(text, 'tokenrouter_requests_total', { outcome: 'client_gone' }) === 1 ? text : undefined;
        }, 2_000, 'the request to be accounted as client_gone');
        expect(Date.now() - abortedAt).to.be.lessThan(500);
        expect(attempts(m, { provider: 'hole', model: 'hole-model' }, 'client_gone')).to.equal(1);
        expect(calledModels(s), 'not failed over').to.deep.equal([]);
      } finally {
        hole.close();
      }
    });
  });

  describe('A16 total outage', () => {
    it('200 concurrent requests, every provider 503: no retry storm; fast failure once the breakers are open', async function () {
      this.timeout(30_000);
      const outage = { name: 'outage', primary: 'openai/gpt-4.1', fallback: ['anthropic/claude-3-haiku', 'gemini/gemini-2.5-flash'] };
      const s = await start({ script: { default: { fail: { status: 503 } } }, routes: [outage] });
      const N = 200;
      const statuses = await Promise.all(
        Array.from({ length: N }, async () => {
          const { res } = await post(`${s.url}/v1/chat/completions`, chatBody('outage'));
          const body = await res.json();
          expect(validateErrorResponse(body).errors).to.deep.equal([]);
          return res.status;
        }),
      );
      expect(new Set(statuses)).to.deep.equal(new Set([503]));
      const upstream = s.sim.calls.length;
      // Envoy's bound: requests × (1 + budget share), plus the minimum concurrency floor.
      expect(upstream).to.be.at.most(Math.floor(N * 1.2) + 3);
      let m = await scrape(s.url);
      expect(metric(m, 'tokenrouter_upstream_attempts_total')).to.equal(upstream);
      expect(metric(m, 'tokenrouter_requests_total', { outcome: 'error' })).to.equal(N);
      for (const t of [OPENAI, CLAUDE, { provider: 'gemini', model: 'gemini-2.5-flash' }]) {
        expect(metric(m, 'tokenrouter_circuit_state', t), `${t.provider}/${t.model} ejected`).to.equal(2);
      }

      // Every circuit open: each request makes exactly one attempt ("panic": one is still tried) and fails fast.
      const before = s.sim.calls.length;
      const times: number[] = [];
      for (let i = 0; i < 20; i++) {
        const { res, ms } = await post(`${s.url}/v1/chat/completions`, chatBody('outage'));
        await res.json();
        times.push(ms);
        expect(res.status).to.equal(503);
        expect(res.headers.get('x-tokenrouter-stop-reason')).to.equal('all_circuits_open');
        expect(res.headers.get('x-tokenrouter-attempts')).to.equal('1');
      }
      expect(s.sim.calls.length - before).to.equal(20);
      times.sort((a, b) => a - b);
      // Generous bounds for a loaded CI machine (typically ~2 ms / ~15 ms here): no back-off, no second attempt.
      const shown = times.map((t) => t.toFixed(1)).join(', ');
      expect(times[10]!, `median of ${shown} ms`).to.be.lessThan(50);
      expect(times[18]!, `p95 of ${shown} ms`).to.be.lessThan(150);
      m = await scrape(s.url);
      expect(metric(m, 'tokenrouter_retries_total', {})).to.be.at.most(upstream - N);
    });
  });

  describe('A17 a provider fails 5 times in a row, then recovers', () => {
    it('is ejected (traffic goes to the fallback without calling it), probed after the ejection time (longer on repeat), then re-admitted', async () => {
      const s = await start({
        script: { models: { 'gpt-4.1': { fail: { status: 503, times: 5 } } } },
        routes: [CHAIN],
        resilience: { maxRetriesPerProvider: 0, breaker: { consecutiveFailures: 3, baseEjectionMs: 300, maxEjectionMs: 5_000 } },
      });
      const served: { at: number; provider: string | null }[] = [];
      let sawOpen = false;
      await waitFor(
        async () => {
          const { res } = await post(`${s.url}/v1/responses`, responsesBody('chain'));
          expect(res.status).to.equal(200);
          await res.json();
          served.push({ at: Date.now(), provider: res.headers.get('x-tokenrouter-provider') });
          if (!sawOpen && s.sim.calls.filter((c) => c.model === 'gpt-4.1').length === 3) {
            sawOpen = metric(await scrape(s.url), 'tokenrouter_circuit_state', OPENAI) === 2;
            expect(sawOpen, 'open after 3 consecutive failures').to.equal(true);
          }
          await new Promise((r) => setTimeout(r, 20));
          return res.headers.get('x-tokenrouter-provider') === 'openai';
        },
        8_000,
        'the primary to serve again',
      );
      const primary = s.sim.calls.filter((c) => c.model === 'gpt-4.1').map((c) => c.at);
      // 3 failures trip it; 2 failed probes (fail 4 and 5) re-open it for longer; the 6th call succeeds.
      expect(primary).to.have.length(6);
      const gaps = [primary[3]! - primary[2]!, primary[4]! - primary[3]!, primary[5]! - primary[4]!];
      expect(gaps[0]).to.be.within(300, 750);
      expect(gaps[1]).to.be.within(600, 1_050);
      expect(gaps[2]).to.be.within(900, 1_350);
      expect(gaps[1]! > gaps[0]! && gaps[2]! > gaps[1]!, `ejections grow: ${gaps.join(', ')} ms`).to.equal(true);
      // While open, requests went to the fallback alone: more requests than primary calls.
      expect(served.length).to.be.greaterThan(primary.length + 5);
      expect(served.slice(0, -1).every((r) => r.provider === 'anthropic')).to.equal(true);
      const m = await scrape(s.url);
      expect(metric(m, 'tokenrouter_circuit_state', OPENAI)).to.equal(0);
      expect(attempts(m, OPENAI, 'failover')).to.equal(5);
      expect(attempts(m, OPENAI, 'success')).to.equal(1);
      expect(attempts(m, CLAUDE, 'success')).to.equal(served.length - 1);
    });

    it('when every candidate is ejected, one is still tried (panic), and its success closes its circuit', async () => {
      const down = { fail: { status: 503 } };
      const s = await start({
        script: { models: { 'gpt-4.1': down, 'claude-3-haiku': down } },
        routes: [CHAIN],
        resilience: { maxRetriesPerProvider: 0, breaker: { consecutiveFailures: 1, baseEjectionMs: 10_000 } },
      });
      const first = await post(`${s.url}/v1/responses`, responsesBody('chain'));
      await expectError(first.res, 503, 'server_is_overloaded');
      expect(calledModels(s)).to.deep.equal(['gpt-4.1', 'claude-3-haiku']);
      let m = await scrape(s.url);
      expect(metric(m, 'tokenrouter_circuit_state', OPENAI)).to.equal(2);
      expect(metric(m, 'tokenrouter_circuit_state', CLAUDE)).to.equal(2);

      const panic = await post(`${s.url}/v1/responses`, responsesBody('chain'));
      await expectError(panic.res, 503, 'server_is_overloaded');
      expect(panic.res.headers.get('x-tokenrouter-stop-reason')).to.equal('all_circuits_open');
      expect(panic.res.headers.get('x-tokenrouter-attempts')).to.equal('1');
      // The one ejected first is re-admitted first: it is the one tried.
      expect(calledModels(s)).to.deep.equal(['gpt-4.1', 'claude-3-haiku', 'gpt-4.1']);

      // That failed probe re-ejected it for twice as long, so now Anthropic is due first.
      s.sim.setScript({});
      const healed = await post(`${s.url}/v1/responses`, responsesBody('chain'));
      expect(healed.res.status).to.equal(200);
      assertValid('Response', await healed.res.json());
      expect(healed.res.headers.get('x-tokenrouter-provider')).to.equal('anthropic');
      expect(healed.res.headers.get('x-tokenrouter-stop-reason')).to.equal('all_circuits_open');
      expect(calledModels(s)).to.deep.equal(['gpt-4.1', 'claude-3-haiku', 'gpt-4.1', 'claude-3-haiku']);
      m = await scrape(s.url);
      expect(metric(m, 'tokenrouter_circuit_state', CLAUDE)).to.equal(0);
      expect(metric(m, 'tokenrouter_circuit_state', OPENAI)).to.equal(2);
      // A target is closed again: the next request takes the normal order, skipping the open one.
      const normal = await post(`${s.url}/v1/responses`, responsesBody('chain'));
      await normal.res.json();
      expect(normal.res.headers.get('x-tokenrouter-stop-reason')).to.equal(null);
      expect(normal.res.headers.get('x-tokenrouter-provider')).to.equal('anthropic');
    });
  });

  describe('A18 failover across wire formats', () => {
    it('an OpenAI Chat request served by Anthropic is re-translated: model id, max_tokens, system hoisted', async () => {
      const s = await start({ script: { models: { 'gpt-4.1': { fail: { status: 503 } } } }, routes: [CHAIN] });
      const { res } = await post(`${s.url}/v1/chat/completions`, {
        model: 'auto',
        metadata: { fault: 'chain' },
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'user', content: 'Say hello' },
        ],
      });
      expect(res.status).to.equal(200);
      const body = (await res.json()) as { model: string; choices: { message: { content: string } }[] };
      assertValid('ChatCompletion', body);
      expect(body.choices[0]!.message.content).to.match(/^Hello from anthropic/);
      expect(body.model).to.equal('claude-3-haiku');
      const [a, b, c] = s.sim.calls;
      expect([a!.protocol, b!.protocol, c!.protocol]).to.deep.equal(['openai-chat', 'openai-chat', 'anthropic']);
      expect(a!.body.messages[0]).to.deep.include({ role: 'system' });
      const anthropic = c!.body as { model: string; max_tokens: unknown; system: unknown; messages: { role: string }[] };
      expect(anthropic.model).to.equal('claude-3-haiku');
      expect(anthropic.max_tokens).to.be.a('number');
      expect(JSON.stringify(anthropic.system)).to.include('You are terse.');
      expect(anthropic.messages.map((m) => m.role)).to.deep.equal(['user']);
    });
  });

  describe('A20 a body larger than the retry buffer', () => {
    const settings = { retryBufferBytes: 4_096 };
    it('is tried once, with no retry or failover, and fails with retry_buffer_exceeded', async () => {
      const s = await start({ script: { models: { 'gpt-4.1': { fail: { status: 503 } } } }, routes: [CHAIN], resilience: settings });
      const big = Array.from({ length: 2_000 }, (_, i) => `w${i}`).join(' ');
      const { res } = await post(`${s.url}/v1/responses`, responsesBody('chain', { input: big }));
      const body = await expectError(res, 502, 'retry_buffer_exceeded');
      expect(body.error.message).to.include('retry buffer');
      expect(res.headers.get('x-tokenrouter-stop-reason')).to.equal('retry_buffer_exceeded');
      expect(res.headers.get('x-tokenrouter-attempts')).to.equal('1');
      expect(calledModels(s)).to.deep.equal(['gpt-4.1']);
      const m = await scrape(s.url);
      expect(attempts(m, OPENAI, 'error')).to.equal(1);
      expect(metric(m, 'tokenrouter_retries_total') + metric(m, 'tokenrouter_failovers_total')).to.equal(0);
    });

    it('a body under the cap is retried and failed over as usual (the control)', async () => {
      const s = await start({ script: { models: { 'gpt-4.1': { fail: { status: 503 } } } }, routes: [CHAIN], resilience: settings });
      const { res } = await post(`${s.url}/v1/responses`, responsesBody('chain'));
      expect(res.status).to.equal(200);
      await res.json();
      expect(calledModels(s)).to.deep.equal(['gpt-4.1', 'gpt-4.1', 'claude-3-haiku']);
    });
  });
});
