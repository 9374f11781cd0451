// Everything the OpenAI-wire simulators emit validates against the official
// OpenAPI schemas (test/helpers/openapi.ts): Responses bodies and every stream
// event (text, tool call, incomplete, in-band failure), Chat completions and
// chunks, and error bodies.
import { expect } from 'chai';
import { startSimulator, type Simulator } from '../../../src/simulator/index.js';
import { assertValid, warmUpOpenApiValidators } from '../../helpers/openapi.js';
import { parseSse, post } from './helpers.js';

const tools = [{ type: 'function', name: 'f', parameters: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }, strict: true }];
const chatTools = [{ type: 'function', function: { name: 'f', parameters: tools[0]!.parameters } }];

describe('simulator: OpenAI output conforms to the OpenAPI spec', function () {
  this.timeout(10_000);
  let sim: Simulator;
  before(async () => {
    warmUpOpenApiValidators();
    sim = await startSimulator({ script: { models: { broken: { inBandErrorAfterChunks: 5 }, limited: { fail: { status: 429, retryAfter: 1 } }, down: { fail: { status: 503 } } } } });
  });
  after(() => sim.close());

  const responsesCases: Array<[string, Record<string, unknown>]> = [
    ['text', { model: 'm', input: 'hello', instructions: 'Be brief.', metadata: { k: 'v' } }],
    ['tool call', { model: 'm', input: 'hello', tools }],
    ['incomplete', { model: 'm', input: 'hello', max_output_tokens: 2 }],
    ['json schema', { model: 'm', input: 'hello', text: { format: { type: 'json_schema', name: 'x', schema: tools[0]!.parameters, strict: true } } }],
    ['in-band failure', { model: 'broken', input: 'hello' }],
  ];

  for (const [name, body] of responsesCases) {
    it(`Responses ${name}: body and stream events`, async () => {
      if (body.model !== 'broken') assertValid('Response', await (await post(`${sim.baseUrls.openai}/responses`, body)).json());
      const events = parseSse(await (await post(`${sim.baseUrls.openai}/responses`, { ...body, stream: true })).text());
      expect(events.length).to.be.greaterThan(4);
      for (const e of events) assertValid('ResponseStreamEvent', JSON.parse(e.data));
    });
  }

  for (const [name, body] of [
    ['text', { model: 'm', messages: [{ role: 'user', content: 'hi' }], stream_options: { include_usage: true } }],
    ['tool call', { model: 'm', messages: [{ role: 'user', content: 'hi' }], tools: chatTools, stream_options: { include_usage: true } }],
  ] as const) {
    it(`Chat ${name}: completion and chunks`, async () => {
      const { stream_options: _ignored, ...plain } = body;
      assertValid('ChatCompletion', await (await post(`${sim.baseUrls.openai}/chat/completions`, plain)).json());
      const events = parseSse(await (await post(`${sim.baseUrls.openai}/chat/completions`, { ...body, stream: true })).text());
      expect(events.at(-1)!.data).to.equal('[DONE]');
      for (const e of events.slice(0, -1)) assertValid('ChatCompletionChunk', JSON.parse(e.data));
    });
  }

  it('error bodies (429, 503, 404 route, bad JSON)', async () => {
    assertValid('ErrorResponse', await (await post(`${sim.baseUrls.openai}/responses`, { model: 'limited', input: 'x' })).json());
    assertValid('ErrorResponse', await (await post(`${sim.baseUrls.openai}/chat/completions`, { model: 'down', messages: [{ role: 'user', content: 'x' }] })).json());
    assertValid('ErrorResponse', await (await post(`${sim.url}/openai/v1/nothing`, {})).json());
    const badJson = await fetch(`${sim.baseUrls.openai}/responses`, { method: 'POST', body: '{nope' });
    expect(badJson.status).to.equal(400);
    assertValid('ErrorResponse', await badJson.json());
  });
});
