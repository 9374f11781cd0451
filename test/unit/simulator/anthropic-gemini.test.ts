// Anthropic Messages and Gemini generateContent simulators, by fetch: bodies,
// stream event sequences, tool calls, JSON output, auth and validation.
import { expect } from 'chai';
import { startSimulator, type Simulator } from '../../../src/simulator/index.js';
import { parseSse, post } from './helpers.js';

const schema = { type: 'object', properties: { city: { type: 'string' }, n: { type: 'integer' } }, required: ['city', 'n'], additionalProperties: false };

describe('simulator: Anthropic Messages', () => {
  let sim: Simulator;
  const H = { 'x-api-key': 'ak', 'anthropic-version': '2023-06-01' };
  const url = (): string => `${sim.baseUrls.anthropic}/messages`;
  before(async () => {
    sim = await startSimulator({ requireKey: 'ak' });
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  it('non-stream text message with usage and request-id', async () => {
    const res = await post(url(), { model: 'claude-sonnet-4-5', max_tokens: 100, system: 'Be brief.', messages: [{ role: 'user', content: 'hello claude' }] }, H);
    expect(res.status).to.equal(200);
    expect(res.headers.get('request-id')).to.match(/^req_/);
    const m = await res.json() as any;
    expect(m).to.deep.include({ type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', stop_reason: 'end_turn', stop_sequence: null });
    expect(m.id).to.match(/^msg_/);
    expect(m.content).to.deep.equal([{ type: 'text', text: 'Hello from anthropic model claude-sonnet-4-5. You said: hello claude' }]);
    expect(m.usage).to.deep.equal({ input_tokens: 4, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 9, service_tier: 'standard' });
    expect(sim.calls[0]!.headers['x-api-key']).to.equal('ak');
  });

  it('streams message_start … message_stop with event lines and cumulative usage', async () => {
    const res = await post(url(), { model: 'c', max_tokens: 100, stream: true, messages: [{ role: 'user', content: [{ type: 'text', text: 'pic' }, { type: 'image', source: { type: 'url', url: 'https://x/y.png' } }] }] }, H);
    const events = parseSse(await res.text());
    const names = events.map((e) => e.event);
    expect(names.slice(0, 3)).to.deep.equal(['message_start', 'content_block_start', 'ping']);
    expect(names.slice(-3)).to.deep.equal(['content_block_stop', 'message_delta', 'message_stop']);
    expect(names.slice(3, -3).every((n) => n === 'content_block_delta')).to.equal(true);
    const data = events.map((e) => JSON.parse(e.data));
    data.forEach((d, i) => expect(d.type).to.equal(names[i]));
    expect(data[0].message.usage).to.include({ input_tokens: 1, output_tokens: 1 });
    const text = data.slice(3, -3).map((d) => d.delta.text).join('');
    expect(text).to.equal('Hello from anthropic model c. You said: pic I see 1 image(s).');
    expect(data.at(-2)).to.deep.equal({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { input_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 12 },
    });
  });

  it('streams a tool_use block with input_json_delta fragments; the tool result round-trips', async () => {
    const tools = [{ name: 'get_weather', description: 'w', input_schema: schema }];
    const res = await post(url(), { model: 'c', max_tokens: 100, stream: true, tools, messages: [{ role: 'user', content: 'weather' }] }, H);
    const data = parseSse(await res.text()).map((e) => JSON.parse(e.data));
    expect(data[1].content_block).to.deep.include({ type: 'tool_use', name: 'get_weather', input: {} });
    const id = data[1].content_block.id;
    expect(id).to.match(/^toolu_/);
    const partial = data.filter((d) => d.delta?.type === 'input_json_delta').map((d) => d.delta.partial_json);
    expect(partial[0]).to.equal('');
    expect(partial.length).to.be.within(3, 4);
    expect(JSON.parse(partial.join(''))).to.deep.equal({ city: 'example', n: 1 });
    expect(data.at(-2).delta.stop_reason).to.equal('tool_use');

    const next = await post(
      url(),
      {
        model: 'c',
        max_tokens: 100,
        tools,
        messages: [
          { role: 'user', content: 'weather' },
          { role: 'assistant', content: [{ type: 'tool_use', id, name: 'get_weather', input: { city: 'example', n: 1 } }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: [{ type: 'text', text: 'rainy' }] }] },
        ],
      },
      H,
    );
    expect((await next.json() as any).content[0].text).to.equal('Tool result received: rainy');
  });

  it('output_config json_schema gives a JSON document', async () => {
    const res = await post(url(), { model: 'c', max_tokens: 100, output_config: { format: { type: 'json_schema', schema } }, messages: [{ role: 'user', content: 'json' }] }, H);
    expect(JSON.parse((await res.json() as any).content[0].text)).to.deep.equal({ city: 'example', n: 1 });
  });

  it('rejects what the real API rejects, in its own error shape', async () => {
    const noMax = await post(url(), { model: 'c', messages: [{ role: 'user', content: 'x' }] }, H);
    expect(noMax.status).to.equal(400);
    expect(await noMax.json() as any).to.deep.include({ type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: Field required' } });
    const orphan = await post(url(), { model: 'c', max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_x', content: 'r' }] }] }, H);
    expect(orphan.status).to.equal(400);
    const empty = await post(url(), { model: 'c', max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'text', text: '' }] }] }, H);
    expect((await empty.json() as any).error.message).to.equal('messages: text content blocks must be non-empty');
    const badKey = await post(url(), { model: 'c', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }, { ...H, 'x-api-key': 'wrong' });
    expect(badKey.status).to.equal(401);
    expect((await badKey.json() as any).error.type).to.equal('authentication_error');
  });

  it('overloaded (503 scripted) is sent as 529 overloaded_error; in-band error event', async () => {
    sim.setScript({ models: { busy: { fail: { status: 503, retryAfter: 2 } }, cut: { inBandErrorAfterChunks: 4 } } });
    try {
      const busy = await post(url(), { model: 'busy', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }, H);
      expect(busy.status).to.equal(529);
      expect(busy.headers.get('retry-after')).to.equal('2');
      expect((await busy.json() as any).error.type).to.equal('overloaded_error');
      const cut = await post(url(), { model: 'cut', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'x y z' }] }, H);
      const events = parseSse(await cut.text());
      expect(events.map((e) => e.event)).to.deep.equal(['message_start', 'content_block_start', 'ping', 'content_block_delta', 'error']);
      expect(JSON.parse(events[4]!.data)).to.deep.equal({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    } finally {
      sim.setScript({});
    }
  });
});

describe('simulator: Gemini', () => {
  let sim: Simulator;
  const H = { 'x-goog-api-key': 'gk' };
  const url = (model: string, method: string): string => `${sim.baseUrls.gemini}/models/${model}:${method}`;
  before(async () => {
    sim = await startSimulator({ requireKey: 'gk' });
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  it('generateContent: text with usageMetadata; model taken from the URL', async () => {
    const res = await post(url('gemini-2.5-flash', 'generateContent'), { systemInstruction: { parts: [{ text: 'Be brief.' }] }, contents: [{ role: 'user', parts: [{ text: 'hi gemini' }] }] }, H);
    const r = await res.json() as any;
    expect(r.candidates[0]).to.deep.equal({ content: { parts: [{ text: 'Hello from gemini model gemini-2.5-flash. You said: hi gemini' }], role: 'model' }, finishReason: 'STOP', index: 0 });
    expect(r.usageMetadata).to.include({ promptTokenCount: 4, candidatesTokenCount: 9, totalTokenCount: 13 });
    expect(r.modelVersion).to.equal('gemini-2.5-flash');
    expect(sim.calls[0]).to.include({ protocol: 'gemini', model: 'gemini-2.5-flash', stream: false });
  });

  it('streamGenerateContent?alt=sse: data fragments (CRLF), the last with finishReason and usage', async () => {
    const res = await post(`${url('gemini-2.5-flash', 'streamGenerateContent')}?alt=sse`, { contents: [{ role: 'user', parts: [{ text: 'stream' }] }] }, H);
    expect(res.headers.get('content-type')).to.equal('text/event-stream');
    const raw = await res.text();
    expect(raw).to.include('\r\n\r\n');
    const frags = parseSse(raw).map((e) => JSON.parse(e.data));
    expect(frags.length).to.be.greaterThan(3);
    expect(frags.slice(0, -1).every((f) => f.candidates[0].finishReason === undefined)).to.equal(true);
    expect(frags.at(-1).candidates[0].finishReason).to.equal('STOP');
    expect(frags.at(-1).usageMetadata).to.include({ promptTokenCount: 1, candidatesTokenCount: 8, totalTokenCount: 9 });
    expect(frags.map((f) => f.candidates[0].content.parts[0].text).join('')).to.equal('Hello from gemini model gemini-2.5-flash. You said: stream');
    expect(sim.calls[0]!.stream).to.equal(true);
  });

  it('function call with id and thoughtSignature, then a separate STOP fragment; functionResponse round-trips', async () => {
    const body = {
      contents: [{ role: 'user', parts: [{ text: 'weather' }] }],
      tools: [{ functionDeclarations: [{ name: 'get_weather', parametersJsonSchema: schema }] }],
    };
    const frags = parseSse(await (await post(`${url('gemini-3-pro', 'streamGenerateContent')}?alt=sse`, body, H)).text()).map((e) => JSON.parse(e.data));
    expect(frags).to.have.length(2);
    const part = frags[0].candidates[0].content.parts[0];
    expect(part.functionCall).to.deep.include({ name: 'get_weather', args: { city: 'example', n: 1 } });
    expect(part.functionCall.id).to.be.a('string');
    expect(part.thoughtSignature).to.be.a('string');
    expect(frags[1].candidates[0].finishReason).to.equal('STOP');

    const history = (withSignature: boolean): unknown => ({
      ...body,
      contents: [
        ...body.contents,
        { role: 'model', parts: [withSignature ? part : { functionCall: part.functionCall }] },
        { role: 'user', parts: [{ functionResponse: { name: 'get_weather', id: part.functionCall.id, response: { output: 'cloudy' } } }] },
      ],
    });
    const ok = await (await post(url('gemini-3-pro', 'generateContent'), history(true), H)).json() as any;
    expect(ok.candidates[0].content.parts[0].text).to.equal('Tool result received: cloudy');
    const missing = await post(url('gemini-3-pro', 'generateContent'), history(false), H);
    expect(missing.status).to.equal(400);
    expect((await missing.json() as any).error.message).to.match(/missing a thought_signature/);
  });

  it('JSON output from responseJsonSchema; stream without alt=sse is a JSON array', async () => {
    const res = await post(url('g', 'streamGenerateContent'), {
      contents: [{ role: 'user', parts: [{ text: 'json' }] }],
      generationConfig: { responseMimeType: 'application/json', responseJsonSchema: schema },
    }, H);
    const arr = JSON.parse(await res.text());
    expect(arr).to.be.an('array');
    expect(JSON.parse(arr.map((f: any) => f.candidates[0].content.parts[0].text).join(''))).to.deep.equal({ city: 'example', n: 1 });
  });

  it('errors: bad key (400 API_KEY_INVALID), legacy parameters schema, 429 RESOURCE_EXHAUSTED, in-band error', async () => {
    const bad = await post(url('g', 'generateContent'), { contents: [{ role: 'user', parts: [{ text: 'x' }] }] }, { 'x-goog-api-key': 'no' });
    expect(bad.status).to.equal(400);
    expect((await bad.json() as any).error.details[0].reason).to.equal('API_KEY_INVALID');
    const legacy = await post(url('g', 'generateContent'), { contents: [{ role: 'user', parts: [{ text: 'x' }] }], tools: [{ functionDeclarations: [{ name: 'f', parameters: schema }] }] }, H);
    expect(legacy.status).to.equal(400);
    expect((await legacy.json() as any).error.message).to.match(/Unknown name "additionalProperties"/);
    sim.setScript({ models: { busy: { fail: { status: 429, retryAfter: 7 } }, cut: { inBandErrorAfterChunks: 2 } } });
    try {
      const busy = await post(url('busy', 'generateContent'), { contents: [{ role: 'user', parts: [{ text: 'x' }] }] }, H);
      expect(busy.status).to.equal(429);
      expect(busy.headers.get('retry-after')).to.equal('7');
      expect(await busy.json() as any).to.deep.equal({ error: { code: 429, message: 'Resource has been exhausted (e.g. check quota).', status: 'RESOURCE_EXHAUSTED' } });
      const cut = parseSse(await (await post(`${url('cut', 'streamGenerateContent')}?alt=sse`, { contents: [{ role: 'user', parts: [{ text: 'x' }] }] }, H)).text());
      expect(cut).to.have.length(3);
      expect(JSON.parse(cut[2]!.data)).to.deep.equal({ error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' } });
    } finally {
      sim.setScript({});
    }
  });
});
