// Reasoning state end to end for Anthropic and OpenAI, with the official openai SDK as the client
// (the Gemini round trip is reasoning-continuity.test.ts). The simulators now behave like the real
// APIs: Anthropic signs each thinking block and refuses a signature it did not issue; OpenAI's
// reasoning models return encrypted_content, refuse one they did not issue, and refuse a store:false
// tool loop whose function call comes back without its reasoning item. So a two-step tool loop
// through the router only passes when the router hands each provider exactly the state it issued:
// the client replaying its own history (store:false + include), previous_response_id, streamed and
// not; state routed to the other provider is dropped with a warning; tampered state is a 400.
import { expect } from 'chai';
import OpenAI from 'openai';
import { unwrapReasoningState, wrapReasoningState } from '../../src/api/reasoning-state.js';
import type { DemoStack } from '../../src/cli/demo-stack.js';
import { REDACTED_THINKING_TRIGGER, thinkingSignature } from '../../src/simulator/reasoning.js';
import { startStack, type KeyDef } from './shared-state-stack.js';

const KEY: KeyDef = { name: 'team-roundtrip', key: 'reasoning-roundtrip-client-key' };

// An OpenAI reasoning model: the simulator answers gpt-5* with reasoning items.
const GPT5 = `apiVersion: tokenrouter/v1
kind: Models
metadata:
  name: gpt-5
spec:
  models:
    - { name: gpt-5-mini, provider: openai, pricing: { input: 0.25, output: 2 }, quality: 0.86, contextWindow: 400000, maxOutputTokens: 128000, capabilities: [tools, reasoning, streaming] }
`;

const ANTHROPIC = 'anthropic/claude-sonnet-4-5';
const OPENAI = 'openai/gpt-5-mini';

const WEATHER_TOOL = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  strict: true,
};

type Input = OpenAI.Responses.ResponseInput;
type Response = OpenAI.Responses.Response;
type Reasoning = OpenAI.Responses.ResponseReasoningItem;

async function errorOf(p: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await p;
  } catch (err) {
    if (err instanceof OpenAI.APIError) return err;
    throw err;
  }
  throw new Error('expected an error');
}

function callOf(r: Response): OpenAI.Responses.ResponseFunctionToolCall {
  const call = r.output.find((o) => o.type === 'function_call');
  if (call?.type !== 'function_call') throw new Error(`no call: ${JSON.stringify(r.output)}`);
  return call;
}

function reasoningOf(r: Response): Reasoning[] {
  return r.output.filter((o): o is Reasoning => o.type === 'reasoning');
}

/** The client's own history for step 2: the first answer's reasoning and call items as returned, plus the tool result. */
function replay(first: Response, prompt: string, map: (r: Reasoning) => Reasoning | undefined = (r) => r): Input {
  const items: Input = [];
  for (const o of first.output) {
    const kept = o.type === 'reasoning' ? map(o) : o.type === 'function_call' ? o : undefined;
    if (kept) items.push(kept);
  }
  return [{ role: 'user', content: prompt }, ...items, { type: 'function_call_output', call_id: callOf(first).call_id, output: '{"temp_c": 21}' }];
}

/** The same envelope with the provider's state inside changed: the router passes it on, the provider must refuse it. */
function tamper(r: Reasoning): Reasoning {
  const state = unwrapReasoningState(r.encrypted_content, 'test');
  const signature = state.signature!.replace(/[A-Za-z](?=[^A-Za-z]*$)/, (c) => (c === 'x' ? 'y' : 'x'));
  return { ...r, encrypted_content: wrapReasoningState({ ...state, signature })! };
}

describe('reasoning state round trips end to end for Anthropic and OpenAI (openai SDK → router → simulators)', function () {
  this.timeout(30_000);
  let stack: DemoStack;
  let client: OpenAI;

  before(async () => {
    stack = await startStack({ keys: [KEY], files: { 'gpt-5.yaml': GPT5 } });
    client = new OpenAI({ baseURL: `${stack.router.url}/v1`, apiKey: KEY.key, maxRetries: 0 });
  });
  after(async () => {
    await stack?.stop();
  });

  const lastCall = () => stack.sim.calls.at(-1)!;

  async function ask(body: Omit<OpenAI.Responses.ResponseCreateParamsNonStreaming, 'stream'>, stream: boolean): Promise<Response> {
    if (!stream) return client.responses.create(body);
    const s = client.responses.stream(body);
    for await (const _ of s) {
      // drain
    }
    return s.finalResponse();
  }

  /** What the provider received in step 2 carries the state it issued in step 1 (and nothing else). */
  function expectStateArrived(model: string, first: Response): void {
    const call = lastCall();
    if (model === ANTHROPIC) {
      const body = call.body as { thinking?: unknown; messages: { role: string; content: Record<string, any>[] }[] };
      expect(body.thinking, 'thinking stays on for the continued tool loop').to.deep.include({ type: 'enabled' });
      const assistant = body.messages.find((m) => m.role === 'assistant')!;
      const [head, ...rest] = assistant.content;
      expect(head?.type, 'the signed thinking block leads the assistant turn').to.equal('thinking');
      expect(head!.thinking).to.equal(reasoningOf(first)[0]!.summary[0]!.text);
      expect(head!.signature, 'the signature Anthropic issued, unchanged').to.equal(thinkingSignature(head!.thinking));
      expect(rest.map((b) => b.type)).to.include('tool_use');
    } else {
      const input = (call.body as { input: Record<string, any>[] }).input;
      const reasoning = input.filter((i) => i.type === 'reasoning');
      expect(reasoning, 'one reasoning item goes back').to.have.length(1);
      expect(reasoning[0]!.encrypted_content, 'the encrypted_content OpenAI issued, unwrapped').to.match(/^gAAAA/);
      expect(input.indexOf(reasoning[0]!)).to.be.lessThan(input.findIndex((i) => i.type === 'function_call'));
    }
  }

  for (const model of [ANTHROPIC, OPENAI]) {
    for (const stream of [false, true]) {
      const mode = stream ? 'stream' : 'non-stream';

      it(`${model}, client-replayed history (store:false + include, ${mode}): encrypted_content out, back in, the provider gets its own state`, async () => {
        const base = { model, tools: [WEATHER_TOOL], reasoning: { effort: 'low' as const }, store: false, include: ['reasoning.encrypted_content' as const] };
        const first = await ask({ ...base, input: 'Weather in Paris?' }, stream);
        const reasoning = reasoningOf(first);
        expect(reasoning, 'the provider reasoned').to.have.length(1);
        expect(reasoning[0]!.encrypted_content, 'the state is wrapped, not the raw provider string').to.match(/^trr1\./);
        const second = await ask({ ...base, input: replay(first, 'Weather in Paris?') }, stream);
        expect(second.output_text).to.include('Tool result received');
        expectStateArrived(model, first);
        expect(reasoningOf(second), 'the provider reasoned again in step 2').to.have.length(1);
      });

      it(`${model}, previous_response_id (${mode}): the stored state reaches the provider`, async () => {
        const base = { model, tools: [WEATHER_TOOL], reasoning: { effort: 'low' as const } };
        const first = await ask({ ...base, input: 'Weather in Paris?' }, stream);
        expect(reasoningOf(first)[0], 'stored, not returned').to.not.have.property('encrypted_content');
        const second = await ask(
          { ...base, previous_response_id: first.id, input: [{ type: 'function_call_output', call_id: callOf(first).call_id, output: '{"temp_c": 21}' }] },
          stream,
        );
        expect(second.output_text).to.include('Tool result received');
        expectStateArrived(model, first);
      });
    }
  }

  it('Anthropic redacted_thinking round trips: both blocks lead the assistant turn, data unchanged', async () => {
    const prompt = `${REDACTED_THINKING_TRIGGER}_TEST Weather in Paris?`;
    const base = { model: ANTHROPIC, tools: [WEATHER_TOOL], reasoning: { effort: 'low' as const }, store: false, include: ['reasoning.encrypted_content' as const] };
    const first = await client.responses.create({ ...base, input: prompt });
    const reasoning = reasoningOf(first);
    expect(reasoning, 'thinking and redacted_thinking are items of their own').to.have.length(2);
    const redacted = unwrapReasoningState(reasoning[1]!.encrypted_content, 'test').redacted;
    expect(redacted).to.be.a('string');
    const second = await client.responses.create({ ...base, input: replay(first, prompt) });
    expect(second.output_text).to.include('Tool result received');
    const assistant = (lastCall().body as { messages: { role: string; content: Record<string, any>[] }[] }).messages.find((m) => m.role === 'assistant')!;
    expect(assistant.content.map((b) => b.type)).to.deep.equal(['thinking', 'redacted_thinking', 'tool_use']);
    expect(assistant.content[1]!.data).to.equal(redacted);
  });

  it('OpenAI: the same store:false history without the reasoning item is refused (what a router that lost the state would see)', async () => {
    const base = { model: OPENAI, tools: [WEATHER_TOOL], reasoning: { effort: 'low' as const }, store: false };
    const first = await client.responses.create({ ...base, input: 'Weather in Paris?' });
    const err = await errorOf(client.responses.create({ ...base, input: replay(first, 'Weather in Paris?', () => undefined) }));
    expect(err.status).to.equal(400);
    expect(err.message).to.include("without its required 'reasoning' item");
  });

  for (const [from, to, toProvider] of [
    [ANTHROPIC, OPENAI, 'openai'],
    [OPENAI, ANTHROPIC, 'anthropic'],
  ] as const) {
    it(`history from ${from} routed to ${to}: the state is dropped with a warning, the target never sees it`, async () => {
      const fromProvider = from.split('/')[0];
      const base = { tools: [WEATHER_TOOL], reasoning: { effort: 'low' as const }, store: false, include: ['reasoning.encrypted_content' as const] };
      const first = await client.responses.create({ ...base, model: from, input: 'Weather in Paris?' });
      expect(reasoningOf(first)[0]?.encrypted_content).to.match(/^trr1\./);
      const { data, response } = await client.responses.create({ ...base, model: to, input: replay(first, 'Weather in Paris?') }).withResponse();
      expect(data.output_text).to.include('Tool result received');
      expect(decodeURIComponent(response.headers.get('x-tokenrouter-warnings') ?? '')).to.include(`reasoning from "${fromProvider}" not sent to "${toProvider}"`);
      const call = lastCall();
      expect(call.provider).to.equal(toProvider);
      const sent = JSON.stringify(call.body);
      expect(sent).to.not.include('trr1.').and.not.include('gAAAA').and.not.include(Buffer.from('sim-thinking:').toString('base64').slice(0, 12));
      if (toProvider === 'openai') expect((call.body as { input: { type?: string }[] }).input.some((i) => i.type === 'reasoning')).to.equal(false);
      else expect(JSON.stringify((call.body as { messages: unknown }).messages)).to.not.include('"thinking"');
    });
  }

  for (const model of [ANTHROPIC, OPENAI]) {
    it(`${model}: provider state tampered inside a well-formed envelope reaches the provider and is refused with 400`, async () => {
      const base = { model, tools: [WEATHER_TOOL], reasoning: { effort: 'low' as const }, store: false, include: ['reasoning.encrypted_content' as const] };
      const first = await client.responses.create({ ...base, input: 'Weather in Paris?' });
      const err = await errorOf(client.responses.create({ ...base, input: replay(first, 'Weather in Paris?', tamper) }));
      expect(err.status).to.equal(400);
      expect(err.message).to.match(model === ANTHROPIC ? /Invalid `signature` in `thinking` block/ : /could not be verified/);
      expect(lastCall().provider, 'the provider, not the router, refused it').to.equal(model.split('/')[0]);
    });
  }

  it('GET /v1/responses/{id}/input_items with include[]=reasoning.encrypted_content lists the stored state, enough to go on statelessly', async () => {
    const base = { model: ANTHROPIC, tools: [WEATHER_TOOL], reasoning: { effort: 'low' as const } };
    const first = await client.responses.create({ ...base, input: 'Weather in Paris?' });
    const second = await client.responses.create({ ...base, previous_response_id: first.id, input: [{ type: 'function_call_output', call_id: callOf(first).call_id, output: '{"temp_c": 21}' }] });
    const plain = (await client.responses.inputItems.list(second.id, { order: 'asc' })).data;
    const plainReasoning = plain.find((i) => i.type === 'reasoning');
    expect(plainReasoning, 'listed').to.exist;
    expect(plainReasoning).to.not.have.property('encrypted_content');

    const listed = (await client.responses.inputItems.list(second.id, { order: 'asc', include: ['reasoning.encrypted_content'] })).data;
    const reasoning = listed.find((i): i is Reasoning => i.type === 'reasoning')!;
    const state = unwrapReasoningState(reasoning.encrypted_content, 'test');
    expect(state.provider).to.equal('anthropic');
    expect(state.signature).to.equal(thinkingSignature(reasoning.summary[0]!.text));

    // The listed items, sent back with store:false, continue the tool loop at Anthropic with the state intact.
    const items = listed.flatMap((i): Input => {
      if (i.type === 'message' && i.role === 'user') return [{ role: 'user', content: 'Weather in Paris?' }];
      if (i.type === 'reasoning') return [{ type: 'reasoning', id: i.id, summary: i.summary, encrypted_content: i.encrypted_content ?? null }];
      if (i.type === 'function_call') return [{ type: 'function_call', call_id: i.call_id, name: i.name, arguments: i.arguments }];
      if (i.type === 'function_call_output') return [{ type: 'function_call_output', call_id: i.call_id, output: String(i.output) }];
      return [];
    });
    const third = await client.responses.create({ ...base, store: false, input: items });
    expect(third.output_text).to.include('Tool result received');
    expectStateArrived(ANTHROPIC, first);

    const err = await errorOf(client.responses.inputItems.list(second.id, { include: ['file_search_call.results'] }));
    expect(err.status).to.equal(400);
    expect(err.code).to.equal('unsupported_parameter');
  });

  it('a tampered envelope itself is refused by the router before any provider call', async () => {
    const base = { model: OPENAI, tools: [WEATHER_TOOL], reasoning: { effort: 'low' as const }, store: false, include: ['reasoning.encrypted_content' as const] };
    const first = await client.responses.create({ ...base, input: 'Weather in Paris?' });
    const calls = stack.sim.calls.length;
    const broken = (r: Reasoning): Reasoning => ({ ...r, encrypted_content: `${r.encrypted_content!.slice(0, -3)}*!*` });
    const err = await errorOf(client.responses.create({ ...base, input: replay(first, 'Weather in Paris?', broken) }));
    expect(err.status).to.equal(400);
    expect(err.code).to.equal('invalid_parameter');
    expect(stack.sim.calls.length).to.equal(calls);
  });
});
