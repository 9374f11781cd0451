// The error envelope superset (docs/clients/hosted-contract.md#error-envelope):
// every `{error: {…}}` body carries `provider` (the provider that failed, null
// for the router's own refusals) and `http_status` beside OpenAI's fields,
// which the official SDK keeps reading. `raw`, the provider's own error body,
// appears only under Settings.errors.includeRaw, and then scrubbed: the
// simulated provider echoes the key it was sent, which must never show.
import { expect } from 'chai';
import { APIError } from 'openai';
import { settingsYaml } from '../helpers/router.js';
import { startErrorsStack, type ErrorsStack } from './errors-stack.js';

async function post(stack: ErrorsStack, path: string, body: unknown): Promise<{ status: number; text: string; json: any }> {
  const res = await fetch(`${stack.router.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.secrets.caller}` },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}

const echoing = { 'gpt-4o-mini': { fail: { status: 400, kind: 'invalid_request' as const, echoCredentials: true } } };

describe('error envelope: provider and http_status', function () {
  let stack: ErrorsStack;
  before(async () => {
    stack = await startErrorsStack();
  });
  after(() => stack?.stop());

  it("a provider's 400 names the provider and status; the SDK still reads message, type and code", async () => {
    stack.sim.setScript({ models: echoing });
    const r = await post(stack, '/v1/chat/completions', { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    expect(r.status).to.equal(400);
    expect(r.json.error.provider).to.equal('openai');
    expect(r.json.error.http_status).to.equal(400);
    expect(r.json.error).to.not.have.property('raw');
    expect(r.text).to.not.include(stack.secrets.providers.DEMO_OPENAI_KEY!);
    try {
      await stack.sdk({ maxRetries: 0 }).chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
      expect.fail('the provider failed');
    } catch (err) {
      expect(err).to.be.instanceOf(APIError);
      const e = err as APIError;
      expect(e.status).to.equal(400);
      expect(e.type).to.equal('invalid_request_error');
      expect((e.error as { provider?: unknown }).provider).to.equal('openai');
    }
  });

  it('a provider 429 on the Responses API carries provider and 429', async () => {
    stack.sim.setScript({ models: { 'gpt-4o-mini': { fail: { status: 429, kind: 'rate_limit' as never } } } });
    const r = await post(stack, '/v1/responses', { model: 'openai/gpt-4o-mini', input: 'hi' });
    expect(r.status).to.equal(429);
    expect(r.json.error).to.include({ provider: 'openai', http_status: 429 });
  });

  it("a router-side 400 (unknown model) has provider null and the router's status", async () => {
    const r = await post(stack, '/v1/responses', { model: 'no-such-model-anywhere', input: 'hi' });
    expect(r.status).to.equal(400);
    expect(r.json.error).to.include({ code: 'unknown_model', provider: null, http_status: 400 });
  });

  it("a forwarded embeddings error (the provider's own body) gains provider and http_status", async () => {
    stack.sim.setScript({ models: { 'text-embedding-3-small': { fail: { status: 400, kind: 'invalid_request', message: 'bad embeddings input' } } } });
    const r = await post(stack, '/v1/embeddings', { model: 'openai/text-embedding-3-small', input: 'hello' });
    expect(r.status).to.equal(400);
    expect(r.json.error.message).to.include('bad embeddings input');
    expect(r.json.error).to.include({ provider: 'openai', http_status: 400 });
  });

  it('a Chat stream error chunk after the first byte names the provider and a status', async () => {
    stack.sim.setScript({ models: { 'gpt-4o-mini': { inBandErrorAfterChunks: 2, inBandError: { kind: 'invalid_request', message: 'bad input' } } } });
    const r = await post(stack, '/v1/chat/completions', { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true });
    const chunk = r.text
      .split('\n')
      .filter((l) => l.startsWith('data: ') && l.includes('"error"'))
      .map((l) => JSON.parse(l.slice(6)))[0];
    expect(chunk, r.text).to.not.equal(undefined);
    expect(chunk.error.provider).to.equal('openai');
    expect(chunk.error.http_status).to.be.a('number').within(400, 599);
  });
});

describe('error envelope: raw under Settings.errors.includeRaw', function () {
  let stack: ErrorsStack;
  before(async () => {
    stack = await startErrorsStack({ files: { 'settings.yaml': settingsYaml({ defaultMode: 'balance', errors: { includeRaw: true } } as never) } });
  });
  after(() => stack?.stop());

  it("carries the provider's body, scrubbed: the key the provider echoed never appears", async () => {
    stack.sim.setScript({ models: echoing });
    const r = await post(stack, '/v1/chat/completions', { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    expect(r.status).to.equal(400);
    expect(r.json.error.provider).to.equal('openai');
    expect(r.json.error.raw).to.be.a('string');
    // The provider's own shape is inside (OpenAI's simulator answers {"error": {…}}).
    expect(r.json.error.raw).to.include('"error"');
    expect(r.json.error.raw).to.include('[redacted]');
    expect(r.text).to.not.include(stack.secrets.providers.DEMO_OPENAI_KEY!);
    expect(r.text).to.not.include(stack.secrets.caller);
  });

  it('a router-side error has no raw (no provider was involved)', async () => {
    const r = await post(stack, '/v1/responses', { model: 'no-such-model-anywhere', input: 'hi' });
    expect(r.json.error).to.not.have.property('raw');
    expect(r.json.error.provider).to.equal(null);
  });
});
