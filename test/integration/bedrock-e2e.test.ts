// AWS Bedrock end to end: the official openai SDK → router → the simulator's Converse /
// ConverseStream routes, every call SigV4-signed by the router (@smithy/signature-v4, credentials
// from the standard chain, here the environment) and verified by the simulator with aws4.
// Streams travel in AWS's binary event-stream framing. A second simulator that expects other
// credentials refuses the signature as AWS does; the router ejects that provider and fails over.
import { expect } from 'chai';
import OpenAI from 'openai';
import { startDemoStack, type DemoStack } from '../../src/cli/demo-stack.js';
import { resetAwsCredentials } from '../../src/providers/bedrock/sign.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { assertValid, validateChatCompletionChunk, validateResponseStreamEvent, warmUpOpenApiValidators } from '../helpers/openapi.js';

// Test credentials built at run time (never a literal key shape in the source).
const KEY_ID = ['AKID', 'TEST', 'BEDROCK', 'SIM'].join('');
const SECRET = ['test', 'secret', 'for', 'the', 'bedrock', 'simulator', String(process.pid)].join('-');
const OTHER_SECRET = `${SECRET}-other`;
const SONNET = 'anthropic.claude-3-5-sonnet-20241022-v2:0';
const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';

const PIXEL = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const WEATHER_TOOL = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  strict: true,
};

function files(simUrl: string, otherUrl: string): Record<string, string> {
  return {
    'bedrock-providers.yaml': `apiVersion: tokenrouter/v1
kind: Providers
metadata: { name: bedrock-providers }
spec:
  providers:
    - { name: bedrock, type: bedrock, region: us-east-1, baseUrl: "${simUrl}/bedrock" }
    - { name: bedrock-wrongkey, type: bedrock, region: us-west-2, baseUrl: "${otherUrl}/bedrock" }
    - { name: bedrock-west, type: bedrock, region: us-west-2, baseUrl: "${simUrl}/bedrock" }
`,
    'bedrock-models.yaml': `apiVersion: tokenrouter/v1
kind: Models
metadata: { name: bedrock-models }
spec:
  models:
    - { name: claude-bedrock, provider: bedrock, upstreamModel: "${SONNET}", pricing: { input: 3, output: 15 }, quality: 0.9, contextWindow: 200000, maxOutputTokens: 8192, capabilities: [tools, vision, json_schema, reasoning, streaming] }
    - { name: haiku-bedrock, provider: bedrock, upstreamModel: "${HAIKU}", pricing: { input: 0.25, output: 1.25 }, quality: 0.6, contextWindow: 200000, capabilities: [tools, streaming] }
    - { name: nova-pro, provider: bedrock-wrongkey, upstreamModel: amazon.nova-pro-v1:0, pricing: { input: 0.1, output: 0.4 }, quality: 0.99, contextWindow: 300000, capabilities: [tools, vision, streaming] }
    - { name: nova-pro, provider: bedrock-west, upstreamModel: amazon.nova-pro-v1:0, pricing: { input: 0.8, output: 3.2 }, quality: 0.8, contextWindow: 300000, capabilities: [tools, vision, streaming] }
`,
  };
}

describe('end to end: openai SDK → router → Bedrock simulator (SigV4, event stream)', function () {
  this.timeout(60_000);
  let stack: DemoStack;
  let other: Simulator;
  let client: OpenAI;
  const saved: Record<string, string | undefined> = {};

  before(async () => {
    warmUpOpenApiValidators();
    for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) saved[k] = process.env[k];
    process.env.AWS_ACCESS_KEY_ID = KEY_ID;
    process.env.AWS_SECRET_ACCESS_KEY = SECRET;
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    resetAwsCredentials();
    // The second simulator knows the same key id with another secret: every signature it sees is wrong.
    other = await startSimulator({ port: 0, aws: { accessKeyId: KEY_ID, secretAccessKey: OTHER_SECRET } });
    // SIM_URL in the extra files is replaced like the demo's own (demo-stack.ts).
    stack = await startDemoStack({ aws: { accessKeyId: KEY_ID, secretAccessKey: SECRET }, extraFiles: files('SIM_URL', other.url) });
    client = new OpenAI({ baseURL: `${stack.router.url}/v1`, apiKey: 'caller-key', maxRetries: 0 });
  });
  after(async () => {
    await stack?.stop();
    await other?.close();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    resetAwsCredentials();
  });
  beforeEach(() => {
    stack.sim.reset();
    other.reset();
  });

  it('responses.create: Converse answers, the call was signed and verified, cache tokens counted', async () => {
    stack.sim.setScript({ models: { [SONNET]: { cachedInputTokens: 2, cacheWriteTokens: 1 } } });
    try {
      const { data, response } = await client.responses.create({ model: 'bedrock/claude-bedrock', input: 'Say hello from Bedrock' }).withResponse();
      assertValid('Response', data);
      expect(data.output_text).to.match(/^Hello from bedrock model anthropic\.claude-3-5-sonnet/);
      expect(response.headers.get('x-tokenrouter-provider')).to.equal('bedrock');
      expect(data.usage!.input_tokens_details.cached_tokens).to.equal(2);
      expect(data.usage!.total_tokens).to.equal(data.usage!.input_tokens + data.usage!.output_tokens);
      const call = stack.sim.calls.at(-1)!;
      expect(call.protocol).to.equal('bedrock');
      expect(call.path).to.equal(`/bedrock/model/${encodeURIComponent(SONNET)}/converse`);
      expect(call.headers['authorization']).to.match(new RegExp(`^AWS4-HMAC-SHA256 Credential=${KEY_ID}/\\d{8}/us-east-1/bedrock/aws4_request`));
      expect(call.headers['x-amz-date']).to.match(/^\d{8}T\d{6}Z$/);
      expect(JSON.stringify(call.headers)).to.not.include(SECRET);
      expect(JSON.stringify(call.headers)).to.not.include('caller-key');
      expect(call.body.messages[0]).to.deep.equal({ role: 'user', content: [{ text: 'Say hello from Bedrock' }] });
    } finally {
      stack.sim.setScript({});
    }
  });

  it('responses.stream: ConverseStream in binary event-stream framing, events schema-valid', async () => {
    const stream = client.responses.stream({ model: 'bedrock/claude-bedrock', input: 'Stream me a greeting' });
    const events: unknown[] = [];
    let text = '';
    for await (const e of stream) {
      events.push(e);
      if (e.type === 'response.output_text.delta') text += e.delta;
    }
    const final = await stream.finalResponse();
    for (const [i, e] of events.entries()) expect(validateResponseStreamEvent(e).errors, `event ${i}`).to.deep.equal([]);
    expect((events.at(-1) as { type: string }).type).to.equal('response.completed');
    expect(final.output_text).to.equal(text);
    expect(text).to.match(/^Hello from bedrock model/);
    expect(final.usage!.output_tokens).to.be.greaterThan(0);
    expect(stack.sim.calls.at(-1)!.path).to.match(/\/converse-stream$/);
  });

  it('chat.completions.create and stream with usage', async () => {
    const data = await client.chat.completions.create({ model: 'bedrock/claude-bedrock', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi there' }] });
    assertValid('ChatCompletion', data);
    expect(data.choices[0]!.message.content).to.match(/^Hello from bedrock/);
    expect(data.choices[0]!.finish_reason).to.equal('stop');
    expect(stack.sim.calls.at(-1)!.body.system).to.deep.equal([{ text: 'Be brief.' }]);
    const stream = client.chat.completions.stream({ model: 'bedrock/claude-bedrock', messages: [{ role: 'user', content: 'Stream please' }], stream_options: { include_usage: true } });
    const chunks: unknown[] = [];
    for await (const c of stream) chunks.push(c);
    const final = await stream.finalChatCompletion();
    for (const c of chunks) expect(validateChatCompletionChunk(c).errors).to.deep.equal([]);
    expect(final.choices[0]!.message.content).to.match(/^Hello from bedrock/);
    expect((chunks.at(-1) as { usage: { total_tokens: number } }).usage.total_tokens).to.be.greaterThan(0);
  });

  it('tool round-trip: toolUse → toolResult → answer (Responses), and a streamed tool call on Chat', async () => {
    const first = await client.responses.create({ model: 'bedrock/claude-bedrock', input: 'Weather in Paris?', tools: [WEATHER_TOOL] });
    assertValid('Response', first);
    const call = first.output.find((o) => o.type === 'function_call');
    if (call?.type !== 'function_call') throw new Error(`no call: ${JSON.stringify(first.output)}`);
    expect(call.name).to.equal('get_weather');
    expect(stack.sim.calls.at(-1)!.body.toolConfig.tools[0].toolSpec.inputSchema.json).to.deep.equal(WEATHER_TOOL.parameters);
    const second = await client.responses.create({
      model: 'bedrock/claude-bedrock',
      tools: [WEATHER_TOOL],
      input: [
        { role: 'user', content: 'Weather in Paris?' },
        { type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments },
        { type: 'function_call_output', call_id: call.call_id, output: '{"temp_c": 21}' },
      ],
    });
    expect(second.output_text).to.include('Tool result received');
    const sent = stack.sim.calls.at(-1)!.body.messages;
    expect(sent[1].content[0].toolUse).to.include({ toolUseId: call.call_id, name: 'get_weather' });
    expect(sent[2].content[0].toolResult).to.deep.equal({ toolUseId: call.call_id, content: [{ text: '{"temp_c": 21}' }] });

    const stream = client.chat.completions.stream({
      model: 'bedrock/claude-bedrock',
      messages: [{ role: 'user', content: 'Weather in Rome?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: WEATHER_TOOL.parameters } }],
    });
    for await (const c of stream) expect(validateChatCompletionChunk(c).errors).to.deep.equal([]);
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]!.finish_reason).to.equal('tool_calls');
    const tc = final.choices[0]!.message.tool_calls![0]!;
    if (tc.type !== 'function') throw new Error('not a function call');
    expect(JSON.parse(tc.function.arguments)).to.deep.equal({ city: 'example' });
  });

  it('an image reaches Bedrock as image bytes; json_schema output comes back as bare JSON', async () => {
    const seen = await client.responses.create({
      model: 'bedrock/claude-bedrock',
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'What is this?' }, { type: 'input_image', image_url: PIXEL, detail: 'auto' }] }],
    });
    expect(seen.output_text).to.include('I see 1 image');
    expect(stack.sim.calls.at(-1)!.body.messages[0].content[1]).to.deep.equal({ image: { format: 'png', source: { bytes: PIXEL.split(',')[1] } } });
    const data = await client.responses.create({
      model: 'bedrock/claude-bedrock',
      input: 'Give me a person',
      text: { format: { type: 'json_schema', name: 'person', strict: true, schema: { type: 'object', properties: { name: { type: 'string' }, age: { type: 'number' } }, required: ['name', 'age'], additionalProperties: false } } },
    });
    const parsed = JSON.parse(data.output_text) as { name: unknown; age: unknown };
    expect(parsed.name).to.be.a('string');
    expect(parsed.age).to.be.a('number');
  });

  it('the Messages API (/v1/messages) is served by Bedrock too: thinking budget as sent, stop sequence kept', async () => {
    const res = await fetch(`${stack.router.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'bedrock/claude-bedrock', max_tokens: 4000, thinking: { type: 'enabled', budget_tokens: 1500 }, stop_sequences: ['END'], messages: [{ role: 'user', content: 'Hello Messages' }] }),
    });
    const text = await res.text();
    expect(res.status, text).to.equal(200);
    const body = JSON.parse(text) as { type: string; content: { type: string; text?: string }[]; stop_reason: string };
    expect(body.type).to.equal('message');
    expect(body.content.find((b) => b.type === 'text')!.text).to.match(/^Hello from bedrock/);
    expect(body.stop_reason).to.equal('end_turn');
    const sent = stack.sim.calls.at(-1)!.body;
    expect(sent.additionalModelRequestFields).to.deep.equal({ thinking: { type: 'enabled', budget_tokens: 1500 } });
    expect(sent.inferenceConfig).to.include({ maxTokens: 4000 });
    expect(sent.inferenceConfig.stopSequences).to.deep.equal(['END']);
  });

  it('reasoning effort on an Anthropic model becomes additionalModelRequestFields.thinking', async () => {
    await client.responses.create({ model: 'bedrock/claude-bedrock', input: 'Think first', reasoning: { effort: 'low' } });
    const body = stack.sim.calls.at(-1)!.body;
    expect(body.additionalModelRequestFields).to.deep.equal({ thinking: { type: 'enabled', budget_tokens: 2048 } });
    expect(body.inferenceConfig.temperature).to.equal(undefined);
  });

  it('throttling → 429 rate_limit_exceeded with retry-after; ValidationException → 400', async () => {
    stack.sim.setScript({ models: { [SONNET]: { fail: { status: 429, retryAfter: 4, times: 1 } } } });
    try {
      const res = await fetch(`${stack.router.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'bedrock/claude-bedrock', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).to.equal(429);
      expect(res.headers.get('retry-after')).to.equal('4');
      expect(((await res.json()) as { error: { code: string } }).error.code).to.equal('rate_limit_exceeded');
    } finally {
      stack.sim.setScript({});
    }
  });

  it('after output an in-band exception ends the stream in error; a throttlingException before any output → HTTP 429', async () => {
    // After output first (a modelStreamErrorException, no cool-down), then the throttle, which cools the model down.
    stack.sim.setScript({ models: { [HAIKU]: { inBandErrorAfterChunks: 3 } } });
    try {
      const late = await fetch(`${stack.router.url}/v1/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'bedrock/haiku-bedrock', input: 'a longer answer please', stream: true }),
      });
      expect(late.status).to.equal(200);
      const types = [...(await late.text()).matchAll(/^event: (.+)$/gm)].map((m) => m[1]);
      expect(types).to.include('response.output_text.delta');
      expect(types.slice(-2)).to.deep.equal(['error', 'response.failed']);
      stack.sim.setScript({ models: { [HAIKU]: { inBandErrorAfterChunks: 1, inBandError: { kind: 'rate_limit', retryAfter: 2 } } } });
      const early = await fetch(`${stack.router.url}/v1/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'bedrock/haiku-bedrock', input: 'hi', stream: true }),
      });
      expect(early.status).to.equal(429);
      expect(((await early.json()) as { error: { code: string } }).error.code).to.equal('rate_limit_exceeded');
    } finally {
      stack.sim.setScript({});
    }
  });

  it('a field Converse has no form for (Chat frequency_penalty) routes away from Bedrock instead of being dropped', async () => {
    const res = await fetch(`${stack.router.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'bedrock/claude-bedrock', messages: [{ role: 'user', content: 'hi' }], frequency_penalty: 0.5 }),
    });
    const text = await res.text();
    expect(res.status, text).to.equal(422);
    expect(text).to.include('frequency_penalty');
    expect(stack.sim.calls).to.have.length(0);
  });

  it('a bad signature: refused by the simulator (403 InvalidSignatureException), the provider ejected, the request failed over', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'nova-pro', messages: [{ role: 'user', content: 'Hello there' }] }).withResponse();
    assertValid('ChatCompletion', data);
    expect(response.headers.get('x-tokenrouter-provider')).to.equal('bedrock-west');
    expect(data.choices[0]!.message.content).to.match(/^Hello from bedrock model amazon\.nova-pro/);
    // The wrong-key provider was tried first (cheaper and better on paper) and refused the signature.
    expect(other.calls).to.have.length(1);
    expect(other.calls[0]!.headers['authorization']).to.include(`Credential=${KEY_ID}/`);
    expect(other.calls[0]!.headers['authorization']).to.include('/us-west-2/bedrock/aws4_request');
    // Ejected: the next request goes straight to the good deployment.
    const again = await client.chat.completions.create({ model: 'nova-pro', messages: [{ role: 'user', content: 'Again' }] }).withResponse();
    expect(again.response.headers.get('x-tokenrouter-provider')).to.equal('bedrock-west');
    expect(other.calls).to.have.length(1);
  });

  it('only the wrong-key provider: the client sees 502 upstream_auth_error, no AWS text and no secret', async () => {
    const res = await fetch(`${stack.router.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'bedrock-wrongkey/nova-pro', messages: [{ role: 'user', content: 'hi' }] }),
    });
    const text = await res.text();
    expect(res.status).to.equal(502);
    expect((JSON.parse(text) as { error: { code: string } }).error.code).to.equal('upstream_auth_error');
    expect(text).to.not.include(SECRET);
    expect(text).to.not.include('signature we calculated');
  });
});
