// Azure OpenAI through the router against the simulator's /azure routes, where authentication is
// checked for real: a wrong api-key and a stale Entra ID token are refused with Azure's 401 and
// surface as a provider-auth failure (the provider ejected, the request failed over); the token
// file is re-read as soon as it changes; Azure's content filter (400 content_filter) and its
// 429 retry-after-ms reach the client as the router's classes.
import { expect } from 'chai';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDemoStack, type DemoStack } from '../../src/cli/demo-stack.js';

// Not key-shaped on purpose: only the simulator compares them.
const GOOD_TOKEN = 'entra-token-one';
const NEXT_TOKEN = 'entra-token-two-rotated';

function extraPolicies(tokenFile: string): Record<string, string> {
  return {
    'azure-extra-providers.yaml': `apiVersion: tokenrouter/v1
kind: Providers
metadata: { name: azure-extra }
spec:
  providers:
    - { name: azure-wrong-key, type: azure-openai, baseUrl: "SIM_URL/azure", apiKeyEnv: AZURE_TEST_WRONG_KEY }
    - { name: azure-wi, type: azure-openai, baseUrl: "SIM_URL/azure", tokenFile: "${tokenFile}" }
`,
    'azure-extra-models.yaml': `apiVersion: tokenrouter/v1
kind: Models
metadata: { name: azure-extra }
spec:
  models:
    - { name: wrong-gpt-4o, provider: azure-wrong-key, upstreamModel: gpt-4o, pricing: { input: 9, output: 90 }, quality: 0.1, contextWindow: 128000, capabilities: [streaming] }
    - { name: wi-gpt-4o, provider: azure-wi, upstreamModel: gpt-4o, pricing: { input: 9, output: 90 }, quality: 0.1, contextWindow: 128000, capabilities: [streaming] }
`,
    'azure-extra-routing.yaml': `apiVersion: tokenrouter/v1
kind: RoutingRules
metadata: { name: azure-extra }
spec:
  rules:
    - name: azure-wrong-key-drill
      priority: 300
      match: { metadata_equals: { drill: azure-wrong-key } }
      action: { set_model: wrong-gpt-4o, fallback: [openai/gpt-4o] }
    - name: azure-token-drill
      priority: 300
      match: { metadata_equals: { drill: azure-token } }
      action: { set_model: wi-gpt-4o, fallback: [openai/gpt-4o] }
`,
  };
}

describe('azure-openai through the router (simulator checks api-key and bearer token)', function () {
  this.timeout(30_000);
  let stack: DemoStack;
  let dir: string;
  let tokenFile: string;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tokenrouter-azure-'));
    tokenFile = path.join(dir, 'token');
    await fs.writeFile(tokenFile, `${GOOD_TOKEN}\n`);
    process.env.AZURE_TEST_WRONG_KEY = 'not-the-simulator-key';
    stack = await startDemoStack({ sim: { azureToken: GOOD_TOKEN }, extraFiles: extraPolicies(tokenFile) });
  });
  after(async () => {
    await stack?.stop();
    delete process.env.AZURE_TEST_WRONG_KEY;
    await fs.rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => stack.sim.reset());

  async function respond(body: Record<string, unknown>): Promise<{ res: Response; json: any }> {
    const res = await fetch(`${stack.router.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { res, json: await res.json() };
  }

  it('a wrong api-key: Azure 401 → provider-auth failure, failed over to another provider, the provider ejected', async () => {
    const { res, json } = await respond({ model: 'auto', input: 'hello', metadata: { drill: 'azure-wrong-key' } });
    expect(res.status, JSON.stringify(json)).to.equal(200);
    expect(res.headers.get('x-tokenrouter-provider')).to.equal('openai');
    expect(res.headers.get('x-tokenrouter-failover-reason')).to.equal('auth');
    expect(res.headers.get('x-tokenrouter-attempts')).to.equal('2');
    const azure = stack.sim.calls.filter((c) => c.provider === 'azure');
    expect(azure).to.have.length(1);
    expect(azure[0]!.headers['api-key']).to.equal('not-the-simulator-key');
    // Ejected: the next request goes straight to the fallback.
    stack.sim.reset();
    const next = await respond({ model: 'auto', input: 'hello again', metadata: { drill: 'azure-wrong-key' } });
    expect(next.res.status).to.equal(200);
    expect(next.res.headers.get('x-tokenrouter-provider')).to.equal('openai');
    expect(stack.sim.calls.filter((c) => c.provider === 'azure')).to.have.length(0);
  });

  it('the pinned provider with a wrong key alone: 502 upstream_auth_error without Azure\'s text', async () => {
    const { res, json } = await respond({ model: 'azure-wrong-key/wrong-gpt-4o', input: 'hello' });
    expect(res.status).to.equal(502);
    expect(json.error.code).to.equal('upstream_auth_error');
    expect(json.error.provider).to.equal('azure-wrong-key');
    expect(res.headers.get('x-should-retry')).to.equal('false');
    expect(JSON.stringify(json)).to.not.include('subscription key');
  });

  it('tokenFile: the Entra ID token goes as Authorization: Bearer and is re-read as soon as the file changes', async () => {
    const first = await respond({ model: 'auto', input: 'hello', metadata: { drill: 'azure-token' } });
    expect(first.res.status, JSON.stringify(first.json)).to.equal(200);
    expect(first.res.headers.get('x-tokenrouter-provider')).to.equal('azure-wi');
    const call = stack.sim.calls.find((c) => c.provider === 'azure')!;
    expect(call.headers['authorization']).to.equal(`Bearer ${GOOD_TOKEN}`);
    expect(call.headers).to.not.have.property('api-key');
    expect(call.path).to.equal('/azure/openai/v1/responses');

    // The cluster writes a new token (one the simulator does not accept, so its use is visible):
    // the very next request carries it — no cache outlives the file's change — and Azure's 401
    // for it is a provider-auth failure that fails over.
    await fs.writeFile(tokenFile, `${NEXT_TOKEN}\n`);
    stack.sim.reset();
    const second = await respond({ model: 'auto', input: 'hello', metadata: { drill: 'azure-token' } });
    expect(second.res.status).to.equal(200);
    const azure = stack.sim.calls.filter((c) => c.provider === 'azure');
    expect(azure).to.have.length(1);
    expect(azure[0]!.headers['authorization']).to.equal(`Bearer ${NEXT_TOKEN}`);
    expect(second.res.headers.get('x-tokenrouter-failover-reason')).to.equal('auth');
    expect(second.res.headers.get('x-tokenrouter-provider')).to.equal('openai');
  });

  it("content filter: Azure's 400 content_filter → 400 invalid_request_error code content_filter, not retried nor failed over", async () => {
    stack.sim.setScript({ models: { 'gpt-4o-mini': { fail: { status: 400, kind: 'content_filter' } } } });
    try {
      const { res, json } = await respond({ model: 'azure-dated/azure-gpt-4o-mini', input: 'something the filter refuses' });
      expect(res.status).to.equal(400);
      expect(json.error.type).to.equal('invalid_request_error');
      expect(json.error.code).to.equal('content_filter');
      expect(json.error.param).to.equal('prompt');
      expect(json.error.message).to.include('filtered: violence (medium)');
      expect(res.headers.get('x-should-retry')).to.equal('false');
      expect(stack.sim.calls.filter((c) => c.provider === 'azure')).to.have.length(1);
    } finally {
      stack.sim.setScript({});
    }
  });

  it('429 with retry-after-ms 2300 → 429 rate_limit_exceeded with retry-after: 3 (rounded up)', async () => {
    stack.sim.setScript({ models: { 'gpt-4o-mini': { fail: { status: 429, retryAfterMs: 2300, times: 1 } } } });
    try {
      const { res, json } = await respond({ model: 'azure-dated/azure-gpt-4o-mini', input: 'hello' });
      expect(res.status, JSON.stringify(json)).to.equal(429);
      expect(json.error.code).to.equal('rate_limit_exceeded');
      expect(res.headers.get('retry-after')).to.equal('3');
      const call = stack.sim.calls.find((c) => c.provider === 'azure')!;
      expect(call.path).to.equal('/azure/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21');
    } finally {
      stack.sim.setScript({});
    }
  });
});
