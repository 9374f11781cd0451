// Issue 16, deliverable 2 — the finding "Fields silently dropped": `conversation`, `prompt`,
// `include: ["reasoning.encrypted_content"]`, `service_tier`, `truncation`, `max_tool_calls` and
// unknown fields answered 200 and were ignored; structured output sent as
// `text: {type: "json_schema", json_schema: {…}}` or a top-level `response_format` answered 200
// with prose. Now (src/api/field-policy.ts): unknown fields answer 400 unknown_parameter as OpenAI
// does; a field no provider serves answers 400 unsupported_parameter; a field only OpenAI serves
// routes to OpenAI and reaches it verbatim, and a request pinned elsewhere answers 422
// no_candidates naming the field and the provider; the hosted product's shapes are aliases.
// Every case here answered 200 with the field ignored before this change.
import { expect } from 'chai';
import OpenAI from 'openai';
import { startDemoStack, type DemoStack } from '../../src/cli/demo-stack.js';

type Body = Record<string, unknown>;

describe('field policy over HTTP (issue 16: no silent drops)', function () {
  this.timeout(30_000);
  let stack: DemoStack;
  let client: OpenAI;

  before(async () => {
    stack = await startDemoStack();
    client = new OpenAI({ baseURL: `${stack.router.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  after(async () => {
    await stack?.stop();
  });
  beforeEach(() => stack.sim.reset());

  async function post(path: string, body: Body): Promise<{ status: number; provider: string | null; json: any }> {
    const res = await fetch(`${stack.router.url}/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, provider: res.headers.get('x-tokenrouter-provider'), json: await res.json() };
  }
  const responses = (body: Body) => post('/responses', { input: 'hello there', ...body });
  const chat = (body: Body) => post('/chat/completions', { messages: [{ role: 'user', content: 'hello there' }], ...body });

  describe('unknown fields', () => {
    for (const [label, send] of [
      ['Responses', responses],
      ['Chat Completions', chat],
    ] as const) {
      it(`${label}: 400 unknown_parameter naming the field, as OpenAI answers, and no provider is called`, async () => {
        const r = await send({ model: 'auto', tempreature: 0.2 });
        expect(r.status).to.equal(400);
        expect(r.json.error).to.deep.equal({ message: "Unknown parameter: 'tempreature'.", type: 'invalid_request_error', param: 'tempreature', code: 'unknown_parameter', provider: null, http_status: 400 });
        expect(stack.sim.calls).to.have.length(0);
      });
    }

    it('the openai SDK surfaces it as a BadRequestError', async () => {
      const err = await client.responses.create({ model: 'auto', input: 'hi', ...({ not_a_field: true } as object) }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(OpenAI.BadRequestError);
      expect((err as InstanceType<typeof OpenAI.BadRequestError>).code).to.equal('unknown_parameter');
    });
  });

  describe('fields only OpenAI serves (Responses): routed to OpenAI and passed verbatim', () => {
    const CASES: { field: string; value: unknown }[] = [
      { field: 'conversation', value: 'conv_abc123' },
      { field: 'prompt', value: { id: 'pmpt_abc123', version: '2' } },
      { field: 'service_tier', value: 'flex' },
      { field: 'truncation', value: 'auto' },
      { field: 'max_tool_calls', value: 3 },
    ];
    for (const c of CASES) {
      it(`${c.field}: auto routing picks an OpenAI model, which receives the field as sent`, async () => {
        const r = await responses({ model: 'auto', [c.field]: c.value });
        expect(r.status, JSON.stringify(r.json)).to.equal(200);
        expect(r.provider).to.equal('openai');
        const call = stack.sim.calls.find((x) => x.provider === 'openai');
        expect(call?.body[c.field]).to.deep.equal(c.value);
      });

      it(`${c.field}: pinned to Anthropic, 422 no_candidates naming the field and the provider, nothing sent`, async () => {
        const r = await responses({ model: 'anthropic/claude-sonnet-4-5', [c.field]: c.value });
        expect(r.status).to.equal(422);
        expect(r.json.error.code).to.equal('no_candidates');
        expect(r.json.error.message).to.contain(`anthropic/claude-sonnet-4-5: ${c.field} is not supported by anthropic providers`);
        expect(stack.sim.calls).to.have.length(0);
      });
    }

    it('include reasoning.encrypted_content is honoured off OpenAI too (the router wraps the state), not refused', async () => {
      const r = await responses({ model: 'gemini/gemini-2.5-flash', include: ['reasoning.encrypted_content'] });
      expect(r.status, JSON.stringify(r.json)).to.equal(200);
      expect(r.provider).to.equal('gemini');
    });

    it('include values whose output the router does not return are a 400, not passed and lost', async () => {
      const r = await responses({ model: 'auto', include: ['message.output_text.logprobs'] });
      expect(r.status).to.equal(400);
      expect(r.json.error).to.include({ code: 'unsupported_parameter', param: 'include' });
    });

    it('defaults are not a reason to route differently: truncation "disabled", include [] and service_tier "auto" serve on Anthropic', async () => {
      const r = await responses({ model: 'anthropic/claude-sonnet-4-5', truncation: 'disabled', include: [], service_tier: 'auto' });
      expect(r.status, JSON.stringify(r.json)).to.equal(200);
      expect(r.provider).to.equal('anthropic');
    });
  });

  describe('Chat Completions: sampling fields go where Chat is spoken natively', () => {
    it('seed routes away from Anthropic and Gemini and reaches the Chat host verbatim', async () => {
      const r = await chat({ model: 'openai/gpt-4o', seed: 42, frequency_penalty: 0.5 });
      expect(r.status, JSON.stringify(r.json)).to.equal(200);
      expect(stack.sim.calls[0]?.body).to.include({ seed: 42, frequency_penalty: 0.5 });
      const refused = await chat({ model: 'gemini/gemini-2.5-flash', seed: 42 });
      expect(refused.status).to.equal(422);
      expect(refused.json.error.message).to.contain('seed is not supported by gemini providers');
    });

    it('logprobs (which the router does not return) is a 400 unsupported_parameter before routing', async () => {
      const r = await chat({ model: 'auto', logprobs: true });
      expect(r.status).to.equal(400);
      expect(r.json.error).to.include({ code: 'unsupported_parameter', param: 'logprobs' });
    });
  });

  describe("the hosted product's request shapes (aliases)", () => {
    const SCHEMA = { type: 'object', properties: { city: { type: 'string' }, temp: { type: 'number' } }, required: ['city', 'temp'], additionalProperties: false };
    const PROVIDERS = ['openai/gpt-4o', 'anthropic/claude-sonnet-4-5', 'gemini/gemini-2.5-flash'];

    for (const model of PROVIDERS) {
      it(`text: {type: "json_schema", json_schema: {…}} returns JSON on ${model}`, async () => {
        const r = (await client.post('/responses', {
          body: { model, input: 'weather?', text: { type: 'json_schema', json_schema: { name: 'weather', schema: SCHEMA, strict: true } } },
        })) as OpenAI.Responses.Response;
        expect(JSON.parse(r.output_text ?? outputText(r))).to.have.all.keys('city', 'temp');
        expect(r.text?.format).to.include({ type: 'json_schema', name: 'weather' });
      });

      it(`top-level response_format returns JSON on ${model}`, async () => {
        const r = (await client.post('/responses', {
          body: { model, input: 'weather?', response_format: { type: 'json_schema', json_schema: { name: 'weather', schema: SCHEMA } } },
        })) as OpenAI.Responses.Response;
        expect(JSON.parse(outputText(r))).to.have.all.keys('city', 'temp');
      });
    }

    it('two output formats at once are a 400, not a guess', async () => {
      const r = await responses({ model: 'auto', text: { format: { type: 'json_object' } }, response_format: { type: 'json_object' } });
      expect(r.status).to.equal(400);
      expect(r.json.error.code).to.equal('invalid_parameter');
    });

    it('Chat-style tools and tool_choice {type: "function", function: {name}} call the named function', async () => {
      const r = (await client.post('/responses', {
        body: {
          model: 'openai/gpt-4o',
          input: 'weather in Paris?',
          tools: [
            { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {} } } },
            { type: 'function', function: { name: 'get_weather', description: 'weather', parameters: SCHEMA } },
          ],
          tool_choice: { type: 'function', function: { name: 'get_weather' } },
        },
      })) as OpenAI.Responses.Response;
      const call = r.output.find((o) => o.type === 'function_call');
      expect(call).to.include({ name: 'get_weather' });
      expect(r.tools.map((t) => (t as { name: string }).name)).to.deep.equal(['get_time', 'get_weather']);
    });

    it('input parts {type: "text"} and {type: "image_url", image_url: {url}} reach the provider as text and image', async () => {
      const url = 'https://example.com/cat.png';
      const r = (await client.post('/responses', {
        body: {
          model: 'anthropic/claude-sonnet-4-5',
          input: [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url } }] }],
        },
      })) as OpenAI.Responses.Response;
      expect(outputText(r)).to.contain('I see 1 image(s)');
      expect(JSON.stringify(stack.sim.calls[0]?.body)).to.contain(url);
    });
  });
});

function outputText(r: OpenAI.Responses.Response): string {
  return r.output
    .flatMap((o) => (o.type === 'message' ? o.content : []))
    .map((p) => (p.type === 'output_text' ? p.text : ''))
    .join('');
}
