// Finding 4: POST /v1/embeddings was a side door — no key scope, no prompt
// firewall, disabled providers still called, no rpm/tpm/budget, no usage
// ledger, and the caller's OpenAI-Organization / OpenAI-Project /
// X-Forwarded-For / x-* headers forwarded beside the router's provider key.
// Each case below failed against that route; it now passes every stage of the
// forward pipeline (src/stages/forward.ts). Driven with the official openai
// SDK where a client would use it.
import { expect } from 'chai';
import OpenAI from 'openai';
import type { DemoStack } from '../../src/cli/demo-stack.js';
import { startDemoStack } from '../../src/cli/demo-stack.js';
import { call, keysYaml, settingsYaml, startStack, waitFor, type KeyDef } from '../integration/shared-state-stack.js';
import { deletePrefix, requireRedis, TEST_REDIS_URL, testPrefix } from '../unit/state/backends.js';

const KEYS = {
  plain: { name: 'plain-key', key: 'sk-emb-plain-1' },
  anthropicOnly: { name: 'anthropic-only', key: 'sk-emb-anth-1', extra: 'allowedProviders: [anthropic]' },
  rpm: { name: 'rpm-key', key: 'sk-emb-rpm-1', extra: 'rpm: 3' },
  budget: { name: 'budget-key', key: 'sk-emb-budget-1', extra: 'budgetUsd: { amount: 0.0000001, period: day }' },
  admin: { name: 'admin-key', key: 'sk-emb-admin-1', extra: 'admin: true' },
} satisfies Record<string, KeyDef>;

const FIREWALL = `apiVersion: tokenrouter/v1
kind: FirewallRules
metadata:
  name: emb-firewall
spec:
  rules:
    - { name: block-cards, scope: prompt, type: regex, pattern: '\\b\\d{4}[\\s-]?\\d{4}[\\s-]?\\d{4}[\\s-]?\\d{4}\\b', action: block }
    - { name: block-word, scope: prompt, type: substring, pattern: project-nightingale, action: block }
    - { name: mask-emails, scope: prompt, type: regex, pattern: '[a-z0-9._%+-]+@[a-z0-9.-]+\\.[a-z]{2,}', action: mask, replacement: '[EMAIL]' }
`;

function embed(stack: DemoStack, key: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${stack.router.url}/v1/embeddings`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

for (const backend of ['memory', 'redis'] as const) describe(`security: /v1/embeddings passes every stage of the pipeline (${backend} state)`, function () {
  this.timeout(30_000);
  let stack: DemoStack;
  const prefix = testPrefix();

  before(async function () {
    const files: Record<string, string> = { 'keys.yaml': keysYaml(Object.values(KEYS)), 'firewall.yaml': FIREWALL };
    if (backend === 'redis') {
      await requireRedis(this, 'embeddings limits and usage on Redis');
      files['settings.yaml'] = settingsYaml({ backend: 'redis', redisUrl: TEST_REDIS_URL, keyPrefix: prefix });
    }
    stack = await startDemoStack({ extraFiles: files });
    if (backend === 'redis') await waitFor('the router to connect to Redis', () => stack.router.state.up());
  });
  after(async () => {
    await stack?.stop();
    if (backend === 'redis' && stack) await deletePrefix(TEST_REDIS_URL, prefix);
  });
  beforeEach(() => stack.sim.reset());

  it('the official SDK gets its embeddings through the router', async () => {
    const client = new OpenAI({ baseURL: `${stack.router.url}/v1`, apiKey: KEYS.plain.key, maxRetries: 0 });
    const res = await client.embeddings.create({ model: 'openai/text-embedding-3-small', input: ['hello', 'world'] });
    expect(res.data).to.have.length(2);
    expect(stack.sim.calls).to.have.length(1);
    expect(stack.sim.calls[0]!.body.model).to.equal('text-embedding-3-small');
  });

  it('key scope: a key allowed only anthropic cannot reach an OpenAI provider', async () => {
    const r = await embed(stack, KEYS.anthropicOnly.key, { model: 'openai/text-embedding-3-small', input: 'hello' });
    expect(r.status).to.equal(422);
    const body = (await r.json()) as { error: { code: string; message: string } };
    expect(body.error.code).to.equal('no_candidates');
    expect(body.error.message).to.include('api_key_scope');
    expect(stack.sim.calls).to.have.length(0);
  });

  it('prompt firewall: a card number and a blocked word are refused (403), an e-mail is masked before the provider sees it', async () => {
    for (const input of ['pay with 4111 1111 1111 1111', ['fine', 'about project-nightingale']]) {
      const r = await embed(stack, KEYS.plain.key, { model: 'openai/text-embedding-3-small', input });
      expect(r.status, JSON.stringify(input)).to.equal(403);
      expect(((await r.json()) as { error: { code: string } }).error.code).to.equal('firewall_blocked');
    }
    expect(stack.sim.calls).to.have.length(0);
    const ok = await embed(stack, KEYS.plain.key, { model: 'openai/text-embedding-3-small', input: ['mail jane.doe@example.com now'] });
    expect(ok.status).to.equal(200);
    expect(stack.sim.calls[0]!.body.input).to.deep.equal(['mail [EMAIL] now']);
  });

  it('token-id input cannot be screened: refused with a 400 naming `input` while a prompt rule applies', async () => {
    const r = await embed(stack, KEYS.plain.key, { model: 'openai/text-embedding-3-small', input: [1, 2, 3] });
    expect(r.status).to.equal(400);
    expect(((await r.json()) as { error: { param: string } }).error.param).to.equal('input');
    expect(stack.sim.calls).to.have.length(0);
  });

  it("the caller's organisation, project, forwarding and x-* headers never travel with the router's key", async () => {
    const r = await embed(stack, KEYS.plain.key, { model: 'openai/text-embedding-3-small', input: 'hello' }, {
      'OpenAI-Organization': 'org-attacker',
      'OpenAI-Project': 'proj-attacker',
      'X-Forwarded-For': '203.0.113.9',
      'x-custom-billing': 'someone-else',
      cookie: 'session=abc',
    });
    expect(r.status).to.equal(200);
    const headers = stack.sim.calls[0]!.headers as Record<string, string>;
    for (const h of ['openai-organization', 'openai-project', 'x-forwarded-for', 'x-custom-billing', 'cookie']) expect(headers, h).to.not.have.property(h);
    expect(headers.authorization).to.equal('Bearer sim-provider-key');
    expect(JSON.stringify(headers)).to.not.include(KEYS.plain.key);
  });

  it('rpm applies: a key with rpm 3 gets 429 rate_limit_exceeded on the 4th request, before any provider call', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await embed(stack, KEYS.rpm.key, { model: 'openai/text-embedding-3-small', input: 'hi' })).status);
    expect(statuses).to.deep.equal([200, 200, 200, 429, 429]);
    expect(stack.sim.calls).to.have.length(3);
  });

  it('budget applies: a key whose budget cannot afford the estimate gets 429 insufficient_quota', async () => {
    const r = await embed(stack, KEYS.budget.key, { model: 'openai/text-embedding-3-small', input: 'a longer text to embed '.repeat(50) });
    expect(r.status).to.equal(429);
    expect(((await r.json()) as { error: { code: string } }).error.code).to.equal('insufficient_quota');
    expect(stack.sim.calls).to.have.length(0);
  });

  it('a model name the catalog does not declare is recorded as "other": odd names cannot grow the ledger', async () => {
    const odd = `made-up-${Math.random().toString(36).slice(2)}`;
    await embed(stack, KEYS.plain.key, { model: `openai/${odd}`, input: 'hi' });
    await stack.router.state.flush();
    const usage = await call(stack.router.url, KEYS.admin.key, '/v1/usage?group_by=key,model', null);
    const models = usage.body.data.map((r: any) => r.model);
    expect(models).to.not.include(odd);
    expect(models).to.include('other');
  });

  it('usage and cost appear in /v1/usage and in the metrics', async () => {
    await embed(stack, KEYS.plain.key, { model: 'openai/text-embedding-3-small', input: 'count these tokens please' });
    await stack.router.state.flush();
    const usage = await call(stack.router.url, KEYS.admin.key, '/v1/usage?group_by=key,model', null);
    const row = usage.body.data.find((r: any) => r.key === 'plain-key' && r.model === 'text-embedding-3-small');
    expect(row, JSON.stringify(usage.body.data)).to.exist;
    expect(row.input_tokens).to.be.greaterThan(0);
    expect(row.cost_usd).to.be.greaterThan(0);
    const metrics = await (await fetch(`${stack.router.url}/metrics`)).text();
    expect(metrics).to.match(/tokenrouter_requests_total\{api="embeddings",provider="openai",model="text-embedding-3-small",outcome="success"\} \d+/);
    expect(metrics).to.match(/tokenrouter_tokens_total\{provider="openai",model="text-embedding-3-small",direction="input"\} [1-9]/);
  });
});

describe('security: /v1/embeddings never calls a disabled provider', function () {
  this.timeout(30_000);
  let stack: DemoStack;
  before(async () => {
    stack = await startStack({ keys: [KEYS.plain] });
    const { readFile, writeFile } = await import('node:fs/promises');
    const file = `${stack.policyDir}/providers.yaml`;
    // Disable the openai provider in place; the reload swaps the set.
    const text = (await readFile(file, 'utf8')).replace('{ name: openai, type: openai,', '{ name: openai, type: openai, enabled: false,');
    await writeFile(file, text);
    await stack.router.reloader.reload();
  });
  after(async () => stack?.stop());

  it('an `enabled: false` provider is refused (422), not called', async () => {
    expect(stack.router.store.current()!.providers.get('openai')!.enabled).to.equal(false);
    const r = await embed(stack, KEYS.plain.key, { model: 'openai/text-embedding-3-small', input: 'hello' });
    expect(r.status).to.equal(422);
    expect(stack.sim.calls).to.have.length(0);
  });
});
