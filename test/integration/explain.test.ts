// POST /v1/route/explain end to end (router + provider simulators from the demo
// stack, so "no provider was called" is observable in stack.sim.calls), the
// route's place behind authentication, and `tokenrouter explain` as a CLI.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDemoStack, type DemoStack } from '../../src/cli/demo-stack.js';
import { loadPolicyDirectory } from '../../src/policy/load.js';
import type { Explanation } from '../../src/authoring/explain.js';
import { buildFacts } from '../../src/routing/facts.js';
import { completeTrace } from '../../src/authoring/full-trace.js';
import { REPO_ROOT, SHIPPED_POLICIES } from '../helpers/paths.js';
import { startTestRouter, type TestRouter } from '../helpers/router.js';

const CLI = path.join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

// A provider whose key is never set, a disabled rule, and a PolicyTest document
// (which the live loader must accept and ignore).
const EXTRA_FILES = {
  'zz-nokey.yaml': `apiVersion: tokenrouter/v1
kind: Providers
metadata: { name: nokey-providers }
spec:
  providers:
    - { name: nokey, type: openai, baseUrl: "http://127.0.0.1:9/v1", apiKeyEnv: TOKENROUTER_EXPLAIN_TEST_NEVER_SET }
---
apiVersion: tokenrouter/v1
kind: Models
metadata: { name: nokey-models }
spec:
  models:
    - { name: lonely, provider: nokey, pricing: { input: 1, output: 1 }, quality: 0.5, contextWindow: 100000, capabilities: [tools, streaming] }
---
apiVersion: tokenrouter/v1
kind: RoutingRules
metadata: { name: extra-rules }
spec:
  rules:
    - { name: switched-off, enabled: false, priority: 1, match: { contains: hello }, action: { set_mode: cost } }
---
apiVersion: tokenrouter/v1
kind: PolicyTest
metadata: { name: in-directory-suite }
spec:
  cases:
    - { name: code goes to claude, request: { input: refactor }, expect: { provider: anthropic } }
`,
};

async function post(base: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any; headers: Headers }> {
  const res = await fetch(`${base}/v1/route/explain`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json(), headers: res.headers };
}

/** The leaves of a json-rules-engine condition tree. */
function leaves(node: any): any[] {
  if (Array.isArray(node?.all)) return node.all.flatMap(leaves);
  if (Array.isArray(node?.any)) return node.any.flatMap(leaves);
  if (node?.not) return leaves(node.not);
  return node?.fact ? [node] : [];
}

describe('POST /v1/route/explain', function () {
  this.timeout(60_000);
  let stack: DemoStack;

  before(async () => {
    stack = await startDemoStack({ extraFiles: EXTRA_FILES });
  });
  after(async () => {
    await stack?.stop();
  });
  beforeEach(() => stack.sim.reset());

  it('explains a Responses body: decision, scores, every rule with its leaf results — and calls no provider', async () => {
    const { status, json } = await post(stack.router.url, { model: 'auto', input: 'Please refactor this function', metadata: { team: 'web' } });
    expect(status).to.equal(200);
    const ex = json as Explanation;
    expect(ex.object).to.equal('route.explain');
    expect(ex.policy_version).to.equal(stack.router.store.current()!.version);
    expect(ex.request).to.deep.equal({ model: 'auto', mode_requested: null, api: 'responses' });
    expect(ex.decision).to.include({ provider: 'anthropic', model: 'claude-sonnet-4-5', mode: 'balance', mode_source: 'default', confidence: 1 });
    expect(ex.decision.rules).to.deep.equal(['code-to-claude']);
    expect(ex.candidates).to.have.length(1);
    expect(ex.candidates[0]!.terms).to.have.all.keys('cost_usd', 'latency_ms', 'quality', 'cost', 'latency', 'quality_term', 'score', 'latency_source');
    expect(ex.estimated_input_tokens).to.be.greaterThan(0);
    // Every rule, in evaluation order, the disabled one included.
    expect(ex.rules.map((r) => [r.name, r.enabled, r.matched])).to.deep.equal([
      ['outage-drill', true, false],
      ['code-to-claude', true, true],
      ['switched-off', false, false],
    ]);
    const code = leaves(ex.rules[1]!.conditions);
    expect(code).to.have.length(1);
    expect(code[0]).to.include({ fact: 'text', operator: 'containsText', factResult: 'please refactor this function', result: true });
    const drill = leaves(ex.rules[0]!.conditions);
    expect(drill[0]).to.include({ fact: 'metadata', operator: 'hasEntry', result: false });
    expect(ex.rules[2]!.note).to.match(/disabled/);
    expect(ex.firewall).to.deep.equal({ action: 'none', rules: [] });
    expect(stack.sim.calls, 'explain must not call a provider').to.deep.equal([]);
  });

  it('explains a Chat body: candidates ordered by score, exclusions with reasons, the fallback chain', async () => {
    const { status, json } = await post(stack.router.url, { model: 'auto:cost', messages: [{ role: 'user', content: 'Write a haiku' }] });
    expect(status).to.equal(200);
    const ex = json as Explanation;
    expect(ex.request).to.deep.equal({ model: 'auto:cost', mode_requested: 'cost', api: 'chat' });
    expect(ex.decision).to.include({ mode: 'cost', mode_source: 'request' });
    expect(ex.decision.weights).to.deep.equal({ cost: 0.8, quality: 0.1, latency: 0.1 });
    const scores = ex.candidates.map((c) => c.terms!.score);
    expect(scores.length).to.be.greaterThan(3);
    expect(scores).to.deep.equal([...scores].sort((a, b) => b - a));
    expect(ex.decision.confidence).to.equal(Math.round((scores[0]! - scores[1]!) * 1000) / 1000);
    expect(ex.decision.fallback_chain).to.deep.equal(ex.candidates.slice(1).map((c) => `${c.provider}/${c.model}`));
    expect(ex.excluded).to.deep.include({ model: 'nokey/lonely', filter: 'credentials', reason: 'no credentials (set TOKENROUTER_EXPLAIN_TEST_NEVER_SET)' });
    expect(stack.sim.calls).to.deep.equal([]);
  });

  it('shows what serving then does with the same body', async () => {
    const body = { model: 'auto:quality', input: 'Name three rivers' };
    const { json } = await post(stack.router.url, body);
    const served = await fetch(`${stack.router.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(served.status).to.equal(200);
    expect(served.headers.get('x-tokenrouter-provider')).to.equal(json.decision.provider);
    expect(served.headers.get('x-tokenrouter-model')).to.equal(json.decision.model);
    expect(served.headers.get('x-tokenrouter-mode')).to.equal(json.decision.mode);
    expect(stack.sim.calls).to.have.length(1); // serving did call; explain above did not
  });

  it('router_assume_credentials counts every provider as having a key', async () => {
    const without = await post(stack.router.url, { router_provider: 'nokey', input: 'hi' });
    expect(without.status).to.equal(422);
    expect(without.json.error).to.include({ code: 'no_candidates', type: 'invalid_request_error' });
    expect(without.json.error.message).to.include('nokey/lonely: no credentials');
    const withIt = await post(stack.router.url, { router_provider: 'nokey', input: 'hi', router_assume_credentials: true });
    expect(withIt.status).to.equal(200);
    expect(withIt.json.decision).to.include({ provider: 'nokey', model: 'lonely' });
    const bad = await post(stack.router.url, { input: 'hi', router_assume_credentials: 'yes' });
    expect(bad.status).to.equal(400);
    expect(bad.json.error).to.include({ code: 'invalid_parameter', param: 'router_assume_credentials' });
  });

  it('returns routing errors as serving does', async () => {
    const unknown = await post(stack.router.url, { model: 'gpt-9', input: 'hi' });
    expect(unknown.status).to.equal(400);
    expect(unknown.json.error).to.include({ code: 'unknown_model', param: 'model' });
    const mode = await post(stack.router.url, { model: 'auto:cheapest', input: 'hi' });
    expect(mode.json.error.code).to.equal('unknown_model');
    const noPrev = await post(stack.router.url, { input: 'hi', previous_response_id: 'resp_missing' });
    expect(noPrev.status).to.equal(404);
    expect(noPrev.json.error.code).to.equal('response_not_found');
    const notObject = await fetch(`${stack.router.url}/v1/route/explain`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[1]' });
    expect(notObject.status).to.equal(400);
    expect(stack.sim.calls).to.deep.equal([]);
  });

  it('cuts long fact values in the trace, so a large prompt is not echoed once per rule', async () => {
    const input = `refactor ${'x'.repeat(5_000)}`;
    const { json } = await post(stack.router.url, { input });
    const leaf = leaves(json.rules.find((r: any) => r.name === 'code-to-claude').conditions)[0];
    expect(leaf.factResult).to.equal(`${input.slice(0, 200)}… (${input.length} chars)`);
    expect(leaf.result).to.equal(true);
  });

  it('reports the prompt firewall verdict instead of blocking', async () => {
    const block = await post(stack.router.url, { input: 'card 4111 1111 1111 1111, mail a@b.io' });
    expect(block.status).to.equal(200);
    expect(block.json.firewall).to.deep.equal({ action: 'block', rules: ['block-credit-cards'] });
    const mask = await post(stack.router.url, { input: 'mail a@b.io' });
    expect(mask.json.firewall).to.deep.equal({ action: 'mask', rules: ['mask-emails'] });
  });
});

describe('POST /v1/route/explain behind authentication', function () {
  this.timeout(30_000);
  let t: TestRouter;
  const rule = `apiVersion: tokenrouter/v1
kind: RoutingRules
metadata: { name: caller-rules }
spec:
  rules:
    - name: team-a-pays-less
      when: { fact: api_key, operator: equal, value: team-a }
      action: { set_mode: cost }
`;

  before(async () => {
    t = await startTestRouter({ apiKeys: [{ name: 'team-a', key: 'key-team-a' }], files: { 'zz-caller.yaml': rule } });
  });
  after(async () => {
    await t?.cleanup();
  });

  it('rejects a caller without a key, and routes on the caller that has one', async () => {
    const anon = await post(t.url, { input: 'hi', router_assume_credentials: true });
    expect(anon.status).to.equal(401);
    expect(anon.json.error.code).to.equal('invalid_api_key');
    const a = await post(t.url, { input: 'hi', router_assume_credentials: true }, { authorization: 'Bearer key-team-a' });
    expect(a.status).to.equal(200);
    expect(a.json.decision.rules).to.deep.equal(['team-a-pays-less']);
    expect(a.json.decision).to.include({ mode: 'cost', mode_source: 'rule' });
    const leaf = leaves(a.json.rules.find((r: any) => r.name === 'team-a-pays-less').conditions)[0];
    expect(leaf).to.include({ fact: 'api_key', factResult: 'team-a', result: true });
  });
});

describe('tokenrouter explain (CLI)', function () {
  this.timeout(60_000);
  let dir: string;
  const write = async (name: string, body: unknown): Promise<string> => {
    const file = path.join(dir, name);
    await fs.writeFile(file, typeof body === 'string' ? body : JSON.stringify(body));
    return file;
  };
  const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, 'explain', ...args], { encoding: 'utf8', cwd: REPO_ROOT, timeout: 30_000 });

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tokenrouter-explain-'));
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('prints the chosen model, candidates and each rule with its leaf conditions', async () => {
    const file = await write('code.json', { input: 'Refactor this function', metadata: { tier: 'enterprise' } });
    const r = cli('--request', file, '--policies', SHIPPED_POLICIES, '--assume-credentials');
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.include('chosen: anthropic/claude-sonnet-4-5');
    expect(r.stdout).to.match(/^ {2}yes {2}code-to-claude \(priority 100\)$/m);
    expect(r.stdout).to.match(/^ {2}no {3}legal-stays-on-openai \(priority 200\)/m);
    expect(r.stdout).to.include('text containsText ["legal","compliance"]   fact="refactor this function" → false');
    expect(r.stdout).to.include('text containsText ["code","function","refactor","stack trace"]   fact="refactor this function" → true');
    expect(r.stdout).to.include('metadata $.tier equal "enterprise"   fact="enterprise" → true');
    expect(r.stdout).to.match(/^ {2}1 {2}anthropic\/claude-sonnet-4-5 +score +\d+\.\d{6} /m);
  });

  it('--json prints the same explanation the endpoint returns', async () => {
    const file = await write('chat.yaml', 'model: auto:latency\nmessages:\n  - { role: user, content: hi }\n');
    const r = cli('--request', file, '--policies', SHIPPED_POLICIES, '--assume-credentials', '--json');
    expect(r.status, r.stderr).to.equal(0);
    const ex = JSON.parse(r.stdout) as Explanation;
    expect(ex.object).to.equal('route.explain');
    expect(ex.request).to.deep.equal({ model: 'auto:latency', mode_requested: 'latency', api: 'chat' });
    expect(ex.rules.map((x) => x.name)).to.deep.equal(['legal-stays-on-openai', 'code-to-claude', 'summaries-are-cheap', 'enterprise-quality']);
  });

  it('exits 1 when the router would reject the request, 2 on usage errors, 3 on an invalid policy', async () => {
    const unknown = cli('--request', await write('bad.json', { model: 'gpt-9', input: 'x' }), '--policies', SHIPPED_POLICIES, '--assume-credentials');
    expect(unknown.status).to.equal(1);
    expect(unknown.stdout).to.include('rejected: HTTP 400 unknown_model');
    expect(cli('--policies', SHIPPED_POLICIES).status).to.equal(2);
    expect(cli('--request', path.join(dir, 'missing.json')).status).to.equal(2);
    expect(cli('--request', await write('ok.json', { input: 'x' }), '--bogus').status).to.equal(2);
    const broken = await fs.mkdtemp(path.join(dir, 'policies-'));
    await fs.writeFile(path.join(broken, 'routing.yaml'), 'apiVersion: tokenrouter/v1\nkind: RoutingRules\nmetadata: { name: r }\nspec: { rules: [ { name: x } ] }\n');
    const invalid = cli('--request', path.join(dir, 'ok.json'), '--policies', broken);
    expect(invalid.status).to.equal(3);
    expect(invalid.stderr).to.include('routing.yaml:4:');
  });
});

describe('explain: completing the trace of rules the evaluator skipped', () => {
  it('evaluates skipped rules for their leaf results, and flags one whose conditions hold', async () => {
    const loaded = await loadPolicyDirectory(SHIPPED_POLICIES);
    if (!loaded.ok) throw new Error('shipped policies must load');
    const enabled = loaded.set.routingRules.filter((r) => r.enabled);
    const facts = buildFacts({ text: 'is this code legal?', mode: 'balance' });
    // As if the evaluator had run nothing: every rule comes back as skipped.
    const skipped = enabled.map((r) => ({ name: r.name, priority: r.priority, matched: false, conditions: { skipped_by_index: true } }));
    const done = await completeTrace(enabled, skipped, facts);
    expect(done.map((t) => [t.name, t.matched])).to.deep.equal(enabled.map((r) => [r.name, false]));
    const legal = done.find((t) => t.name === 'legal-stays-on-openai')!;
    expect(leaves(legal.conditions)[0]).to.include({ fact: 'text', factResult: 'is this code legal?', result: true });
    expect(legal.note).to.match(/^INCONSISTENT/);
    const summaries = done.find((t) => t.name === 'summaries-are-cheap')!;
    expect(leaves(summaries.conditions)[0]).to.include({ fact: 'task', factResult: '', result: false });
    expect(summaries.note).to.match(/^skipped by the rule index/);
  });
});
