// Issue 16, finding 4: "Validation left to whichever provider was picked" —
// empty `input` / empty user content went upstream (200 from some providers,
// a provider-worded 400 with code: null from others), tool_choice "required"
// with no tools answered 200, `input: 42` said "must be an array" though a
// string is valid. Now each is one OpenAI-shaped 400 invalid_parameter with
// its param, answered before routing — the same whichever provider the
// request would have gone to, and no provider is called. Both APIs, with the
// openai SDK (BadRequestError).
import { expect } from 'chai';
import OpenAI from 'openai';
import { startDemoStack, type DemoStack } from '../../src/cli/demo-stack.js';

const MODELS = ['openai/gpt-4o', 'anthropic/claude-sonnet-4-5', 'gemini/gemini-2.5-flash', 'mistral/mistral-large'] as const;

const WEATHER = { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };

async function badRequest(p: Promise<unknown>): Promise<InstanceType<typeof OpenAI.BadRequestError>> {
  try {
    await p;
  } catch (err) {
    if (err instanceof OpenAI.BadRequestError) return err;
    throw err;
  }
  throw new Error('expected a 400, the request succeeded');
}

// Bodies as a client could send them: some on purpose outside the SDK's types.
type Body = Record<string, unknown>;

const RESPONSES_CASES: { label: string; body: Body; param: string; message?: RegExp }[] = [
  { label: 'input ""', body: { input: '' }, param: 'input' },
  { label: 'input []', body: { input: [] }, param: 'input' },
  { label: 'no input', body: {}, param: 'input' },
  { label: 'input 42', body: { input: 42 }, param: 'input', message: /must be a string or an array/ },
  { label: 'empty user content (string)', body: { input: [{ role: 'user', content: '' }] }, param: 'input[0].content' },
  { label: 'empty user content (no parts)', body: { input: [{ role: 'user', content: [] }] }, param: 'input[0].content' },
  { label: 'empty user content (empty text part)', body: { input: [{ role: 'user', content: [{ type: 'input_text', text: '' }] }] }, param: 'input[0].content' },
  { label: 'tool_choice required without tools', body: { input: 'hi', tool_choice: 'required' }, param: 'tool_choice' },
  {
    label: 'tool_choice naming a tool not offered',
    body: { input: 'hi', tools: [{ type: 'function', ...WEATHER }], tool_choice: { type: 'function', name: 'get_time' } },
    param: 'tool_choice',
    message: /get_time/,
  },
];

const CHAT_CASES: { label: string; body: Body; param: string; message?: RegExp }[] = [
  { label: 'messages []', body: { messages: [] }, param: 'messages' },
  { label: 'no messages', body: {}, param: 'messages' },
  { label: 'empty user content', body: { messages: [{ role: 'user', content: '' }] }, param: 'messages[0].content' },
  { label: 'empty user content (no parts)', body: { messages: [{ role: 'user', content: [] }] }, param: 'messages[0].content' },
  { label: 'tool_choice required without tools', body: { messages: [{ role: 'user', content: 'hi' }], tool_choice: 'required' }, param: 'tool_choice' },
  {
    label: 'tool_choice naming a tool not offered',
    body: { messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', function: WEATHER }], tool_choice: { type: 'function', function: { name: 'get_time' } } },
    param: 'tool_choice',
    message: /get_time/,
  },
];

describe('request validation: one 400 before routing, whatever the provider', function () {
  this.timeout(30_000);
  let stack: DemoStack;
  let client: OpenAI;

  before(async () => {
    stack = await startDemoStack();
    client = new OpenAI({ baseURL: `${stack.router.url}/v1`, apiKey: 'caller-key', maxRetries: 0 });
  });
  after(async () => {
    await stack?.stop();
  });
  beforeEach(() => stack.sim.reset());

  for (const c of RESPONSES_CASES) {
    it(`responses: ${c.label} → 400 invalid_parameter, param ${c.param}, on every provider`, async () => {
      const answers = [];
      for (const model of MODELS) {
        const err = await badRequest(client.responses.create({ model, ...c.body } as never));
        answers.push({ code: err.code, param: err.param, type: err.type, message: err.message });
        if (c.message) expect(err.message).to.match(c.message);
      }
      expect(answers[0]).to.include({ code: 'invalid_parameter', param: c.param, type: 'invalid_request_error' });
      for (const a of answers) expect(a, 'the same answer for every provider').to.deep.equal(answers[0]);
      expect(stack.sim.calls, 'no provider was called').to.have.length(0);
    });
  }

  for (const c of CHAT_CASES) {
    it(`chat: ${c.label} → 400 invalid_parameter, param ${c.param}, on every provider`, async () => {
      const answers = [];
      for (const model of MODELS) {
        const err = await badRequest(client.chat.completions.create({ model, ...c.body } as never));
        answers.push({ code: err.code, param: err.param, type: err.type, message: err.message });
        if (c.message) expect(err.message).to.match(c.message);
      }
      expect(answers[0]).to.include({ code: 'invalid_parameter', param: c.param, type: 'invalid_request_error' });
      for (const a of answers) expect(a, 'the same answer for every provider').to.deep.equal(answers[0]);
      expect(stack.sim.calls, 'no provider was called').to.have.length(0);
    });
  }

  it('still accepted: an assistant turn with tool calls and empty content (LangChain), a tool_choice naming an offered tool', async () => {
    for (const model of MODELS) {
      const chat = await client.chat.completions.create({
        model,
        tools: [{ type: 'function', function: WEATHER }],
        tool_choice: { type: 'function', function: { name: 'get_weather' } },
        messages: [
          { role: 'user', content: 'Weather in Paris?' },
          { role: 'assistant', content: '', tool_calls: [{ id: 'call_abc123xyz', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
          { role: 'tool', tool_call_id: 'call_abc123xyz', content: '{"temp_c": 21}' },
        ],
      });
      expect(chat.choices[0]!.message, model).to.have.property('role', 'assistant');
      const resp = await client.responses.create({
        model,
        input: [
          { role: 'user', content: 'Weather in Paris?' },
          { type: 'message', role: 'assistant', content: '' },
        ],
      });
      expect(resp.status, model).to.equal('completed');
    }
  });
});
