// Google Vertex AI through the router against the simulator's /vertex routes, where authentication
// is checked for real: the router's service account signs a JWT assertion that the simulator's
// OAuth endpoint (the key file's token_uri) verifies with the account's public key, and every model
// call's bearer token must be one it issued and still alive. Shown here: an assertion signed with
// another key is refused, an expired token is refused with Google's 401 — both a provider-auth
// failure, the request failed over (and the provider ejected) — and a token is cached, then
// refreshed before it expires.
import { expect } from 'chai';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDemoStack, type DemoStack } from '../../src/cli/demo-stack.js';
import { demoServiceAccount } from '../../src/cli/demo-vertex.js';

/** Just over google-auth-library's 5-minute refresh margin: the token is due a refresh about a second after it was issued, while it is still valid. */
const TOKEN_LIFETIME_S = 301;

function extraPolicies(otherKeyFile: string): Record<string, string> {
  const model = (name: string, provider: string): string =>
    `    - { name: ${name}, provider: ${provider}, upstreamModel: gemini-2.5-flash, pricing: { input: 9, output: 90 }, quality: 0.1, contextWindow: 1048576, capabilities: [streaming] }\n`;
  const drill = (name: string, target: string): string =>
    `    - { name: ${name}-drill, priority: 300, match: { metadata_equals: { drill: ${name} } }, action: { set_model: ${target}, fallback: [openai/gpt-4o] } }\n`;
  return {
    'vertex-extra-providers.yaml': `apiVersion: tokenrouter/v1
kind: Providers
metadata: { name: vertex-extra }
spec:
  providers:
    - { name: vertex-expiring, type: vertex, baseUrl: "SIM_URL/vertex", project: demo-project, location: us-east5, credentialsFile: "VERTEX_CREDENTIALS" }
    - { name: vertex-refresh, type: vertex, baseUrl: "SIM_URL/vertex", project: demo-project, location: us-east5, credentialsFile: "VERTEX_CREDENTIALS" }
    - { name: vertex-other-key, type: vertex, baseUrl: "SIM_URL/vertex", project: demo-project, location: us-east5, credentialsFile: "${otherKeyFile}" }
    - { name: vertex-no-file, type: vertex, baseUrl: "SIM_URL/vertex", project: demo-project, location: us-east5, credentialsFile: "${otherKeyFile}.missing" }
`,
    'vertex-extra-models.yaml': `apiVersion: tokenrouter/v1
kind: Models
metadata: { name: vertex-extra }
spec:
  models:
${model('expiring-flash', 'vertex-expiring')}${model('refresh-flash', 'vertex-refresh')}${model('other-key-flash', 'vertex-other-key')}${model('no-file-flash', 'vertex-no-file')}`,
    'vertex-extra-routing.yaml': `apiVersion: tokenrouter/v1
kind: RoutingRules
metadata: { name: vertex-extra }
spec:
  rules:
${drill('vertex-expiring', 'expiring-flash')}${drill('vertex-refresh', 'refresh-flash')}${drill('vertex-other-key', 'other-key-flash')}`,
  };
}

describe('vertex through the router (simulator verifies the signed assertion and every bearer token)', function () {
  this.timeout(30_000);
  let stack: DemoStack;
  let dir: string;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tokenrouter-vertex-'));
    const otherKeyFile = path.join(dir, 'other-service-account.json');
    // The same service account's name, a key the simulator does not know: its signature cannot verify.
    stack = await startDemoStack({ sim: { vertexTokenLifetimeS: TOKEN_LIFETIME_S }, extraFiles: extraPolicies(otherKeyFile) });
    const registered = JSON.parse(await fs.readFile(stack.vertexCredentials, 'utf8')) as Record<string, string>;
    const forged = { ...demoServiceAccount().keyFile(registered.token_uri!), client_email: registered.client_email! };
    await fs.writeFile(otherKeyFile, JSON.stringify(forged), { mode: 0o600 });
  });
  after(async () => {
    await stack?.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => stack.sim.reset());

  async function respond(body: Record<string, unknown>): Promise<{ res: Response; json: any }> {
    const res = await fetch(`${stack.router.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { res, json: await res.json() };
  }
  const vertexCalls = (): typeof stack.sim.calls => stack.sim.calls.filter((c) => c.provider === 'vertex');

  it('an assertion signed with the wrong key: refused at token_uri → no model call, failed over', async () => {
    const issued = stack.sim.vertexAuth.issued;
    const { res, json } = await respond({ model: 'auto', input: 'hello', metadata: { drill: 'vertex-other-key' } });
    expect(res.status, JSON.stringify(json)).to.equal(200);
    expect(res.headers.get('x-tokenrouter-provider')).to.equal('openai');
    expect(vertexCalls()).to.have.length(0);
    expect(stack.sim.vertexAuth.issued).to.equal(issued);

    stack.sim.reset();
    const pinned = await respond({ model: 'vertex-other-key/other-key-flash', input: 'hello' });
    expect(pinned.res.status).to.equal(502);
    expect(pinned.json.error.code).to.equal('upstream_auth_error');
    expect(pinned.json.error.message).to.include('Invalid JWT Signature');
    expect(vertexCalls()).to.have.length(0);
  });

  it('a missing service-account file: the provider has no credentials and is not routed to', async () => {
    const { res, json } = await respond({ model: 'vertex-no-file/no-file-flash', input: 'hello' });
    expect(res.status, JSON.stringify(json)).to.be.within(400, 599);
    expect(JSON.stringify(json)).to.include('service-account file');
    expect(vertexCalls()).to.have.length(0);
  });

  it("an expired token: Google's 401 UNAUTHENTICATED → provider-auth failure, failed over, the provider ejected", async () => {
    const first = await respond({ model: 'auto', input: 'hello', metadata: { drill: 'vertex-expiring' } });
    expect(first.res.status, JSON.stringify(first.json)).to.equal(200);
    expect(first.res.headers.get('x-tokenrouter-provider')).to.equal('vertex-expiring');
    const token = vertexCalls()[0]!.headers['authorization'];
    expect(token).to.match(/^Bearer ya29\.sim-/);

    // Every token dies at the simulator before the router expected it to: the cached one is refused.
    stack.sim.vertexAuth.expireAll();
    stack.sim.reset();
    const second = await respond({ model: 'auto', input: 'hello', metadata: { drill: 'vertex-expiring' } });
    expect(second.res.status, JSON.stringify(second.json)).to.equal(200);
    expect(second.res.headers.get('x-tokenrouter-provider')).to.equal('openai');
    expect(second.res.headers.get('x-tokenrouter-failover-reason')).to.equal('auth');
    expect(second.res.headers.get('x-tokenrouter-attempts')).to.equal('2');
    const refused = vertexCalls();
    expect(refused).to.have.length(1);
    expect(refused[0]!.headers['authorization']).to.equal(token);

    // Ejected: the next request goes straight to the fallback.
    stack.sim.reset();
    const third = await respond({ model: 'auto', input: 'hello again', metadata: { drill: 'vertex-expiring' } });
    expect(third.res.status).to.equal(200);
    expect(third.res.headers.get('x-tokenrouter-provider')).to.equal('openai');
    expect(vertexCalls()).to.have.length(0);
  });

  it('the token is cached, then refreshed before it expires (google-auth-library refresh margin)', async () => {
    const one = await respond({ model: 'auto', input: 'hello', metadata: { drill: 'vertex-refresh' } });
    expect(one.res.status, JSON.stringify(one.json)).to.equal(200);
    expect(one.res.headers.get('x-tokenrouter-provider')).to.equal('vertex-refresh');
    const issuedAfterFirst = stack.sim.vertexAuth.issued;
    const two = await respond({ model: 'auto', input: 'hello', metadata: { drill: 'vertex-refresh' } });
    expect(two.res.headers.get('x-tokenrouter-provider')).to.equal('vertex-refresh');
    expect(stack.sim.vertexAuth.issued, 'the second request reuses the cached token').to.equal(issuedAfterFirst);
    const [a, b] = vertexCalls();
    expect(b!.headers['authorization']).to.equal(a!.headers['authorization']);

    // Now within the refresh margin of expiry (still valid at the simulator for ~299 s more).
    await new Promise((r) => setTimeout(r, 1_500));
    stack.sim.reset();
    const three = await respond({ model: 'auto', input: 'hello', metadata: { drill: 'vertex-refresh' } });
    expect(three.res.status).to.equal(200);
    expect(three.res.headers.get('x-tokenrouter-provider')).to.equal('vertex-refresh');
    expect(three.res.headers.get('x-tokenrouter-attempts')).to.equal('1');
    expect(stack.sim.vertexAuth.issued, 'a new token was obtained').to.equal(issuedAfterFirst + 1);
    const refreshed = vertexCalls()[0]!.headers['authorization'];
    expect(refreshed).to.match(/^Bearer ya29\.sim-/);
    expect(refreshed).to.not.equal(a!.headers['authorization']);
  });
});
