// Issue 14, finding 9 "Errors that change meaning on a stream": a provider's
// insufficient_quota inside a 200 stream reached the client as 503
// server_is_overloaded after a retry (the same error as an HTTP answer was,
// correctly, 429 insufficient_quota and not retried); and a permanent 409
// response_not_stored carried no `x-should-retry: false`, so the official
// SDKs retried it. Here each provider error (quota, rate limit with a wait, a
// bad request) is sent three ways by the simulated OpenAI, Anthropic and
// Gemini upstreams — as an HTTP error, in-band before the stream's first
// byte, in-band after content — and must mean the same each time: the same
// status, code, retry-after and x-should-retry, the same number of upstream
// attempts, and the same code in the SSE error event once bytes were sent.
// Permanent answers (400, 403, 404, 409, 422) carry x-should-retry: false and
// the official SDK (maxRetries 2, its default) sends them once.
import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SimErrorKind } from '../../src/simulator/types.js';
import { sseEvents, startErrorsStack, type ErrorsStack } from './errors-stack.js';

const PROVIDERS = [
  { name: 'openai', model: 'gpt-4o-mini', quotaCode: 'insufficient_quota' },
  { name: 'anthropic', model: 'claude-3-haiku', quotaCode: 'insufficient_quota' },
  // Gemini answers quota and rate limits alike (429 RESOURCE_EXHAUSTED): both are rate limits, with and without a stream.
  { name: 'gemini', model: 'gemini-2.5-flash', quotaCode: 'rate_limit_exceeded' },
] as const;

interface Answer {
  status: number;
  code: string | null;
  type: string | null;
  retryAfter: string | null;
  shouldRetry: string | null;
  /** Upstream calls for the model. */
  calls: number;
  /** The stream's in-band error (after content), when there was one. */
  sseError?: { code: string | null; type: string | null };
}

describe('provider errors mean the same with and without a stream (finding 9)', function () {
  this.timeout(60_000);
  let stack: ErrorsStack;

  before(async () => {
    stack = await startErrorsStack();
  });
  after(async () => {
    await stack?.stop();
  });

  async function ask(p: (typeof PROVIDERS)[number], stream: boolean, api: 'chat' | 'responses' = 'chat'): Promise<Answer> {
    stack.sim.reset();
    const body = api === 'chat' ? { model: `${p.name}/${p.model}`, messages: [{ role: 'user', content: 'hello there' }], stream } : { model: `${p.name}/${p.model}`, input: 'hello there', stream };
    const res = await fetch(`${stack.router.url}/v1/${api === 'chat' ? 'chat/completions' : 'responses'}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.secrets.caller}` },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    const answer: Answer = {
      status: res.status,
      code: null,
      type: null,
      retryAfter: res.headers.get('retry-after'),
      shouldRetry: res.headers.get('x-should-retry'),
      calls: stack.sim.calls.filter((c) => c.model.includes(p.model)).length,
    };
    if (res.status !== 200) {
      const err = JSON.parse(text).error;
      answer.code = err.code;
      answer.type = err.type;
    } else if (stream) {
      const events = sseEvents(text);
      const chatErr = events.find(([, d]) => d && typeof d === 'object' && d.error)?.[1]?.error;
      const respErr = events.find(([name]) => name === 'error')?.[1];
      if (chatErr) answer.sseError = { code: chatErr.code, type: chatErr.type };
      else if (respErr) answer.sseError = { code: respErr.code, type: null };
    }
    return answer;
  }

  const script = (p: (typeof PROVIDERS)[number], b: object): void => stack.sim.setScript({ models: { [p.model]: b } });

  const KINDS: Array<{ kind: SimErrorKind; status: number; code: (p: (typeof PROVIDERS)[number]) => string | null; wait?: number; permanent: boolean }> = [
    { kind: 'quota', status: 429, code: (p) => p.quotaCode, permanent: true },
    { kind: 'rate_limit', status: 429, code: () => 'rate_limit_exceeded', wait: 1, permanent: false },
    { kind: 'invalid_request', status: 400, code: (p) => (p.name === 'openai' ? 'invalid_value' : null), permanent: true },
  ];

  for (const p of PROVIDERS) {
    for (const k of KINDS) {
      const permanent = k.permanent && !(p.name === 'gemini' && k.kind === 'quota');
      it(`${p.name} ${k.kind}: HTTP error = in-band before the first byte = SSE error after content`, async () => {
        const hint = k.wait !== undefined ? { retryAfter: k.wait } : {};
        script(p, { fail: { status: k.status, kind: k.kind, ...hint } });
        const http = await ask(p, false);
        if (k.wait) await sleep(k.wait * 1000 + 200); // the provider's cool-down (its retry-after) must pass
        const httpStreamed = await ask(p, true);
        if (k.wait) await sleep(k.wait * 1000 + 200); // the provider's cool-down (its retry-after) must pass
        script(p, { inBandErrorAfterChunks: 0, inBandError: { kind: k.kind, ...hint } });
        const early = await ask(p, true);
        if (k.wait) await sleep(k.wait * 1000 + 200);
        const earlyResponses = await ask(p, true, 'responses');
        if (k.wait) await sleep(k.wait * 1000 + 200);
        // Six events in, every protocol has sent text (Anthropic and Responses open with three without any).
        script(p, { inBandErrorAfterChunks: 6, inBandError: { kind: k.kind, ...hint } });
        const late = await ask(p, true);
        if (k.wait) await sleep(k.wait * 1000 + 200);
        const lateResponses = await ask(p, true, 'responses');
        if (k.wait) await sleep(k.wait * 1000 + 200);

        const expected = {
          status: k.status,
          code: k.code(p),
          retryAfter: k.wait !== undefined ? String(k.wait) : null,
          shouldRetry: permanent ? 'false' : null,
          calls: 1,
        };
        const shape = (a: Answer) => ({ status: a.status, code: a.code, retryAfter: a.retryAfter, shouldRetry: a.shouldRetry, calls: a.calls });
        expect(shape(http), 'HTTP error').to.deep.equal(expected);
        expect(shape(httpStreamed), 'HTTP error, stream requested').to.deep.equal(expected);
        expect(shape(early), 'in-band error before the first byte (chat)').to.deep.equal(expected);
        expect(shape(earlyResponses), 'in-band error before the first byte (responses)').to.deep.equal(expected);
        expect(early.type).to.equal(http.type);
        // After content the stream is committed: 200, one attempt, and the error event carries the HTTP code.
        expect(late.status).to.equal(200);
        expect(late.calls).to.equal(1);
        expect(late.sseError, 'chat SSE error chunk').to.deep.equal({ code: http.code, type: http.type });
        expect(lateResponses.status).to.equal(200);
        expect(lateResponses.sseError?.code, 'responses SSE error event').to.equal(http.code);
      });
    }
  }

  it('a server-side in-band error before the first byte is still retried (the one in-band error that is transient)', async () => {
    const p = PROVIDERS[0];
    script(p, { inBandErrorAfterChunks: 0 });
    const a = await ask(p, true);
    expect(a.status).to.equal(503);
    expect(a.code).to.equal('server_is_overloaded');
    expect(a.calls).to.be.greaterThan(1);
    expect(a.shouldRetry).to.equal(null);
  });
});

describe('permanent errors carry x-should-retry: false and the official SDK does not retry them (finding 9)', function () {
  this.timeout(60_000);
  let stack: ErrorsStack;

  before(async () => {
    stack = await startErrorsStack();
  });
  after(async () => {
    await stack?.stop();
  });

  /** Runs one SDK call with the SDK's default retries; returns the error it threw and how many requests reached the router. */
  async function sdkError(call: (c: ReturnType<ErrorsStack['sdk']>) => Promise<unknown>): Promise<{ status: number; code: unknown; shouldRetry: string | null; requests: number }> {
    stack.routerRequests.length = 0;
    try {
      await call(stack.sdk());
    } catch (err) {
      const e = err as { status: number; code: unknown; headers?: Headers };
      return { status: e.status, code: e.code, shouldRetry: e.headers?.get('x-should-retry') ?? null, requests: stack.routerRequests.length };
    }
    throw new Error('the call did not fail');
  }

  it('409 response_not_stored (store: false, then replay): sent once', async () => {
    stack.sim.setScript({});
    const created = await stack.sdk().responses.create({ model: 'openai/gpt-4o-mini', input: 'hello there', store: false });
    const got = await sdkError((c) => c.responses.retrieve(created.id));
    expect(got).to.deep.equal({ status: 409, code: 'response_not_stored', shouldRetry: 'false', requests: 1 });
    const cont = await sdkError((c) => c.responses.create({ model: 'openai/gpt-4o-mini', input: 'and then?', previous_response_id: created.id }));
    expect(cont).to.deep.equal({ status: 409, code: 'response_not_stored', shouldRetry: 'false', requests: 1 });
  });

  it('404 response_not_found: sent once', async () => {
    const got = await sdkError((c) => c.responses.retrieve('resp_does_not_exist'));
    expect(got).to.deep.equal({ status: 404, code: 'response_not_found', shouldRetry: 'false', requests: 1 });
  });

  it('400 from the router and from the provider: sent once', async () => {
    const own = await sdkError((c) => c.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], temperature: 'hot' as never }));
    expect(own.status).to.equal(400);
    expect(own.shouldRetry).to.equal('false');
    expect(own.requests).to.equal(1);
    stack.sim.setScript({ models: { 'gpt-4o-mini': { fail: { status: 400, kind: 'invalid_request' } } } });
    const upstream = await sdkError((c) => c.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }));
    expect(upstream).to.deep.equal({ status: 400, code: 'invalid_value', shouldRetry: 'false', requests: 1 });
    stack.sim.setScript({});
  });

  it('403 firewall_blocked: x-should-retry: false', async () => {
    const got = await sdkError((c) => c.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'my card is 4111 1111 1111 1111' }] }));
    expect(got).to.deep.equal({ status: 403, code: 'firewall_blocked', shouldRetry: 'false', requests: 1 });
  });

  it('404 from the provider (model_not_found): sent once', async () => {
    stack.sim.setScript({ models: { 'gpt-4o-mini': { fail: { status: 404 } } } });
    const got = await sdkError((c) => c.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }));
    expect(got).to.deep.equal({ status: 404, code: 'model_not_found', shouldRetry: 'false', requests: 1 });
    stack.sim.setScript({});
  });

  it('422 no_candidates: x-should-retry: false', async () => {
    const got = await sdkError((c) =>
      c.chat.completions.create({
        model: 'deepseek/deepseek-v3',
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] }],
      }),
    );
    expect(got).to.deep.equal({ status: 422, code: 'no_candidates', shouldRetry: 'false', requests: 1 });
  });

  it('429 insufficient_quota (provider and in-band): sent once; a rate limit is still left to the SDK', async () => {
    stack.sim.setScript({ models: { 'gpt-4o-mini': { fail: { status: 429, kind: 'quota' } } } });
    const http = await sdkError((c) => c.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }));
    expect(http).to.deep.equal({ status: 429, code: 'insufficient_quota', shouldRetry: 'false', requests: 1 });
    stack.sim.setScript({ models: { 'gpt-4o-mini': { inBandErrorAfterChunks: 0, inBandError: { kind: 'quota' } } } });
    const inBand = await sdkError(async (c) => {
      for await (const _ of await c.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true }));
    });
    expect(inBand).to.deep.equal({ status: 429, code: 'insufficient_quota', shouldRetry: 'false', requests: 1 });
    stack.sim.setScript({});
  });
});
