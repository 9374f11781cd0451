// The simulator's Azure OpenAI routes: Azure's paths on the OpenAI handlers, and its credential
// checked on every call (api-key, or an Entra ID bearer token), refused with Azure's 401 body.
import { expect } from 'chai';
import { startSimulator, type Simulator } from '../../../src/simulator/index.js';

const KEY = 'azure-sim-key';
const TOKEN = 'azure-sim-token';

describe('simulator: Azure OpenAI routes', () => {
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator({ azureKey: KEY, azureToken: TOKEN });
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  async function call(path: string, headers: Record<string, string>, body: unknown = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }): Promise<{ status: number; json: any; headers: Headers }> {
    const res = await fetch(`${sim.baseUrls.azure}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    return { status: res.status, json: await res.json(), headers: res.headers };
  }

  it('v1 Chat and Responses with the api-key answer as OpenAI does', async () => {
    const chat = await call('/openai/v1/chat/completions', { 'api-key': KEY });
    expect(chat.status).to.equal(200);
    expect(chat.json.object).to.equal('chat.completion');
    const resp = await call('/openai/v1/responses', { 'api-key': KEY }, { model: 'gpt-4o', input: 'hi' });
    expect(resp.status).to.equal(200);
    expect(resp.json.object).to.equal('response');
    expect(sim.calls.map((c) => [c.provider, c.protocol])).to.deep.equal([
      ['azure', 'openai-chat'],
      ['azure', 'openai-responses'],
    ]);
  });

  it('deployments API: the deployment is the model; the api-version is required', async () => {
    const ok = await call('/openai/deployments/my-gpt4o/chat/completions?api-version=2024-10-21', { 'api-key': KEY });
    expect(ok.status).to.equal(200);
    expect(sim.calls[0]!.model).to.equal('my-gpt4o');
    const missing = await call('/openai/deployments/my-gpt4o/chat/completions', { 'api-key': KEY });
    expect(missing.status).to.equal(404);
    expect(missing.json).to.deep.equal({ error: { code: '404', message: 'Resource not found' } });
  });

  it('a wrong or missing api-key, or an OpenAI-style bearer key: Azure 401', async () => {
    const cases: Record<string, string>[] = [{ 'api-key': 'wrong' }, {}, { authorization: `Bearer ${KEY}` }];
    for (const headers of cases) {
      const r = await call('/openai/v1/chat/completions', headers);
      expect(r.status, JSON.stringify(headers)).to.equal(401);
      expect(r.json.error.code).to.equal('401');
    }
    const wrongKey = await call('/openai/v1/chat/completions', { 'api-key': 'wrong' });
    expect(wrongKey.json.error.message).to.match(/^Access denied due to invalid subscription key/);
  });

  it('the configured Entra ID token is accepted as a bearer; another token is refused as expired/invalid', async () => {
    expect((await call('/openai/v1/chat/completions', { authorization: `Bearer ${TOKEN}` })).status).to.equal(200);
    const bad = await call('/openai/v1/chat/completions', { authorization: 'Bearer some-other-token' });
    expect(bad.status).to.equal(401);
    expect(bad.json.error.message).to.match(/Access token is missing, invalid, audience is incorrect/);
  });

  it('scripted content_filter 400 and 429 with retry-after-ms', async () => {
    sim.setScript({ models: { filtered: { fail: { status: 400, kind: 'content_filter' } }, limited: { fail: { status: 429, retryAfterMs: 2300 } } } });
    try {
      const cf = await call('/openai/v1/chat/completions', { 'api-key': KEY }, { model: 'filtered', messages: [{ role: 'user', content: 'x' }] });
      expect(cf.status).to.equal(400);
      expect(cf.json.error.code).to.equal('content_filter');
      expect(cf.json.error.innererror.code).to.equal('ResponsibleAIPolicyViolation');
      expect(cf.json.error.innererror.content_filter_result.violence).to.deep.equal({ filtered: true, severity: 'medium' });
      const rl = await call('/openai/v1/chat/completions', { 'api-key': KEY }, { model: 'limited', messages: [{ role: 'user', content: 'x' }] });
      expect(rl.status).to.equal(429);
      expect(rl.headers.get('retry-after-ms')).to.equal('2300');
    } finally {
      sim.setScript({});
    }
  });
});
