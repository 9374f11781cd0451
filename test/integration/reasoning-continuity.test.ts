// Issue 16, deliverable 3 — the finding "Reasoning state is lost between turns": Gemini's
// thoughtSignature was dropped, an incoming reasoning item kept only its summary text, and nothing
// carried a provider's opaque state when the client replays its own history (store: false), so a
// Gemini 3 tool loop was refused ("Function call is missing a thought_signature"). Now reasoning
// items carry the state in `encrypted_content` (a router envelope, api/reasoning-state.ts) when
// `include` asks for it or store is false, the envelope goes back to the provider that issued it,
// and never to another (dropped with a warning). The simulator's gemini-3 models refuse a tool
// loop whose functionCall part lacks its signature, as the real API does.
import { expect } from 'chai';
import OpenAI from 'openai';
import type { DemoStack } from '../../src/cli/demo-stack.js';
import { startStack, type KeyDef } from './shared-state-stack.js';

const KEY: KeyDef = { name: 'team-reasoning', key: 'sk-reasoning-continuity' };

const GEMINI3 = `apiVersion: tokenrouter/v1
kind: Models
metadata:
  name: gemini-3
spec:
  models:
    - { name: gemini-3-pro, provider: gemini, upstreamModel: gemini-3-pro-preview, pricing: { input: 2, output: 12 }, quality: 0.9, contextWindow: 1000000, capabilities: [tools, reasoning, streaming] }
`;

const WEATHER_TOOL = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  strict: true,
};

type Input = OpenAI.Responses.ResponseInput;
type Item = OpenAI.Responses.ResponseOutputItem;

async function errorOf(p: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await p;
  } catch (err) {
    if (err instanceof OpenAI.APIError) return err;
    throw err;
  }
  throw new Error('expected an error');
}

/** The client's own history for step 2: the first answer's output items, as returned, plus the tool result. */
function replay(output: Item[], withReasoning: boolean): Input {
  const call = output.find((o) => o.type === 'function_call');
  if (call?.type !== 'function_call') throw new Error(`no call: ${JSON.stringify(output)}`);
  return [
    { role: 'user', content: 'Weather in Paris?' },
    ...(output.filter((o) => o.type !== 'message' && (withReasoning || o.type !== 'reasoning')) as Input),
    { type: 'function_call_output', call_id: call.call_id, output: '{"temp_c": 21}' },
  ];
}

describe('reasoning state survives a client-replayed history (issue 16, deliverable 3)', function () {
  this.timeout(30_000);
  let stack: DemoStack;
  let client: OpenAI;

  before(async () => {
    stack = await startStack({ keys: [KEY], files: { 'gemini-3.yaml': GEMINI3 } });
    client = new OpenAI({ baseURL: `${stack.router.url}/v1`, apiKey: KEY.key, maxRetries: 0 });
  });
  after(async () => {
    await stack?.stop();
  });

  for (const stream of [false, true]) {
    it(`Gemini 3 tool loop, store:false + include (${stream ? 'stream' : 'non-stream'}): encrypted_content out, back in, the thoughtSignature reaches Gemini`, async () => {
      const ask = { model: 'gemini/gemini-3-pro', input: 'Weather in Paris?', tools: [WEATHER_TOOL], store: false, include: ['reasoning.encrypted_content' as const] };
      let first: OpenAI.Responses.Response;
      if (stream) {
        const s = client.responses.stream(ask);
        for await (const _ of s) {
          // drain
        }
        first = await s.finalResponse();
      } else first = await client.responses.create(ask);
      const reasoning = first.output.find((o) => o.type === 'reasoning');
      if (reasoning?.type !== 'reasoning') throw new Error(`no reasoning item: ${JSON.stringify(first.output)}`);
      expect(reasoning.encrypted_content, 'the state is wrapped, not the raw signature').to.match(/^trr1\./);

      const second = await client.responses.create({ model: 'gemini/gemini-3-pro', tools: [WEATHER_TOOL], store: false, input: replay(first.output, true) });
      expect(second.output_text).to.include('Tool result received');
      const sent = stack.sim.calls.at(-1)!.body as { contents: { role: string; parts: Record<string, unknown>[] }[] };
      const callPart = sent.contents.flatMap((c) => c.parts).find((p) => p.functionCall);
      expect(callPart?.thoughtSignature, 'the signature Gemini issued goes back on its functionCall part').to.be.a('string').and.match(/^c2ltLXNpZ25hdHVyZT/);
    });
  }

  it('the same history without the reasoning item is refused by Gemini 3 (what the finding saw)', async () => {
    const first = await client.responses.create({ model: 'gemini/gemini-3-pro', input: 'Weather in Paris?', tools: [WEATHER_TOOL], store: false });
    const err = await errorOf(client.responses.create({ model: 'gemini/gemini-3-pro', tools: [WEATHER_TOOL], store: false, input: replay(first.output, false) }));
    expect(err.status).to.equal(400);
    expect(err.message).to.include('thought_signature');
  });

  it('previous_response_id gives the same provider behaviour: the stored signature reaches Gemini 3', async () => {
    const first = await client.responses.create({ model: 'gemini/gemini-3-pro', input: 'Weather in Paris?', tools: [WEATHER_TOOL] });
    const call = first.output.find((o) => o.type === 'function_call');
    if (call?.type !== 'function_call') throw new Error(`no call: ${JSON.stringify(first.output)}`);
    const second = await client.responses.create({
      model: 'gemini/gemini-3-pro',
      tools: [WEATHER_TOOL],
      previous_response_id: first.id,
      input: [{ type: 'function_call_output', call_id: call.call_id, output: '{"temp_c": 21}' }],
    });
    expect(second.output_text).to.include('Tool result received');
    const sent = stack.sim.calls.at(-1)!.body as { contents: { parts: Record<string, unknown>[] }[] };
    expect(sent.contents.flatMap((c) => c.parts).find((p) => p.functionCall)?.thoughtSignature).to.match(/^c2ltLXNpZ25hdHVyZT/);
  });

  it('without include and with store on, reasoning items carry no encrypted_content', async () => {
    const first = await client.responses.create({ model: 'gemini/gemini-3-pro', input: 'Weather in Paris?', tools: [WEATHER_TOOL] });
    const reasoning = first.output.find((o) => o.type === 'reasoning');
    expect(reasoning, 'the signature still has its item (previous_response_id replays it)').to.exist;
    expect(reasoning).to.not.have.property('encrypted_content');
  });

  it('state from one provider is never sent to another: dropped, and the answer says so', async () => {
    const first = await client.responses.create({ model: 'gemini/gemini-3-pro', input: 'Weather in Paris?', tools: [WEATHER_TOOL], store: false });
    const { data, response } = await client.responses.create({ model: 'openai/gpt-4o', tools: [WEATHER_TOOL], store: false, input: replay(first.output, true) }).withResponse();
    expect(data.status).to.equal('completed');
    expect(decodeURIComponent(response.headers.get('x-tokenrouter-warnings') ?? '')).to.include('reasoning from "gemini" not sent to "openai"');
    const sent = JSON.stringify(stack.sim.calls.at(-1)!.body);
    expect(stack.sim.calls.at(-1)!.provider).to.equal('openai');
    expect(sent).to.not.include('c2ltLXNpZ25hdHVyZT').and.not.include('trr1.');
  });

  it('an encrypted_content the router did not issue is 400 invalid_parameter naming the item', async () => {
    const err = await errorOf(
      client.responses.create({
        model: 'gemini/gemini-3-pro',
        input: [{ role: 'user', content: 'hi' }, { type: 'reasoning', id: 'rs_x', summary: [], encrypted_content: 'gAAAAnot-ours' }],
      }),
    );
    expect(err.status).to.equal(400);
    expect(err.code).to.equal('invalid_parameter');
    expect((err.error as { param?: string }).param).to.equal('input[1].encrypted_content');
  });
});
