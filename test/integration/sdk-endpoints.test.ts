// Issue 16 finding 5, "Endpoints the SDKs call that answer 404": GET
// /v1/models/{id}, DELETE /v1/responses/{id} and GET
// /v1/responses/{id}/input_items answered unknown_route. Each is driven here
// with the official openai SDK against a demo stack with keys, on the memory
// and the Redis backend, and every body is checked against the OpenAPI schema
// OpenAI documents for it (Model, ListModelsResponse, ResponseItemList,
// ErrorResponse). Ownership is the replay's: another key gets the 404 of an
// unknown id, byte for byte; an admin key may list and delete any.
import { expect } from 'chai';
import OpenAI from 'openai';
import type { DemoStack } from '../../src/cli/demo-stack.js';
import { MemoryConversationStore } from '../../src/state/conversations-memory.js';
import { validateErrorResponse, validateSchema, type ValidationResult } from '../helpers/openapi.js';
import { startStack, waitFor, type KeyDef } from './shared-state-stack.js';
import { deletePrefix, requireRedis, TEST_REDIS_URL, testPrefix } from '../unit/state/backends.js';

const KEYS = {
  a: { name: 'team-a', key: 'sk-endpoints-team-a' },
  b: { name: 'team-b', key: 'sk-endpoints-team-b' },
  admin: { name: 'ops-admin', key: 'sk-endpoints-admin', extra: 'admin: true' },
  scoped: { name: 'mini-only', key: 'sk-endpoints-scoped', extra: 'allowedModels: [openai/gpt-4o-mini]' },
  anthropic: { name: 'anthropic-only', key: 'sk-endpoints-anthropic', extra: 'allowedProviders: [anthropic]' },
  limited: { name: 'limited', key: 'sk-endpoints-limited', extra: 'rpm: 2' },
} satisfies Record<string, KeyDef>;

const UNKNOWN_ID = 'resp_0123456789abcdef0123456789abcdef';

function valid(r: ValidationResult): void {
  expect(r.errors, r.errors.join('\n')).to.deep.equal([]);
  expect(r.ok).to.equal(true);
}

interface Raw {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

async function raw(url: string, key: string, path: string, method = 'GET'): Promise<Raw> {
  const res = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${key}` } });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, text, body };
}

/** An answer with every occurrence of `id` replaced, for byte comparison with another id's. */
function shape(a: Raw, id: string): string {
  return `${a.status} ${a.headers.get('content-type')} ${a.headers.get('x-should-retry')} ${a.text.split(id).join('<ID>')}`;
}

async function sdkError(p: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await p;
  } catch (err) {
    if (err instanceof OpenAI.APIError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

function endpointsSuite(backend: 'memory' | 'redis'): void {
  describe(`SDK endpoints: models.retrieve, responses.delete, responses.inputItems.list (${backend})`, function () {
    this.timeout(30_000);
    const prefix = testPrefix();
    let stack: DemoStack | undefined;
    let url = '';
    const client = (k: KeyDef) => new OpenAI({ baseURL: `${url}/v1`, apiKey: k.key, maxRetries: 0 });

    before(async function () {
      if (backend === 'redis') await requireRedis(this, 'the SDK endpoints on the Redis backend');
      const state = backend === 'redis' ? { backend: 'redis', redisUrl: TEST_REDIS_URL, keyPrefix: prefix } : undefined;
      stack = await startStack({ keys: Object.values(KEYS), ...(state ? { state } : {}) });
      if (backend === 'redis') await waitFor('the router to connect to Redis', () => stack!.router.state.up());
      url = stack.router.url;
    });
    after(async () => {
      await stack?.stop();
      if (backend === 'redis' && stack) await deletePrefix(TEST_REDIS_URL, prefix);
    });

    describe('GET /v1/models/{id}', () => {
      it('client.models.retrieve takes a provider/model id (the SDK sends the slash as %2F) and answers a Model', async () => {
        const m = await client(KEYS.a).models.retrieve('openai/gpt-4o');
        expect(m).to.include({ id: 'openai/gpt-4o', object: 'model', owned_by: 'openai' });
        expect(m.created).to.be.a('number');
        valid(validateSchema('Model', m));
      });

      it('answers the same with the slash sent plain and sent encoded, as listed by GET /v1/models', async () => {
        const plain = await raw(url, KEYS.a.key, '/v1/models/openai/gpt-4o');
        const encoded = await raw(url, KEYS.a.key, '/v1/models/openai%2Fgpt-4o');
        expect(plain.status).to.equal(200);
        expect(encoded.text).to.equal(plain.text);
        const list = await client(KEYS.a).models.list();
        expect(list.data.find((m) => m.id === 'openai/gpt-4o')).to.deep.equal(plain.body);
      });

      it('an unknown id is a 404 model_not_found in the OpenAI error shape (param "model", x-should-retry: false)', async () => {
        const err = await sdkError(client(KEYS.a).models.retrieve('openai/no-such-model'));
        expect(err.status).to.equal(404);
        expect(err.code).to.equal('model_not_found');
        expect(err.param).to.equal('model');
        expect(err.headers?.get('x-should-retry')).to.equal('false');
        const r = await raw(url, KEYS.a.key, '/v1/models/openai/no-such-model');
        valid(validateErrorResponse(r.body));
        expect(r.body.error.type).to.equal('invalid_request_error');
      });

      it('a model outside the key scope (allowedModels, allowedProviders) is the 404 of an unknown id, byte for byte', async () => {
        for (const [k, outside] of [
          [KEYS.scoped, 'openai/gpt-4o'],
          [KEYS.anthropic, 'openai/gpt-4o-mini'],
        ] as const) {
          const excluded = await raw(url, k.key, `/v1/models/${outside}`);
          const unknown = await raw(url, k.key, '/v1/models/openai/zz-unknown-0');
          expect(shape(excluded, outside)).to.equal(shape(unknown, 'openai/zz-unknown-0'));
          expect(excluded.status).to.equal(404);
        }
        expect((await client(KEYS.scoped).models.retrieve('openai/gpt-4o-mini')).id).to.equal('openai/gpt-4o-mini');
        expect((await client(KEYS.anthropic).models.retrieve('anthropic/claude-3-haiku')).id).to.equal('anthropic/claude-3-haiku');
      });

      it('GET /v1/models lists only what the key may use (and validates as ListModelsResponse)', async () => {
        const scoped = (await client(KEYS.scoped).models.list()).data.map((m) => m.id);
        expect(scoped).to.deep.equal(['openai/gpt-4o-mini']);
        const anthropic = (await client(KEYS.anthropic).models.list()).data.map((m) => m.id);
        expect(anthropic.length).to.be.greaterThan(0);
        expect(anthropic.every((id) => id.startsWith('anthropic/'))).to.equal(true);
        const all = await raw(url, KEYS.a.key, '/v1/models');
        valid(validateSchema('ListModelsResponse', all.body));
        expect((all.body.data as { id: string }[]).map((m) => m.id)).to.include.members(['openai/gpt-4o', 'anthropic/claude-sonnet-4-5', 'openai/metered']);
      });

      it("counts the key's rpm (rpm: 2 → the third lookup is a 429)", async () => {
        const c = client(KEYS.limited);
        await c.models.retrieve('openai/gpt-4o');
        await c.models.retrieve('openai/gpt-4o');
        const err = await sdkError(c.models.retrieve('openai/gpt-4o'));
        expect(err.status).to.equal(429);
        expect(err.code).to.equal('rate_limit_exceeded');
      });
    });

    describe('GET /v1/responses/{id}/input_items and DELETE /v1/responses/{id}', () => {
      const INPUT: OpenAI.Responses.ResponseInputItem[] = [
        { role: 'developer', content: 'Answer briefly.' },
        { role: 'user', content: 'What is the weather in Paris?' },
        { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'sunny, 21 C' },
        { role: 'user', content: 'Thanks. Summarise.' },
      ];
      const TOOLS: OpenAI.Responses.FunctionTool[] = [
        { type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, strict: false },
      ];
      let first = '';
      let second = '';

      before(async () => {
        const a = client(KEYS.a);
        first = (await a.responses.create({ model: 'openai/gpt-4o', input: INPUT, tools: TOOLS })).id;
        // A follow-up stores the whole conversation: the first input, the first answer (assistant), the new turn.
        second = (await a.responses.create({ model: 'openai/gpt-4o', input: 'And tomorrow?', previous_response_id: first, tools: TOOLS })).id;
      });

      it('client.responses.inputItems.list pages through the stored input (desc by default, limit 2) with stable ids', async () => {
        const a = client(KEYS.a);
        const page = await a.responses.inputItems.list(first, { limit: 2 });
        expect(page.data.length).to.equal(2);
        expect(page.has_more).to.equal(true);
        const seen: OpenAI.Responses.ResponseItem[] = [];
        for await (const item of a.responses.inputItems.list(first, { limit: 2 })) seen.push(item);
        expect(seen.length).to.equal(INPUT.length);
        expect(new Set(seen.map((i) => i.id)).size).to.equal(INPUT.length);
        // desc: the last input item first
        expect(seen[0]).to.deep.include({ type: 'message', role: 'user' });
        expect(JSON.stringify(seen[0])).to.include('Thanks. Summarise.');
        expect(seen.map((i) => i.type)).to.deep.equal(['message', 'function_call_output', 'function_call', 'message', 'message']);
        expect(seen[1]).to.deep.include({ type: 'function_call_output', call_id: 'call_1', output: 'sunny, 21 C', status: 'completed' });
        expect(seen[2]).to.deep.include({ type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' });
        expect(seen[4]).to.deep.include({ type: 'message', role: 'developer' });
        // asc is the reverse, with the same ids
        const asc: OpenAI.Responses.ResponseItem[] = [];
        for await (const item of a.responses.inputItems.list(first, { order: 'asc', limit: 3 })) asc.push(item);
        expect(asc).to.deep.equal([...seen].reverse());
      });

      it('each page validates as ResponseItemList; after / before move by item id; first_id, last_id, has_more as OpenAI', async () => {
        const all = await raw(url, KEYS.a.key, `/v1/responses/${second}/input_items?order=asc&limit=100`);
        expect(all.status).to.equal(200);
        valid(validateSchema('ResponseItemList', all.body));
        const ids = (all.body.data as { id: string }[]).map((i) => i.id);
        expect(ids.length).to.equal(INPUT.length + 2); // + the first answer (assistant) + "And tomorrow?"
        expect(all.body).to.deep.include({ object: 'list', first_id: ids[0], last_id: ids.at(-1), has_more: false });
        const assistant = all.body.data[INPUT.length];
        expect(assistant).to.deep.include({ type: 'message', role: 'assistant', status: 'completed' });
        expect(assistant.content[0].type).to.equal('output_text');

        const after = await raw(url, KEYS.a.key, `/v1/responses/${second}/input_items?order=asc&limit=2&after=${ids[1]}`);
        valid(validateSchema('ResponseItemList', after.body));
        expect(after.body.data.map((i: { id: string }) => i.id)).to.deep.equal(ids.slice(2, 4));
        expect(after.body).to.deep.include({ first_id: ids[2], last_id: ids[3], has_more: true });

        const before = await raw(url, KEYS.a.key, `/v1/responses/${second}/input_items?order=asc&limit=2&before=${ids[4]}`);
        expect(before.body.data.map((i: { id: string }) => i.id)).to.deep.equal(ids.slice(2, 4));
        expect(before.body.has_more).to.equal(true);

        const last = await raw(url, KEYS.a.key, `/v1/responses/${second}/input_items?limit=2&after=${ids[1]}`);
        expect(last.body.data.map((i: { id: string }) => i.id)).to.deep.equal([ids[0]]);
        expect(last.body.has_more).to.equal(false);

        // The same ids on every call (and, on Redis, every replica: they derive from the response id and position).
        const again = await raw(url, KEYS.a.key, `/v1/responses/${second}/input_items?order=asc&limit=100`);
        expect(again.text).to.equal(all.text);
      });

      it('a bad limit, order or cursor is a 400 invalid_parameter naming the parameter', async () => {
        for (const [q, param] of [
          ['limit=0', 'limit'],
          ['limit=101', 'limit'],
          ['limit=abc', 'limit'],
          ['order=up', 'order'],
          ['after=msg_nope', 'after'],
          ['before=msg_nope', 'before'],
        ]) {
          const r = await raw(url, KEYS.a.key, `/v1/responses/${first}/input_items?${q}`);
          expect(r.status, q).to.equal(400);
          expect(r.body.error).to.deep.include({ code: 'invalid_parameter', param });
          expect(r.headers.get('x-should-retry')).to.equal('false');
          valid(validateErrorResponse(r.body));
        }
      });

      it("another key's id is the 404 of an unknown id on input_items and DELETE, byte for byte, and deletes nothing", async () => {
        for (const method of ['GET', 'DELETE']) {
          const path = (id: string) => (method === 'GET' ? `/v1/responses/${id}/input_items` : `/v1/responses/${id}`);
          const foreign = await raw(url, KEYS.b.key, path(first), method);
          const unknown = await raw(url, KEYS.b.key, path(UNKNOWN_ID), method);
          expect(foreign.status).to.equal(404);
          expect(shape(foreign, first)).to.equal(shape(unknown, UNKNOWN_ID));
          expect(foreign.body.error).to.deep.include({ code: 'response_not_found', param: 'id', type: 'not_found_error' });
          valid(validateErrorResponse(foreign.body));
          // exactly as the replay answers it
          expect(shape(foreign, first)).to.equal(shape(await raw(url, KEYS.b.key, `/v1/responses/${first}`), first));
        }
        const b = client(KEYS.b);
        expect((await sdkError(b.responses.inputItems.list(first))).status).to.equal(404);
        expect((await sdkError(b.responses.delete(first))).status).to.equal(404);
        // still there for its owner
        expect((await client(KEYS.a).responses.retrieve(first)).id).to.equal(first);
      });

      it('the owner deletes its response: OpenAI deletion object, then replay, input_items and a second delete are 404', async () => {
        const a = client(KEYS.a);
        const id = (await a.responses.create({ model: 'openai/gpt-4o', input: 'Delete me later.' })).id;
        await a.responses.delete(id);
        for (const path of [`/v1/responses/${id}`, `/v1/responses/${id}/input_items`]) {
          const r = await raw(url, KEYS.a.key, path);
          expect(r.status, path).to.equal(404);
          expect(r.body.error.code).to.equal('response_not_found');
        }
        const again = await raw(url, KEYS.a.key, `/v1/responses/${id}`, 'DELETE');
        expect(again.status).to.equal(404);
        expect(again.headers.get('x-should-retry')).to.equal('false');
        expect(await stack!.router.state.conversations.get(id)).to.equal(undefined);

        const id2 = (await a.responses.create({ model: 'openai/gpt-4o', input: 'And me.' })).id;
        const del = await raw(url, KEYS.a.key, `/v1/responses/${id2}`, 'DELETE');
        expect(del.status).to.equal(200);
        expect(del.body).to.deep.equal({ id: id2, object: 'response', deleted: true });
      });

      it("an admin key lists and deletes another key's response", async () => {
        const admin = client(KEYS.admin);
        const items: OpenAI.Responses.ResponseItem[] = [];
        for await (const item of admin.responses.inputItems.list(first)) items.push(item);
        expect(items.length).to.equal(INPUT.length);
        await admin.responses.delete(first);
        expect((await sdkError(client(KEYS.a).responses.retrieve(first))).status).to.equal(404);
      });

      it('a store:false response deletes (its marker goes) but has no input items to list (409, as its replay)', async () => {
        const a = client(KEYS.a);
        const id = (await a.responses.create({ model: 'openai/gpt-4o', input: 'Not kept.', store: false })).id;
        const items = await raw(url, KEYS.a.key, `/v1/responses/${id}/input_items`);
        expect(items.status).to.equal(409);
        expect(items.body.error.code).to.equal('response_not_stored');
        expect((await raw(url, KEYS.a.key, `/v1/responses/${id}`, 'DELETE')).status).to.equal(200);
        expect((await raw(url, KEYS.a.key, `/v1/responses/${id}`)).status).to.equal(404);
      });
    });
  });
}

endpointsSuite('memory');
endpointsSuite('redis');

describe('MemoryConversationStore.delete keeps its byte accounting', () => {
  it('removes the entry and its bytes, and reports whether there was one', async () => {
    const store = new MemoryConversationStore();
    const entry = (id: string) => ({ id, owner: 'k', stored: true, items: [{ type: 'message' as const, role: 'user' as const, content: [{ type: 'text' as const, text: id.repeat(100) }] }], createdAt: 0 });
    await store.put(entry('resp_a'));
    const one = store.bytes;
    await store.put(entry('resp_b'));
    expect(store.bytes).to.be.greaterThan(one);
    expect(await store.delete('resp_b')).to.equal(true);
    expect(store.bytes).to.equal(one);
    expect(store.size).to.equal(1);
    expect(await store.delete('resp_b')).to.equal(false);
    expect(await store.delete('resp_a')).to.equal(true);
    expect(store.bytes).to.equal(0);
    expect(await store.get('resp_a')).to.equal(undefined);
  });

  it('an expired entry deletes as absent (false) and its bytes still go', async () => {
    let now = 0;
    const store = new MemoryConversationStore({ ttlSeconds: () => 1, now: () => now });
    await store.put({ id: 'resp_x', owner: 'k', stored: true, createdAt: 0 });
    now = 5_000;
    expect(await store.delete('resp_x')).to.equal(false);
    expect(store.bytes).to.equal(0);
  });
});
