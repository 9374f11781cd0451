// Client key limits through the router (memory backend, one router): rpm and
// tpm refusals in the OpenAI shape with retry-after, budgets that reserve the
// routing estimate and settle the real cost (exactly N affordable requests
// pass, concurrently), GET /v1/usage with per-key visibility and admin keys,
// and the per-request decision log line.
import { expect } from 'chai';
import type { DemoStack } from '../../src/cli/demo-stack.js';
import { call, capturingLogger, METERED_BODY, METERED_COST_USD, startStack, statusCounts, type KeyDef } from './shared-state-stack.js';

const KEYS = {
  rpm: { name: 'rpm-key', key: 'sk-test-rpm-1', extra: 'rpm: 20' },
  tpm: { name: 'tpm-key', key: 'sk-test-tpm-1', extra: 'tpm: 30' },
  budget: { name: 'budget-key', key: 'sk-test-budget-1', extra: 'budgetUsd: { amount: 0.02, period: day }' },
  plain: { name: 'plain-key', key: 'sk-test-plain-1' },
  admin: { name: 'admin-key', key: 'sk-test-admin-1', extra: 'admin: true' },
  single: { name: 'single-key', key: 'sk-test-single-1', extra: 'budgetUsd: { amount: 0.004, period: month }' },
} satisfies Record<string, KeyDef>;

describe('client keys: rpm, tpm, budgets, usage (one router, memory state)', function () {
  this.timeout(30_000);
  let stack: DemoStack;
  let url: string;
  const { logger, lines } = capturingLogger();

  before(async () => {
    stack = await startStack({ keys: Object.values(KEYS), logger });
    url = stack.router.url;
  });
  after(async () => {
    await stack?.stop();
  });

  it('rpm 20: of 25 concurrent requests exactly 20 are served; the rest get 429 rate_limit_exceeded with retry-after', async () => {
    const answers = await Promise.all(Array.from({ length: 25 }, () => call(url, KEYS.rpm.key)));
    expect(statusCounts(answers)).to.deep.equal({ 200: 20, 429: 5 });
    const refused = answers.find((a) => a.status === 429)!;
    expect(refused.body.error).to.include({ type: 'rate_limit_error', code: 'rate_limit_exceeded', param: null });
    expect(refused.body.error.message).to.match(/API key "rpm-key": 20 requests in the last 60 s \(rpm 20\)/);
    expect(Number(refused.headers.get('retry-after'))).to.be.within(1, 60);
    expect(refused.headers.get('x-ratelimit-limit-requests')).to.equal('20');
    expect(refused.headers.get('x-ratelimit-remaining-requests')).to.equal('0');
    expect((await call(url, KEYS.plain.key)).status, 'other keys are not limited').to.equal(200);
  });

  it('tpm 30: served until the reported tokens reach 30 in the window, then 429 naming tpm', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6 && statuses.at(-1) !== 429; i++) {
      const a = await call(url, KEYS.tpm.key);
      statuses.push(a.status);
      if (a.status === 429) expect(a.body.error.message).to.match(/tokens in the last 60 s \(tpm 30\)/);
      await stack.router.state.flush();
    }
    // Each request reports 7 input + 4 output = 11 tokens: 0, 11, 22 < 30 pass; 33 ≥ 30 stops the 4th.
    expect(statuses).to.deep.equal([200, 200, 200, 429]);
  });

  it('budget $0.02 at $0.004 a request: exactly 5 of 15 concurrent requests pass; the rest get 429 insufficient_quota, x-should-retry false', async () => {
    const answers = await Promise.all(Array.from({ length: 15 }, () => call(url, KEYS.budget.key)));
    expect(statusCounts(answers)).to.deep.equal({ 200: 5, 429: 10 });
    const served = answers.find((a) => a.status === 200)!;
    expect(Number(served.headers.get('x-tokenrouter-cost-usd'))).to.equal(METERED_COST_USD);
    const refused = answers.find((a) => a.status === 429)!;
    expect(refused.body.error).to.include({ type: 'insufficient_quota', code: 'insufficient_quota' });
    expect(refused.headers.get('x-should-retry')).to.equal('false');
    expect(refused.body.error.message).to.match(/budget of \$0\.02 per day/);
    await stack.router.state.flush();
    expect((await call(url, KEYS.budget.key)).status, 'still exhausted after settling').to.equal(429);
  });

  it('a request that fails upstream releases its reservation: the budget for one request still serves one', async () => {
    const failing = await call(url, KEYS.single.key, '/v1/chat/completions', { ...METERED_BODY, model: 'openai/metered-broken' });
    expect(failing.status).to.equal(500);
    await stack.router.state.flush();
    expect((await call(url, KEYS.single.key)).status).to.equal(200);
    await stack.router.state.flush();
    expect((await call(url, KEYS.single.key)).status).to.equal(429);
  });

  it('GET /v1/usage: a key sees only its own usage; an admin key sees every key; sums match what was served', async () => {
    await stack.router.state.flush();
    const own = await call(url, KEYS.budget.key, '/v1/usage', null);
    expect(own.status).to.equal(200);
    expect(own.body).to.include({ object: 'usage', scope: 'own_key' });
    expect(own.body.group_by).to.deep.equal(['key', 'provider', 'model']);
    expect(own.body.data.map((r: any) => r.key)).to.satisfy((ks: string[]) => ks.every((k) => k === 'budget-key'));
    const metered = own.body.data.find((r: any) => r.model === 'metered');
    expect(metered).to.include({ provider: 'openai', requests: 5, errors: 0, output_tokens: 20, input_tokens: 35, cost_usd: 0.02 });
    const refused = own.body.data.find((r: any) => r.provider === null);
    expect(refused, 'refused requests are counted, with no provider').to.include({ requests: 11, errors: 11, cost_usd: 0 });

    const all = await call(url, KEYS.admin.key, '/v1/usage?group_by=key', null);
    expect(all.body.scope).to.equal('all_keys');
    const byKey = Object.fromEntries(all.body.data.map((r: any) => [r.key, r.requests]));
    expect(byKey).to.include({ 'rpm-key': 25, 'budget-key': 16 });
    expect(all.body.total.requests).to.equal(all.body.data.reduce((n: number, r: any) => n + r.requests, 0));
  });

  it('GET /v1/usage validates its parameters (400 invalid_parameter) and needs a key (401)', async () => {
    for (const q of ['from=2025-13-01', 'from=2025-02-30', 'group_by=key,colour', 'from=2025-02-02&to=2025-02-01', 'from=2020-01-01&to=2025-01-01']) {
      const a = await call(url, KEYS.plain.key, `/v1/usage?${q}`, null);
      expect(a.status, q).to.equal(400);
      expect(a.body.error.code, q).to.equal('invalid_parameter');
    }
    expect((await call(url, undefined, '/v1/usage', null)).status).to.equal(401);
  });

  it('one decision log line per request with key, API, provider, model, mode, rules, attempts, tokens, cost, latency, status, policy version', async () => {
    const decisions = lines.filter((l) => l.msg === 'decision');
    const served = decisions.find((d) => d.caller === 'budget-key' && d.status === 200)!;
    expect(served).to.include({ api: 'chat', provider: 'openai', model: 'metered', outcome: 'success', status: 200, cost_usd: METERED_COST_USD });
    expect(served.request_id).to.match(/^req_/);
    expect(served.policy_version).to.equal(stack.router.store.current()!.version);
    expect(served.mode).to.be.a('string');
    expect(served.rules).to.be.an('array');
    expect(served.attempts).to.deep.equal(['openai/metered:success:200']);
    expect(served.usage).to.deep.equal({ input: 7, output: 4, cached: 0, cache_write: 0, reasoning: 0 });
    expect(served.latency_ms).to.be.a('number').and.greaterThan(0);
    const refused = decisions.find((d) => d.caller === 'budget-key' && d.status === 429)!;
    expect(refused).to.include({ outcome: 'error', status: 429 });
    expect(refused.attempts).to.deep.equal([]);
  });
});
