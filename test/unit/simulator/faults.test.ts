// Scripted faults and pacing: HTTP errors with retry-after, `times`, per-model
// selection, connection reset, drop, stall, latency/ttft/tokens-per-second,
// the model-name convention, call recording and prompt close.
import { expect } from 'chai';
import OpenAI from 'openai';
import { conventionBehaviour, startSimulator, type Simulator } from '../../../src/simulator/index.js';
import { parseSse, post, readAll } from './helpers.js';

const chatBody = (model: string, stream = false): unknown => ({ model, stream, messages: [{ role: 'user', content: 'one two three four' }] });

describe('simulator: scripted faults', () => {
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator();
  });
  after(() => sim.close());
  beforeEach(() => {
    sim.setScript({});
    sim.reset();
  });

  it('429 with retry-after in the OpenAI shape (SDK RateLimitError)', async () => {
    sim.setScript({ models: { limited: { fail: { status: 429, retryAfter: 3 } } } });
    const res = await post(`${sim.baseUrls.openai}/chat/completions`, chatBody('limited'));
    expect(res.status).to.equal(429);
    expect(res.headers.get('retry-after')).to.equal('3');
    expect(await res.json() as any).to.deep.equal({ error: { message: 'Rate limit reached for requests. Please try again later.', type: 'requests', param: null, code: 'rate_limit_exceeded' } });
    const client = new OpenAI({ apiKey: 'k', baseURL: sim.baseUrls.openai, maxRetries: 0 });
    const err = await client.responses.create({ model: 'limited', input: 'x' }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).to.equal('3');
  });

  it('`times` fails only the first N calls; per-model beats default; a body override is sent verbatim', async () => {
    sim.setScript({
      default: { fail: { status: 500 } },
      models: { flaky: { fail: { status: 503, times: 2 } }, custom: { fail: { status: 400, body: { weird: true } } } },
    });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await post(`${sim.baseUrls.openai}/chat/completions`, chatBody('flaky'))).status);
    expect(statuses).to.deep.equal([503, 503, 200]);
    expect((await post(`${sim.baseUrls.openai}/chat/completions`, chatBody('anything'))).status).to.equal(500);
    const custom = await post(`${sim.baseUrls.openai}/chat/completions`, chatBody('custom'));
    expect(await custom.json() as any).to.deep.equal({ weird: true });
    sim.reset();
    expect((await post(`${sim.baseUrls.openai}/chat/completions`, chatBody('flaky'))).status).to.equal(503);
  });

  it('resets the connection before headers (fetch rejects), `times` then recovers', async () => {
    sim.setScript({ models: { rst: { resetBeforeHeaders: { times: 1 } } } });
    const err = await post(`${sim.baseUrls.openai}/chat/completions`, chatBody('rst')).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(TypeError);
    const ok = await post(`${sim.baseUrls.openai}/chat/completions`, chatBody('rst'));
    expect(ok.status).to.equal(200);
    expect(sim.calls).to.have.length(2);
  });

  it('drops the socket after 3 stream chunks', async () => {
    sim.setScript({ models: { d: { dropAfterChunks: 3 } } });
    const res = await post(`${sim.baseUrls.openai}/chat/completions`, chatBody('d', true));
    expect(res.status).to.equal(200);
    const { text, error } = await readAll(res);
    expect(error).to.be.instanceOf(Error);
    expect(parseSse(text)).to.have.length(3);
  });

  it('stalls after N chunks: no data for 300 ms while the socket stays open', async () => {
    sim.setScript({ models: { s: { stallAfterChunks: 2 } } });
    const ac = new AbortController();
    const res = await fetch(`${sim.baseUrls.openai}/chat/completions`, { method: 'POST', body: JSON.stringify(chatBody('s', true)), headers: { 'content-type': 'application/json' }, signal: ac.signal });
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let text = '';
    while (parseSse(text).length < 2) text += dec.decode((await reader.read()).value);
    const more = await Promise.race([reader.read().then(() => 'data'), new Promise((r) => setTimeout(() => r('quiet'), 300))]);
    expect(more).to.equal('quiet');
    expect(parseSse(text)).to.have.length(2);
    ac.abort();
  });

  it('latency, ttft and tokens-per-second pacing', async () => {
    sim.setScript({ models: { slow: { latencyMs: 80, ttftMs: 60, tokensPerSecond: 100 } } });
    const t0 = Date.now();
    const res = await post(`${sim.baseUrls.openai}/chat/completions`, chatBody('slow', true));
    const tHeaders = Date.now() - t0;
    const reader = res.body!.getReader();
    await reader.read(); // role chunk
    const tFirst = Date.now() - t0;
    while (!(await reader.read()).done);
    const tEnd = Date.now() - t0;
    // Lower bounds are the contract; upper bounds only catch gross errors (slow CI machines).
    expect(tHeaders).to.be.within(75, 400);
    expect(tFirst - tHeaders).to.be.within(50, 400);
    // 11 content chunks at 100/s: the last one ~100 ms after the first.
    expect(tEnd - tFirst).to.be.within(90, 500);
  });

  it('the model-name convention picks behaviours without a script', async () => {
    expect(conventionBehaviour('gpt-4o-fail429x2-slow10')).to.deep.equal({ fail: { status: 429, times: 2 }, latencyMs: 10 });
    expect(conventionBehaviour('claude-stall')).to.deep.equal({ stallAfterChunks: 3 });
    expect(conventionBehaviour('plain-model')).to.equal(undefined);
    expect((await post(`${sim.baseUrls.openai}/chat/completions`, chatBody('m-fail503'))).status).to.equal(503);
    const a = await post(`${sim.baseUrls.anthropic}/messages`, { model: 'c-fail503x1', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }, { 'anthropic-version': '2023-06-01' });
    expect(a.status).to.equal(529);
    const b = await post(`${sim.baseUrls.anthropic}/messages`, { model: 'c-fail503x1', max_tokens: 50, messages: [{ role: 'user', content: 'x' }] }, { 'anthropic-version': '2023-06-01' });
    expect(b.status).to.equal(200);
    const reset = await post(`${sim.baseUrls.gemini}/models/g-reset:generateContent`, { contents: [{ role: 'user', parts: [{ text: 'x' }] }] }).catch((e: unknown) => e);
    expect(reset).to.be.instanceOf(TypeError);
    const dropped = await readAll(await post(`${sim.baseUrls.gemini}/models/g-drop3:streamGenerateContent?alt=sse`, { contents: [{ role: 'user', parts: [{ text: 'x' }] }] }));
    expect(dropped.error).to.be.instanceOf(Error);
    expect(parseSse(dropped.text)).to.have.length(3);
  });

  it('records every call with lower-cased headers, including failed ones', async () => {
    sim.setScript({ models: { f: { fail: { status: 500 } } } });
    await post(`${sim.baseUrls.openai}/chat/completions`, chatBody('f'), { 'X-Custom-Header': 'v1' });
    await post(`${sim.baseUrls.openai}/responses`, { model: 'ok', input: 'hi', stream: true }, { Authorization: 'Bearer zz' }).then((r) => r.text());
    expect(sim.calls.map((c) => [c.protocol, c.model, c.stream])).to.deep.equal([
      ['openai-chat', 'f', false],
      ['openai-responses', 'ok', true],
    ]);
    expect(sim.calls[0]!.headers['x-custom-header']).to.equal('v1');
    expect(sim.calls[1]!.headers['authorization']).to.equal('Bearer zz');
    expect(sim.calls[1]!.body).to.deep.equal({ model: 'ok', input: 'hi', stream: true });
    expect(sim.calls[0]!.at).to.be.a('number');
  });

  it('unknown paths get a 404 in the OpenAI shape', async () => {
    const res = await post(`${sim.url}/nope`, {});
    expect(res.status).to.equal(404);
    expect((await res.json() as any).error.type).to.equal('invalid_request_error');
  });
});

describe('simulator: close', () => {
  it('ends stalled connections and pending latency promptly', async () => {
    const sim = await startSimulator({ script: { models: { s: { stallAfterChunks: 1 }, l: { latencyMs: 60_000 } } } });
    const stalled = await post(`${sim.baseUrls.openai}/chat/completions`, chatBody('s', true));
    const reading = readAll(stalled);
    const waiting = post(`${sim.baseUrls.openai}/chat/completions`, chatBody('l')).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    await sim.close();
    expect(Date.now() - t0).to.be.below(500);
    const r = await reading;
    expect(parseSse(r.text)).to.have.length(1);
    expect(r.error).to.be.instanceOf(Error);
    expect(await waiting).to.be.instanceOf(TypeError);
  });
});
