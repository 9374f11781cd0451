// Issue 16, finding 6: "the first Chat chunk carries `content: ""` even when
// the answer is a tool call (the AI SDK emits an empty text part)". OpenAI's
// own streams (the example streams in the OpenAPI spec, test/fixtures/openapi)
// open a tool-call answer with delta {role: "assistant", content: null} and a
// text answer with {role: "assistant", content: ""}; the router now does the
// same on every provider, and [DONE] still closes a clean end.
import { expect } from 'chai';
import OpenAI from 'openai';
import { startDemoStack, type DemoStack } from '../../src/cli/demo-stack.js';

const MODELS = ['openai/gpt-4o', 'anthropic/claude-sonnet-4-5', 'gemini/gemini-2.5-flash'] as const;
const WEATHER = { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };

describe('chat stream: the first chunks, as OpenAI sends them', function () {
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

  async function chunks(body: OpenAI.Chat.ChatCompletionCreateParamsStreaming): Promise<OpenAI.Chat.ChatCompletionChunk[]> {
    const out: OpenAI.Chat.ChatCompletionChunk[] = [];
    for await (const c of await client.chat.completions.create(body)) out.push(c);
    return out;
  }

  for (const model of MODELS) {
    it(`${model}: a tool-call answer opens with role and content null, never content ""`, async () => {
      const got = await chunks({ model, stream: true, tools: [{ type: 'function', function: WEATHER }], messages: [{ role: 'user', content: 'Weather in Paris?' }] });
      expect(got[0]!.choices[0]!.delta).to.deep.equal({ role: 'assistant', content: null });
      expect(got[1]!.choices[0]!.delta.tool_calls?.[0]).to.include({ index: 0, type: 'function' });
      const deltas = got.flatMap((c) => c.choices.map((ch) => ch.delta));
      expect(deltas.filter((d) => d.content === ''), 'no empty text part anywhere').to.have.length(0);
      expect(got.at(-1)!.choices[0]!.finish_reason).to.equal('tool_calls');
    });

    it(`${model}: a text answer opens with role and content "", then the text`, async () => {
      const got = await chunks({ model, stream: true, messages: [{ role: 'user', content: 'Say hello' }] });
      expect(got[0]!.choices[0]!.delta).to.deep.equal({ role: 'assistant', content: '' });
      expect(got[1]!.choices[0]!.delta.content).to.be.a('string').and.not.equal('');
      expect(got.at(-1)!.choices[0]!.finish_reason).to.equal('stop');
    });
  }

  it('the raw stream ends with [DONE] after a clean end', async () => {
    const res = await fetch(`${stack.router.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer caller-key' },
      body: JSON.stringify({ model: 'openai/gpt-4o', stream: true, messages: [{ role: 'user', content: 'Say hello' }] }),
    });
    const datas = (await res.text()).split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6));
    expect(datas.at(-1)).to.equal('[DONE]');
    expect(datas.filter((d) => d === '[DONE]')).to.have.length(1);
  });
});
