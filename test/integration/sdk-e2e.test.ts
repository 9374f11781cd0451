// End to end with the official openai SDK as the client: the router in front of
// the provider simulators, each scenario against an OpenAI-, an Anthropic-, a
// Gemini-protocol provider, Azure OpenAI (v1 and dated deployments APIs) and Vertex AI (Gemini and Claude). Every body and stream event the router emits is
// validated against the OpenAI OpenAPI schemas.
import { expect } from 'chai';
import OpenAI from 'openai';
import { DEMO_PROVIDER_KEY, startDemoStack, type DemoStack } from '../../src/cli/demo-stack.js';
import {
  assertValid,
  validateChatCompletionChunk,
  validateResponseStreamEvent,
  warmUpOpenApiValidators,
} from '../helpers/openapi.js';

// `sim` is the simulator route family the provider's calls land on (both Azure providers use /azure).
const TARGETS = [
  { label: 'OpenAI protocol', model: 'openai/gpt-4o', provider: 'openai', sim: 'openai', protocol: 'openai-responses', chatProtocol: 'openai-chat' },
  { label: 'Anthropic protocol', model: 'anthropic/claude-sonnet-4-5', provider: 'anthropic', sim: 'anthropic', protocol: 'anthropic', chatProtocol: 'anthropic' },
  { label: 'Gemini protocol', model: 'gemini/gemini-2.5-flash', provider: 'gemini', sim: 'gemini', protocol: 'gemini', chatProtocol: 'gemini' },
  { label: 'Azure OpenAI v1 API', model: 'azure/azure-gpt-4o', provider: 'azure', sim: 'azure', protocol: 'openai-responses', chatProtocol: 'openai-chat' },
  // The dated deployments API is Chat only: Responses callers are served over Chat too.
  { label: 'Azure OpenAI deployments API', model: 'azure-dated/azure-gpt-4o-mini', provider: 'azure-dated', sim: 'azure', protocol: 'openai-chat', chatProtocol: 'openai-chat' },
  // Vertex AI: one provider, two publishers' wires (Gemini generateContent, Claude rawPredict), a Google bearer token.
  { label: 'Vertex AI Gemini', model: 'vertex/vertex-gemini-2.5-flash', provider: 'vertex', sim: 'vertex', protocol: 'gemini', chatProtocol: 'gemini' },
  { label: 'Vertex AI Claude', model: 'vertex/vertex-claude-sonnet-4-5', provider: 'vertex', sim: 'vertex', protocol: 'anthropic', chatProtocol: 'anthropic' },
] as const;

const WEATHER_TOOL = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  strict: true,
};

// A 1x1 PNG.
const PIXEL = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

function assertEvents(events: unknown[], kind: 'responses' | 'chat'): void {
  for (const [i, e] of events.entries()) {
    const r = kind === 'responses' ? validateResponseStreamEvent(e) : validateChatCompletionChunk(e);
    expect(r.errors, `event ${i}: ${JSON.stringify(e).slice(0, 300)}`).to.deep.equal([]);
  }
}

describe('end to end: openai SDK → router → provider simulators', function () {
  this.timeout(60_000);
  let stack: DemoStack;
  let client: OpenAI;

  before(async () => {
    warmUpOpenApiValidators();
    stack = await startDemoStack();
    client = new OpenAI({ baseURL: `${stack.router.url}/v1`, apiKey: 'caller-key', maxRetries: 0 });
  });
  after(async () => {
    await stack?.stop();
  });
  beforeEach(() => stack.sim.reset());

  for (const t of TARGETS) {
    describe(t.label, () => {
      it('responses.create: a plain answer, schema-valid, served by the right provider', async () => {
        const { data, response } = await client.responses.create({ model: t.model, input: 'Say hello' }).withResponse();
        assertValid('Response', data);
        expect(data.status).to.equal('completed');
        expect(data.output_text).to.match(/^Hello from /);
        expect(data.output_text).to.include('Say hello');
        expect(response.headers.get('x-tokenrouter-provider')).to.equal(t.provider);
        expect(data.metadata).to.include({ provider: t.provider });
        expect(data.usage!.input_tokens).to.be.greaterThan(0);
        expect(data.usage!.total_tokens).to.equal(data.usage!.input_tokens + data.usage!.output_tokens);
        const calls = stack.sim.calls.filter((c) => c.provider === t.sim);
        expect(calls).to.have.length(1);
        expect(calls[0]!.protocol).to.equal(t.protocol);
        if (t.sim === 'azure') {
          // Azure's credential header, never OpenAI's; the deployment in the path, dated, or the v1 path.
          expect(calls[0]!.headers['api-key']).to.equal(DEMO_PROVIDER_KEY);
          expect(calls[0]!.headers).to.not.have.property('authorization');
          expect(calls[0]!.path).to.equal(t.provider === 'azure' ? '/azure/openai/v1/responses' : '/azure/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21');
        }
        if (t.sim === 'vertex') {
          // A Google access token from the service account's token_uri (the simulator checked it), no API key headers;
          // the publisher's path, and for Claude the Vertex body (no model, anthropic_version).
          expect(calls[0]!.headers['authorization']).to.match(/^Bearer ya29\.sim-/);
          expect(calls[0]!.headers).to.not.have.property('x-goog-api-key');
          expect(calls[0]!.headers).to.not.have.property('x-api-key');
          if (t.protocol === 'gemini') expect(calls[0]!.path).to.equal('/vertex/v1/projects/demo-project/locations/us-east5/publishers/google/models/gemini-2.5-flash:generateContent');
          else {
            expect(calls[0]!.path).to.equal('/vertex/v1/projects/demo-project/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict');
            expect(calls[0]!.body).to.not.have.property('model');
            expect(calls[0]!.body.anthropic_version).to.equal('vertex-2023-10-16');
          }
        }
        // the caller's key never reaches a provider
        expect(JSON.stringify(calls[0]!.headers)).to.not.include('caller-key');
      });

      it('responses.stream(...).finalResponse(): every event schema-valid, text deltas add up', async () => {
        const stream = client.responses.stream({ model: t.model, input: 'Stream me a greeting' });
        const events: unknown[] = [];
        let text = '';
        for await (const e of stream) {
          events.push(e);
          if (e.type === 'response.output_text.delta') text += e.delta;
        }
        const final = await stream.finalResponse();
        assertEvents(events, 'responses');
        expect((events[0] as { type: string }).type).to.equal('response.created');
        expect((events.at(-1) as { type: string }).type).to.equal('response.completed');
        expect(final.output_text).to.equal(text);
        expect(final.output_text).to.match(/^Hello from /);
        assertValid('Response', final);
      });

      it('chat.completions.create: schema-valid chat completion', async () => {
        const data = await client.chat.completions.create({ model: t.model, messages: [{ role: 'user', content: 'Hi there' }] });
        assertValid('ChatCompletion', data);
        expect(data.choices[0]!.message.content).to.match(/^Hello from /);
        expect(data.choices[0]!.finish_reason).to.equal('stop');
        expect(stack.sim.calls.at(-1)!.protocol).to.equal(t.chatProtocol);
      });

      it('chat.completions.stream(...).finalChatCompletion(): chunks schema-valid, usage chunk when asked', async () => {
        const stream = client.chat.completions.stream({ model: t.model, messages: [{ role: 'user', content: 'Stream please' }], stream_options: { include_usage: true } });
        const chunks: unknown[] = [];
        for await (const c of stream) chunks.push(c);
        const final = await stream.finalChatCompletion();
        assertEvents(chunks, 'chat');
        expect(final.choices[0]!.message.content).to.match(/^Hello from /);
        expect(final.choices[0]!.finish_reason).to.equal('stop');
        const usage = chunks.at(-1) as { usage?: { total_tokens: number }; choices: unknown[] };
        expect(usage.choices).to.deep.equal([]);
        expect(usage.usage!.total_tokens).to.be.greaterThan(0);
      });

      it('tool round-trip: function call → function_call_output → answer', async () => {
        const first = await client.responses.create({ model: t.model, input: 'Weather in Paris?', tools: [WEATHER_TOOL] });
        assertValid('Response', first);
        const call = first.output.find((o) => o.type === 'function_call');
        expect(call, JSON.stringify(first.output)).to.not.equal(undefined);
        if (call?.type !== 'function_call') throw new Error('no call');
        expect(call.name).to.equal('get_weather');
        expect(JSON.parse(call.arguments)).to.have.property('city');
        const second = await client.responses.create({
          model: t.model,
          tools: [WEATHER_TOOL],
          input: [
            { role: 'user', content: 'Weather in Paris?' },
            { type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments },
            { type: 'function_call_output', call_id: call.call_id, output: '{"temp_c": 21}' },
          ],
        });
        assertValid('Response', second);
        expect(second.output_text).to.include('Tool result received');
        expect(second.output_text).to.include('temp_c');
      });

      it('tool call streamed on Chat: arguments arrive whole', async () => {
        const stream = client.chat.completions.stream({
          model: t.model,
          messages: [{ role: 'user', content: 'Weather in Rome?' }],
          tools: [{ type: 'function', function: { name: 'get_weather', parameters: WEATHER_TOOL.parameters } }],
        });
        const chunks: unknown[] = [];
        for await (const c of stream) chunks.push(c);
        const final = await stream.finalChatCompletion();
        assertEvents(chunks, 'chat');
        const tc = final.choices[0]!.message.tool_calls![0]!;
        expect(final.choices[0]!.finish_reason).to.equal('tool_calls');
        if (tc.type !== 'function') throw new Error('not a function call');
        expect(JSON.parse(tc.function.arguments)).to.deep.equal({ city: 'example' });
      });

      it('image input reaches the provider as an image', async () => {
        const data = await client.responses.create({
          model: t.model,
          input: [{ role: 'user', content: [{ type: 'input_text', text: 'What is this?' }, { type: 'input_image', image_url: PIXEL, detail: 'auto' }] }],
        });
        assertValid('Response', data);
        expect(data.output_text).to.include('I see 1 image');
      });

      it('json_schema output: bare JSON matching the schema', async () => {
        const data = await client.responses.create({
          model: t.model,
          input: 'Give me a person',
          text: {
            format: {
              type: 'json_schema',
              name: 'person',
              strict: true,
              schema: { type: 'object', properties: { name: { type: 'string' }, age: { type: 'number' } }, required: ['name', 'age'], additionalProperties: false },
            },
          },
        });
        assertValid('Response', data);
        const parsed = JSON.parse(data.output_text) as { name: unknown; age: unknown };
        expect(parsed.name).to.be.a('string');
        expect(parsed.age).to.be.a('number');
        expect(data.text?.format?.type).to.equal('json_schema');
      });

      it('previous_response_id continues the conversation across two turns', async () => {
        const first = await client.responses.create({ model: t.model, input: 'My name is Ada' });
        const second = await client.responses.create({ model: t.model, input: 'What is my name?', previous_response_id: first.id });
        assertValid('Response', second);
        expect(second.previous_response_id).to.equal(first.id);
        const upstream = stack.sim.calls.at(-1)!;
        const sent = JSON.stringify(upstream.body);
        // the provider saw the whole conversation: first question, first answer, second question
        expect(sent).to.include('My name is Ada');
        expect(sent).to.include(first.output_text.slice(0, 20));
        expect(sent).to.include('What is my name?');
      });
    });
  }

  describe('errors and other routes', () => {
    it('a provider 429 on a streamed request reaches the client as HTTP 429 with retry-after, not a broken 200', async () => {
      // gpt-4o-mini: the 429 cools this model down for 7 s, which must not affect the other tests.
      stack.sim.setScript({ models: { 'gpt-4o-mini': { fail: { status: 429, retryAfter: 7 } } } });
      try {
        const res = await fetch(`${stack.router.url}/v1/responses`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'openai/gpt-4o-mini', input: 'hi', stream: true }),
        });
        expect(res.status).to.equal(429);
        expect(res.headers.get('retry-after')).to.equal('7');
        expect(res.headers.get('content-type')).to.match(/application\/json/);
        const body = await res.json();
        assertValid('ErrorResponse', body);
        expect((body as { error: { code: string } }).error.code).to.equal('rate_limit_exceeded');
        // and the SDK sees a RateLimitError (now from the cool-down: the router knows the model is limited)
        const err = await client.responses.create({ model: 'openai/gpt-4o-mini', input: 'hi', stream: true }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).to.be.instanceOf(OpenAI.RateLimitError);
      } finally {
        stack.sim.setScript({});
      }
    });

    it('a stream that breaks after its first event ends with error + response.failed, never a clean end', async () => {
      stack.sim.setScript({ models: { 'gpt-4o': { dropAfterChunks: 5 } } });
      try {
        const res = await fetch(`${stack.router.url}/v1/responses`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'openai/gpt-4o', input: 'a long answer please with many words', stream: true }),
        });
        expect(res.status).to.equal(200);
        const text = await res.text();
        const types = [...text.matchAll(/^event: (.+)$/gm)].map((m) => m[1]);
        expect(types[0]).to.equal('response.created');
        expect(types.slice(-2)).to.deep.equal(['error', 'response.failed']);
        expect(types).to.not.include('response.completed');
      } finally {
        stack.sim.setScript({});
      }
    });

    it('GET /v1/models lists the catalog models whose provider has credentials', async () => {
      const list = await client.models.list();
      const ids = list.data.map((m) => m.id);
      expect(ids).to.include('openai/gpt-4o');
      expect(ids).to.include('anthropic/claude-sonnet-4-5');
      const saved = process.env.DEMO_GEMINI_KEY;
      delete process.env.DEMO_GEMINI_KEY;
      try {
        const without = (await client.models.list()).data.map((m) => m.id);
        expect(without.some((id) => id.startsWith('gemini/'))).to.equal(false);
      } finally {
        process.env.DEMO_GEMINI_KEY = saved;
      }
    });

    it('POST /v1/responses/{id} replays a stored response as JSON and re-streamed; 404 unknown; 409 not stored', async () => {
      const first = await client.responses.create({ model: 'anthropic/claude-sonnet-4-5', input: 'Remember me' });
      const json = await fetch(`${stack.router.url}/v1/responses/${first.id}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(json.status).to.equal(200);
      const replayed = (await json.json()) as { id: string; output: unknown[] };
      expect(replayed.id).to.equal(first.id);
      expect(replayed.output).to.deep.equal(first.output);
      const streamed = await fetch(`${stack.router.url}/v1/responses/${first.id}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"stream":true}' });
      const text = await streamed.text();
      const events = [...text.matchAll(/^data: (.+)$/gm)].map((m) => JSON.parse(m[1]!));
      assertEvents(events, 'responses');
      expect(events.at(-1).type).to.equal('response.completed');
      expect(events.at(-1).response.id).to.equal(first.id);
      const unknown = await fetch(`${stack.router.url}/v1/responses/resp_nope`, { method: 'POST' });
      expect(unknown.status).to.equal(404);
      const notStored = await client.responses.create({ model: 'anthropic/claude-sonnet-4-5', input: 'Forget me', store: false });
      const conflict = await fetch(`${stack.router.url}/v1/responses/${notStored.id}`, { method: 'POST' });
      expect(conflict.status).to.equal(409);
      assertValid('ErrorResponse', await conflict.json());
    });

    it('router_* fields are honoured and never forwarded upstream', async () => {
      const { response } = await client.responses
        .create({ model: 'auto', input: 'hello', router_provider: 'gemini', router_mode: 'cost' } as never)
        .withResponse();
      expect(response.headers.get('x-tokenrouter-provider')).to.equal('gemini');
      expect(response.headers.get('x-tokenrouter-mode')).to.equal('cost');
      expect(JSON.stringify(stack.sim.calls.at(-1)!.body)).to.not.match(/router_/);
    });

    it('text that spells a tokenizer special token (<|endoftext|>) is ordinary prompt text: answered, not a 500', async () => {
      const text = 'Explain what <|endoftext|> and <|im_start|> mean in a tokenizer.';
      const answer = await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: text }] });
      expect(answer.choices[0]!.message.content).to.contain('<|endoftext|>');
      const r = await client.responses.create({ model: 'auto', input: text, stream: false });
      expect(r.status).to.equal('completed');
    });

    it('POST /v1/embeddings passes through to an OpenAI-compatible provider with the provider key swapped in', async () => {
      const res = await client.embeddings.create({ model: 'openai/text-embedding-3-small', input: 'hello' });
      expect(res.data[0]!.embedding).to.have.length(8);
      const call = stack.sim.calls.at(-1)!;
      expect(call.protocol).to.equal('openai-embeddings');
      expect(call.body.model).to.equal('text-embedding-3-small');
      expect(call.headers.authorization).to.equal('Bearer sim-provider-key');
    });

    it('unknown model → 400 listing valid models; a firewall block → 403 in the OpenAI shape', async () => {
      const bad = await fetch(`${stack.router.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":"gpt-99","input":"x"}' });
      expect(bad.status).to.equal(400);
      const body = (await bad.json()) as { error: { code: string; message: string } };
      expect(body.error.code).to.equal('unknown_model');
      expect(body.error.message).to.include('gpt-4o');
      const blocked = await fetch(`${stack.router.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'card 4111 1111 1111 1111' }] }),
      });
      expect(blocked.status).to.equal(403);
      assertValid('ErrorResponse', await blocked.json());
      expect(stack.sim.calls).to.have.length(0);
    });

    it('fails over from a failing primary to the rule fallback chain (OpenAI → Anthropic re-translated)', async () => {
      stack.sim.setScript({ models: { 'gpt-4.1': { fail: { status: 503 } } } });
      try {
        const { data, response } = await client.responses.create({ model: 'auto', input: 'hello', metadata: { drill: 'outage' } }).withResponse();
        expect(response.headers.get('x-tokenrouter-provider')).to.equal('anthropic');
        // one jittered retry on the failing provider (503 is retryable), then failover
        expect(response.headers.get('x-tokenrouter-attempts')).to.equal('3');
        expect(response.headers.get('x-tokenrouter-failover-reason')).to.equal('overloaded');
        expect(data.output_text).to.match(/^Hello from anthropic/);
        expect(stack.sim.calls.map((c) => c.protocol)).to.deep.equal(['openai-responses', 'openai-responses', 'anthropic']);
      } finally {
        stack.sim.setScript({});
      }
    });
  });
});
