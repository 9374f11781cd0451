// Issue 16, finding 1: "The Vercel AI SDK's default path breaks every
// multi-turn chat" — it replays earlier output items as
// {"type": "item_reference", "id": "…"} (and reasoning items as
// {"type": "reasoning", "id": "rs_…"} with no content), and the router
// answered 400 `input item type "item_reference" is not supported`. Now an
// output item id names its response (`<kind>_<suffix>_<n>`, api/item-ids.ts),
// the normalize stage swaps the stored item in — on every provider, whether
// the earlier answer was streamed or not — and the read goes through
// previousResponse(), so another key's item, like an unknown id, is a 404
// response_not_found naming the id. Memory and Redis backends alike (Redis
// skipped visibly when absent).
import { expect } from 'chai';
import OpenAI from 'openai';
import type { DemoStack } from '../../src/cli/demo-stack.js';
import { startStack, waitFor, type KeyDef } from './shared-state-stack.js';
import { deletePrefix, requireRedis, TEST_REDIS_URL, testPrefix } from '../unit/state/backends.js';

const KEYS = {
  a: { name: 'team-a', key: 'sk-itemref-team-a' },
  b: { name: 'team-b', key: 'sk-itemref-team-b' },
} satisfies Record<string, KeyDef>;

const TARGETS = [
  { model: 'openai/gpt-4o', provider: 'openai' },
  { model: 'anthropic/claude-sonnet-4-5', provider: 'anthropic' },
  { model: 'gemini/gemini-2.5-flash', provider: 'gemini' },
] as const;

const WEATHER_TOOL = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  strict: true,
};

type Input = OpenAI.Responses.ResponseInput;

async function errorOf(p: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await p;
  } catch (err) {
    if (err instanceof OpenAI.APIError) return err;
    throw err;
  }
  throw new Error('expected an error');
}

function suite(backend: 'memory' | 'redis'): void {
  describe(`item references resolve from the response store (${backend})`, function () {
    this.timeout(30_000);
    const prefix = testPrefix();
    let stack: DemoStack | undefined;
    let a: OpenAI;
    let b: OpenAI;

    before(async function () {
      if (backend === 'redis') await requireRedis(this, 'item references on the Redis backend');
      const state = backend === 'redis' ? { backend: 'redis', redisUrl: TEST_REDIS_URL, keyPrefix: prefix } : undefined;
      stack = await startStack({ keys: Object.values(KEYS), ...(state ? { state } : {}) });
      if (backend === 'redis') await waitFor('the router to connect to Redis', () => stack!.router.state.up());
      a = new OpenAI({ baseURL: `${stack.router.url}/v1`, apiKey: KEYS.a.key, maxRetries: 0 });
      b = new OpenAI({ baseURL: `${stack.router.url}/v1`, apiKey: KEYS.b.key, maxRetries: 0 });
    });
    after(async () => {
      await stack?.stop();
      if (backend === 'redis' && stack) await deletePrefix(TEST_REDIS_URL, prefix);
    });

    for (const t of TARGETS) {
      it(`${t.provider}: a tool loop replays the function call by item_reference (AI SDK step 2)`, async () => {
        const first = await a.responses.create({ model: t.model, input: 'Weather in Paris?', tools: [WEATHER_TOOL] });
        const call = first.output.find((o) => o.type === 'function_call');
        if (call?.type !== 'function_call') throw new Error(`no call: ${JSON.stringify(first.output)}`);
        expect(call.id, 'the item id names its response').to.equal(`fc_${first.id.slice('resp_'.length)}_${first.output.indexOf(call)}`);
        const input: Input = [
          { role: 'user', content: 'Weather in Paris?' },
          { type: 'item_reference', id: call.id! },
          { type: 'function_call_output', call_id: call.call_id, output: '{"temp_c": 21}' },
        ];
        const second = await a.responses.create({ model: t.model, tools: [WEATHER_TOOL], input });
        expect(second.output_text).to.include('Tool result received');
        const sent = JSON.stringify(stack!.sim.calls.at(-1)!.body);
        expect(stack!.sim.calls.at(-1)!.provider).to.equal(t.provider);
        expect(sent, 'the stored call went upstream').to.include(call.call_id).and.include('get_weather');
      });

      it(`${t.provider}: a conversation that appends the earlier (streamed) answer by reference continues`, async () => {
        const stream = a.responses.stream({ model: t.model, input: 'Say hello' });
        for await (const _ of stream) {
          // drain
        }
        const first = await stream.finalResponse();
        const msg = first.output.find((o) => o.type === 'message');
        if (msg?.type !== 'message') throw new Error(`no message: ${JSON.stringify(first.output)}`);
        const input: Input = [
          { role: 'user', content: 'Say hello' },
          { type: 'item_reference', id: msg.id },
          { role: 'user', content: 'And goodbye?' },
        ];
        const second = await a.responses.create({ model: t.model, input });
        expect(second.status).to.equal('completed');
        const sent = JSON.stringify(stack!.sim.calls.at(-1)!.body);
        expect(sent, 'the earlier answer went upstream, between the two user turns').to.include(first.output_text.slice(0, 40));
        expect(sent.indexOf('Say hello')).to.be.lessThan(sent.indexOf(first.output_text.slice(0, 40)));
        expect(sent.indexOf(first.output_text.slice(0, 40))).to.be.lessThan(sent.indexOf('And goodbye?'));
      });
    }

    it("another key's item id answers 404 response_not_found naming the id, as an unknown id does", async () => {
      const first = await a.responses.create({ model: 'openai/gpt-4o', input: 'Say hello' });
      const msgId = first.output[0]!.id!;
      const input = (id: string): Input => [
        { role: 'user', content: 'Say hello' },
        { type: 'item_reference', id },
        { role: 'user', content: 'And then?' },
      ];
      const foreign = await errorOf(b.responses.create({ model: 'openai/gpt-4o', input: input(msgId) }));
      expect(foreign.status).to.equal(404);
      expect(foreign.code).to.equal('response_not_found');
      expect(foreign.param).to.equal('input[1].id');
      expect(foreign.message).to.include(msgId);
      const unknownId = `msg_${'0123456789abcdef'.repeat(2)}_0`;
      const unknown = await errorOf(b.responses.create({ model: 'openai/gpt-4o', input: input(unknownId) }));
      expect({ status: unknown.status, code: unknown.code, param: unknown.param, message: unknown.message.split(unknownId).join('<ID>') }).to.deep.equal({
        status: foreign.status,
        code: foreign.code,
        param: foreign.param,
        message: foreign.message.split(msgId).join('<ID>'),
      });
      // the owner reads it
      expect((await a.responses.create({ model: 'openai/gpt-4o', input: input(msgId) })).status).to.equal('completed');
    });

    it('an unknown id, an id the router did not mint, a wrong kind or index: 404 naming the id', async () => {
      const first = await a.responses.create({ model: 'openai/gpt-4o', input: 'Say hello' });
      const suffix = first.id.slice('resp_'.length);
      const cases: { item: Input[number]; id: string }[] = [
        { item: { type: 'item_reference', id: 'msg_not-ours' }, id: 'msg_not-ours' },
        { item: { type: 'item_reference', id: `fc_${suffix}_0` }, id: `fc_${suffix}_0` },
        { item: { type: 'item_reference', id: `msg_${suffix}_7` }, id: `msg_${suffix}_7` },
        // a reasoning item sent back by id with no content (the AI SDK's shape) is a reference too
        { item: { type: 'reasoning', id: `rs_${suffix}_0`, summary: [] }, id: `rs_${suffix}_0` },
      ];
      for (const c of cases) {
        const err = await errorOf(a.responses.create({ model: 'openai/gpt-4o', input: [{ role: 'user', content: 'hi' }, c.item] }));
        expect({ status: err.status, code: err.code, param: err.param }, c.id).to.deep.equal({ status: 404, code: 'response_not_found', param: 'input[1].id' });
        expect(err.message).to.include(c.id);
      }
      expect(stack!.sim.calls.filter((c) => JSON.stringify(c.body).includes('"hi"')), 'nothing went upstream').to.have.length(0);
    });
  });
}

suite('memory');
suite('redis');
