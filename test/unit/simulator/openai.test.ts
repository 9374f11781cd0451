// The OpenAI-wire simulators, driven through the official openai SDK (Responses,
// Chat Completions, embeddings, models) plus exact event-sequence checks by fetch.
import { expect } from 'chai';
import OpenAI from 'openai';
import { startSimulator, type Simulator } from '../../../src/simulator/index.js';
import { parseSse, post } from './helpers.js';

const weatherTool = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Current weather',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' }, days: { type: 'integer' }, metric: { type: 'boolean' }, tags: { type: 'array', items: { type: 'string' } }, where: { type: 'object', properties: { lat: { type: 'number' } }, required: ['lat'] } },
    required: ['city', 'days', 'metric', 'tags', 'where'],
    additionalProperties: false,
  },
  strict: false,
};
const expectedArgs = { city: 'example', days: 1, metric: true, tags: [], where: { lat: 1 } };

describe('simulator: OpenAI Responses', () => {
  let sim: Simulator;
  let client: OpenAI;
  before(async () => {
    sim = await startSimulator({ requireKey: 'sk-test' });
    client = new OpenAI({ apiKey: 'sk-test', baseURL: sim.baseUrls.openai, maxRetries: 0 });
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  it('responses.create returns a completed Response with usage', async () => {
    const r = await client.responses.create({ model: 'gpt-4o-mini', input: 'Say hello to the simulator please', instructions: 'Be brief.' });
    expect(r.status).to.equal('completed');
    expect(r.output_text).to.equal('Hello from openai-responses model gpt-4o-mini. You said: Say hello to the simulator please');
    expect(r.id).to.match(/^resp_/);
    expect(r.usage).to.deep.equal({
      input_tokens: 8,
      input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
      output_tokens: 13,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 21,
    });
    expect(r.instructions).to.equal('Be brief.');
    expect(sim.calls).to.have.length(1);
    expect(sim.calls[0]!).to.include({ protocol: 'openai-responses', provider: 'openai', model: 'gpt-4o-mini', stream: false, path: '/openai/v1/responses' });
    expect(sim.calls[0]!.headers['authorization']).to.equal('Bearer sk-test');
  });

  it('responses.stream(...).finalResponse() matches the non-stream answer', async () => {
    const stream = client.responses.stream({ model: 'gpt-4o-mini', input: [{ role: 'user', content: [{ type: 'input_text', text: 'look' }, { type: 'input_image', image_url: 'https://example.com/a.png', detail: 'auto' }] }] });
    const deltas: string[] = [];
    stream.on('response.output_text.delta', (e) => deltas.push(e.delta));
    const r = await stream.finalResponse();
    expect(r.status).to.equal('completed');
    expect(r.output_text).to.equal('Hello from openai-responses model gpt-4o-mini. You said: look I see 1 image(s).');
    expect(deltas.length).to.be.greaterThan(3);
    expect(deltas.join('')).to.equal(r.output_text);
    expect(r.usage?.output_tokens).to.equal(12);
  });

  it('streams exactly the event sequence of spec/examples/responses-text.sse', async () => {
    const res = await post(`${sim.baseUrls.openai}/responses`, { model: 'm', input: 'hi there', stream: true, metadata: { tenant: 'acme' } }, { authorization: 'Bearer sk-test' });
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('text/event-stream');
    const events = parseSse(await res.text());
    const types = events.map((e) => e.event);
    expect(types.slice(0, 4)).to.deep.equal(['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added']);
    expect(types.slice(-4)).to.deep.equal(['response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed']);
    expect(types.slice(4, -4).every((t) => t === 'response.output_text.delta')).to.equal(true);
    const datas = events.map((e) => JSON.parse(e.data));
    datas.forEach((d, i) => {
      expect(d.sequence_number).to.equal(i);
      expect(d.type).to.equal(events[i]!.event);
    });
    expect(Object.keys(datas[0].response)).to.deep.equal([
      'id', 'object', 'created_at', 'status', 'completed_at', 'error', 'incomplete_details', 'instructions', 'max_output_tokens', 'model', 'output',
      'parallel_tool_calls', 'previous_response_id', 'reasoning', 'store', 'temperature', 'text', 'tool_choice', 'tools', 'top_p', 'truncation', 'metadata',
    ]);
    expect(datas[4]).to.deep.include({ item_id: datas[2].item.id, output_index: 0, content_index: 0, logprobs: [] });
    const final = datas.at(-1).response;
    expect(final.metadata).to.deep.equal({ tenant: 'acme' });
    expect(final.output[0]).to.deep.equal({
      id: datas[2].item.id,
      type: 'message',
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_text', text: 'Hello from openai-responses model m. You said: hi there', annotations: [], logprobs: [] }],
    });
  });

  it('calls the tool with schema-generated arguments (fc_/call_ ids, streamed fragments)', async () => {
    const stream = client.responses.stream({ model: 'gpt-4o-mini', input: 'weather?', tools: [weatherTool] });
    const fragments: string[] = [];
    stream.on('response.function_call_arguments.delta', (e) => fragments.push(e.delta));
    const r = await stream.finalResponse();
    const call = r.output[0]!;
    expect(call.type).to.equal('function_call');
    if (call.type !== 'function_call') throw new Error('unreachable');
    expect(call.id).to.match(/^fc_/);
    expect(call.call_id).to.match(/^call_/);
    expect(call.name).to.equal('get_weather');
    expect(JSON.parse(call.arguments)).to.deep.equal(expectedArgs);
    expect(fragments.length).to.be.within(2, 3);
    expect(fragments.join('')).to.equal(call.arguments);

    const next = await client.responses.create({
      model: 'gpt-4o-mini',
      tools: [weatherTool],
      input: [
        { role: 'user', content: 'weather?' },
        { type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments },
        { type: 'function_call_output', call_id: call.call_id, output: 'sunny, 21 C' },
      ],
    });
    expect(next.output_text).to.equal('Tool result received: sunny, 21 C');
  });

  it('tool_choice none answers with text; a forced tool is honoured', async () => {
    const other = { ...weatherTool, name: 'other', parameters: { type: 'object', properties: {}, required: [] } };
    const none = await client.responses.create({ model: 'x', input: 'hi', tools: [weatherTool], tool_choice: 'none' });
    expect(none.output_text).to.match(/^Hello from/);
    const forced = await client.responses.create({ model: 'x', input: 'hi', tools: [weatherTool, other], tool_choice: { type: 'function', name: 'other' } });
    expect(forced.output[0]).to.include({ type: 'function_call', name: 'other', arguments: '{}' });
  });

  it('json_schema output is a document generated from the schema; max_output_tokens → incomplete', async () => {
    const r = await client.responses.create({
      model: 'x',
      input: 'data',
      text: { format: { type: 'json_schema', name: 'p', schema: { type: 'object', properties: { name: { type: 'string' }, age: { type: 'number' } }, required: ['name', 'age'], additionalProperties: false }, strict: true } },
    });
    expect(JSON.parse(r.output_text)).to.deep.equal({ name: 'example', age: 1 });
    const cut = await client.responses.create({ model: 'x', input: 'a long story', max_output_tokens: 3 });
    expect(cut.status).to.equal('incomplete');
    expect(cut.incomplete_details).to.deep.equal({ reason: 'max_output_tokens' });
    expect(cut.output_text).to.equal('Hello from openai-responses');
  });

  it('answers 401 in the OpenAI shape for a wrong key', async () => {
    const bad = new OpenAI({ apiKey: 'nope', baseURL: sim.baseUrls.openai, maxRetries: 0 });
    const err = await bad.responses.create({ model: 'x', input: 'hi' }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(OpenAI.AuthenticationError);
    expect((err as InstanceType<typeof OpenAI.AuthenticationError>).code).to.equal('invalid_api_key');
    expect(sim.calls).to.have.length(1);
  });

  it('in-band error: error event then response.failed; the SDK stream rejects', async () => {
    sim.setScript({ models: { broken: { inBandErrorAfterChunks: 4 } } });
    try {
      const res = await post(`${sim.baseUrls.openai}/responses`, { model: 'broken', input: 'hi', stream: true }, { authorization: 'Bearer sk-test' });
      const events = parseSse(await res.text());
      expect(events.map((e) => e.event)).to.deep.equal(['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added', 'error', 'response.failed']);
      const data = events.map((e) => JSON.parse(e.data));
      expect(data[4]).to.deep.include({ type: 'error', code: 'server_error', param: null, sequence_number: 4 });
      expect(data[5].sequence_number).to.equal(5);
      expect(data[5].response.status).to.equal('failed');
      // openai 6.x rejects with the error event's payload (7.x with an APIError).
      const outcome = await client.responses.stream({ model: 'broken', input: 'hi' }).finalResponse().then(() => 'resolved', (e: any) => e);
      expect(outcome).to.not.equal('resolved');
      expect(outcome.message ?? outcome.error?.message ?? JSON.stringify(outcome)).to.match(/server had an error/);
    } finally {
      sim.setScript({});
    }
  });
});

describe('simulator: OpenAI Chat Completions and friends', () => {
  let sim: Simulator;
  let client: OpenAI;
  before(async () => {
    sim = await startSimulator();
    client = new OpenAI({ apiKey: 'k', baseURL: sim.baseUrls.openai, maxRetries: 0 });
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  it('chat.completions.create', async () => {
    const c = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello there' }] });
    expect(c.object).to.equal('chat.completion');
    expect(c.choices[0]!.message.content).to.equal('Hello from openai-chat model gpt-4o-mini. You said: hello there');
    expect(c.choices[0]!.finish_reason).to.equal('stop');
    expect(c.usage).to.deep.include({ prompt_tokens: 4, completion_tokens: 9, total_tokens: 13 });
    expect(sim.calls[0]!.protocol).to.equal('openai-chat');
  });

  it('chat.completions.stream(...).finalChatCompletion() with usage chunk', async () => {
    const stream = client.chat.completions.stream({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'stream me' }], stream_options: { include_usage: true } });
    let chunks = 0;
    stream.on('chunk', () => (chunks += 1));
    const c = await stream.finalChatCompletion();
    expect(c.choices[0]!.message.content).to.equal('Hello from openai-chat model gpt-4o-mini. You said: stream me');
    expect(c.choices[0]!.finish_reason).to.equal('stop');
    expect(c.usage?.completion_tokens).to.equal(9);
    expect(chunks).to.equal(1 + 9 + 1 + 1);
  });

  it('streams chat tool calls like spec/examples/chat-tool-calls.sse and ends with [DONE]', async () => {
    const res = await post(`${sim.baseUrls.openai}/chat/completions`, {
      model: 'm',
      stream: true,
      messages: [{ role: 'user', content: 'weather' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: weatherTool.parameters } }],
    });
    const events = parseSse(await res.text());
    expect(events.at(-1)!.data).to.equal('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data));
    expect(new Set(chunks.map((c) => c.id)).size).to.equal(1);
    expect(chunks[0].choices[0].delta).to.deep.equal({ role: 'assistant', content: null });
    const first = chunks[1].choices[0].delta.tool_calls[0];
    expect(first).to.deep.include({ index: 0, type: 'function' });
    expect(first.id).to.match(/^call_/);
    expect(first.function).to.deep.equal({ name: 'get_weather', arguments: '' });
    const fragments = chunks.slice(2, -1).map((c) => c.choices[0].delta.tool_calls[0].function.arguments);
    expect(fragments.length).to.be.within(2, 3);
    expect(JSON.parse(fragments.join(''))).to.deep.equal(expectedArgs);
    expect(chunks.at(-1).choices[0]).to.deep.equal({ index: 0, delta: {}, logprobs: null, finish_reason: 'tool_calls' });

    const c = await client.chat.completions
      .stream({ model: 'm', messages: [{ role: 'user', content: 'weather' }], tools: [{ type: 'function', function: { name: 'get_weather', parameters: weatherTool.parameters } }] })
      .finalChatCompletion();
    expect(c.choices[0]!.finish_reason).to.equal('tool_calls');
    expect(JSON.parse(c.choices[0]!.message.tool_calls![0]!.type === 'function' ? (c.choices[0]!.message.tool_calls![0] as any).function.arguments : '')).to.deep.equal(expectedArgs);
  });

  it('json_object response_format wraps the answer', async () => {
    const c = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'answer in json' }], response_format: { type: 'json_object' } });
    expect(JSON.parse(c.choices[0]!.message.content!)).to.deep.equal({ answer: 'Hello from openai-chat model m. You said: answer in json' });
  });

  it('embeddings (the SDK asks for base64) and models', async () => {
    const e = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b c'] });
    expect(e.data).to.have.length(2);
    expect(e.data[0]!.embedding).to.have.length(8);
    expect(e.usage).to.deep.equal({ prompt_tokens: 3, total_tokens: 3 });
    const again = await post(`${sim.baseUrls.openai}/embeddings`, { model: 'x', input: 'a' });
    const body = await again.json() as any;
    expect(body.data[0]).to.deep.equal({ object: 'embedding', index: 0, embedding: e.data[0]!.embedding });
    expect(sim.calls.map((c) => c.protocol)).to.deep.equal(['openai-embeddings', 'openai-embeddings']);
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).to.include('gpt-4o-mini');
  });

  it('mistral: 9-char ids, whole tool call per chunk, usage on the finish chunk, top-level errors', async () => {
    const res = await post(`${sim.baseUrls.mistral}/chat/completions`, {
      model: 'mistral-large-latest',
      stream: true,
      messages: [{ role: 'user', content: 'weather' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: weatherTool.parameters } }],
    });
    const chunks = parseSse(await res.text()).slice(0, -1).map((e) => JSON.parse(e.data));
    expect(chunks).to.have.length(3);
    const tc = chunks[1].choices[0].delta.tool_calls[0];
    expect(tc.id).to.match(/^[A-Za-z0-9]{9}$/);
    expect(JSON.parse(tc.function.arguments)).to.deep.equal(expectedArgs);
    expect(chunks[2].choices[0].finish_reason).to.equal('tool_calls');
    expect(chunks[2].usage.total_tokens).to.be.greaterThan(0);

    const text = await (await post(`${sim.baseUrls.mistral}/chat/completions`, { model: 'mistral-small', messages: [{ role: 'user', content: 'yo' }] })).json() as any;
    expect(text.choices[0].message.content).to.equal('Hello from mistral model mistral-small. You said: yo');

    const extra = await post(`${sim.baseUrls.mistral}/chat/completions`, { model: 'mistral-small', max_completion_tokens: 5, messages: [{ role: 'user', content: 'yo' }] });
    expect(extra.status).to.equal(422);
    expect((await extra.json() as any).detail[0]).to.include({ type: 'extra_forbidden' });

    sim.setScript({ models: { 'mistral-small': { fail: { status: 429 } } } });
    try {
      const limited = await post(`${sim.baseUrls.mistral}/chat/completions`, { model: 'mistral-small', messages: [{ role: 'user', content: 'yo' }] });
      expect(limited.status).to.equal(429);
      expect(await limited.json() as any).to.deep.include({ object: 'error', type: 'rate_limited' });
    } finally {
      sim.setScript({});
    }
  });

  it('deepseek and llama answer on their own prefixes', async () => {
    const ds = await (await post(`${sim.baseUrls.deepseek}/chat/completions`, { model: 'deepseek-chat', messages: [{ role: 'user', content: 'hi' }] })).json() as any;
    expect(ds.choices[0].message.content).to.equal('Hello from deepseek model deepseek-chat. You said: hi');
    expect(ds.usage).to.include({ prompt_cache_hit_tokens: 0, prompt_cache_miss_tokens: 1 });
    const ll = new OpenAI({ apiKey: 'k', baseURL: sim.baseUrls.llama, maxRetries: 0 });
    const c = await ll.chat.completions.stream({ model: 'llama-3.3-70b', messages: [{ role: 'user', content: 'hi' }] }).finalChatCompletion();
    expect(c.choices[0]!.message.content).to.equal('Hello from llama model llama-3.3-70b. You said: hi');
    expect(sim.calls.map((x) => x.provider)).to.deep.equal(['deepseek', 'llama']);
  });
});
