// The response store behind previous_response_id and replay, against memory
// and Redis: what is put comes back, store:false is remembered as such, the
// continuation errors name the reason, another key's entry is not found (the
// same error as an unknown id) while an admin reads any — and for Redis, a
// second replica reads what the first stored, entries carry the TTL, and one
// over the size cap is kept only as a `too_large` marker (still owned).
// The memory store's byte bound, LRU and TTL: test/security/store-memory-bound.test.ts.
import { expect } from 'chai';
import type { CanonicalResult } from '../../../src/canonical/types.js';
import { previousResponse, withConversation, type ConversationStore, type ResponseReader, type StoredResponse } from '../../../src/state/conversations.js';
import { MemoryConversationStore } from '../../../src/state/conversations-memory.js';
import { RedisConversationStore } from '../../../src/state/conversations-redis.js';
import { RouterError } from '../../../src/errors/registry.js';
import { describeBackends } from './backends.js';

const result: CanonicalResult = {
  output: [{ type: 'message', text: 'Paris.' }],
  finish: 'stop',
  usage: { inputTokens: 5, outputTokens: 2, cachedTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, totalTokens: 7 },
} as unknown as CanonicalResult;

const OWNER: ResponseReader = { name: 'team-a', admin: false };
const OTHER: ResponseReader = { name: 'team-b', admin: false };
const ADMIN: ResponseReader = { name: 'ops', admin: true };

const entry = (id: string, extra: Partial<StoredResponse> = {}): StoredResponse => ({
  id,
  owner: 'team-a',
  stored: true,
  items: [{ type: 'message', role: 'user', content: [{ type: 'text', text: 'Capital of France?' }] }],
  result,
  provider: 'openai',
  providerType: 'openai',
  model: 'gpt-4o',
  createdAt: 1_700_000_000_000,
  ...extra,
});

async function errorOf(p: Promise<unknown>): Promise<RouterError> {
  try {
    await p;
  } catch (err) {
    return err as RouterError;
  }
  throw new Error('expected an error');
}

describeBackends('conversation store', (b) => {
  let run = 0;
  let id = '';
  beforeEach(() => {
    id = `resp_${++run}`;
  });
  const make = (opts: { maxBytes?: number } = {}): ConversationStore =>
    b.kind === 'memory' ? new MemoryConversationStore() : new RedisConversationStore(b.redis(), opts.maxBytes !== undefined ? { maxBytes: () => opts.maxBytes! } : {});

  it('a request-id entry names its response: every reader follows it, with the same owner check', async () => {
    const store = make();
    const req = `req_for_${id}`;
    await store.put(entry(id));
    await store.put({ id: req, owner: 'team-a', stored: true, aliasOf: id, createdAt: 1_700_000_000_000 });
    expect((await previousResponse(store, req, 'id', OWNER)).id).to.equal(id);
    expect((await previousResponse(store, req, 'id', ADMIN)).id).to.equal(id);
    expect((await errorOf(previousResponse(store, req, 'id', OTHER))).code).to.equal('response_not_found');
    // The response gone (expired, evicted, deleted): the request id is as unknown.
    await store.delete(id);
    expect((await errorOf(previousResponse(store, req, 'id', OWNER))).code).to.equal('response_not_found');
  });

  it('a Chat request-id marker answers its owner 409 and others 404', async () => {
    const store = make();
    const req = `req_chat_${id}`;
    await store.put({ id: req, owner: 'team-a', stored: false, unreplayable: 'chat', createdAt: 1_700_000_000_000 });
    const own = await errorOf(previousResponse(store, req, 'id', OWNER));
    expect([own.code, own.status]).to.deep.equal(['response_not_stored', 409]);
    expect((await errorOf(previousResponse(store, req, 'id', OTHER))).code).to.equal('response_not_found');
  });

  it('what is put comes back; a continuation prepends the earlier turn', async () => {
    const store = make();
    await store.put(entry(id));
    expect(await store.get(id)).to.deep.equal(entry(id));
    const next = await withConversation(store, { api: 'responses', model: 'auto', items: [{ type: 'message', role: 'user', content: [{ type: 'text', text: 'And Spain?' }] }], tools: [], stream: false, previousResponseId: id } as never, OWNER);
    expect(next.items.map((i) => (i.type === 'message' ? `${i.role}:${(i.content[0] as { text: string }).text}` : i.type))).to.deep.equal(['user:Capital of France?', 'assistant:Paris.', 'user:And Spain?']);
  });

  it('unknown → 404 response_not_found; store:false → 409 response_not_stored', async () => {
    const store = make();
    expect(await errorOf(previousResponse(store, `${id}-nope`, 'previous_response_id', OWNER))).to.include({ code: 'response_not_found', status: 404, param: 'previous_response_id' });
    await store.put({ id, owner: 'team-a', stored: false, createdAt: 1 });
    expect(await errorOf(previousResponse(store, id, 'id', OWNER))).to.include({ code: 'response_not_stored', status: 409 });
  });

  it("another key's entry — stored or store:false — is the unknown id's 404, message and all; an admin reads any", async () => {
    const store = make();
    await store.put(entry(id));
    await store.put({ id: `${id}-nostore`, owner: 'team-a', stored: false, createdAt: 1 });
    for (const [param, which] of [
      ['id', id],
      ['previous_response_id', id],
      ['id', `${id}-nostore`],
      ['previous_response_id', `${id}-nostore`],
    ] as const) {
      const theirs = await errorOf(previousResponse(store, which, param, OTHER));
      const unknown = await errorOf(previousResponse(store, 'resp_unknown', param, OTHER));
      const seen = (e: RouterError, x: string) => ({ code: e.code, status: e.status, type: e.type, param: e.param, headers: e.headers, message: e.message.replace(x, '<ID>') });
      expect(seen(theirs, which)).to.deep.equal(seen(unknown, 'resp_unknown'));
      expect(theirs).to.include({ code: 'response_not_found', status: 404, param });
    }
    expect((await previousResponse(store, id, 'id', ADMIN)).owner).to.equal('team-a');
    expect(await errorOf(previousResponse(store, `${id}-nostore`, 'id', ADMIN))).to.include({ code: 'response_not_stored' });
  });

  it('an entry without an owner (stored before ownership existed) is readable by an admin key only', async () => {
    const store = make();
    const { owner: _, ...legacy } = entry(id);
    await store.put(legacy);
    expect(await errorOf(previousResponse(store, id, 'id', OWNER))).to.include({ code: 'response_not_found' });
    expect(await errorOf(previousResponse(store, id, 'id', { name: 'anonymous', admin: false }))).to.include({ code: 'response_not_found' });
    expect((await previousResponse(store, id, 'id', ADMIN)).id).to.equal(id);
  });

  if (b.kind === 'redis') {
    it('another replica continues what this one stored; entries expire after the TTL (30 days by default)', async () => {
      await make().put(entry(id));
      const other = new RedisConversationStore(await b.replica());
      expect(await other.get(id)).to.deep.equal(entry(id));
      const ttl = await b.redis().client.ttl(`${b.redis().prefix}{r:${id}}`);
      expect(ttl).to.be.within(30 * 86_400 - 5, 30 * 86_400);
    });

    it('a response stored before the {r:<id>} hash tag (at <prefix>resp:<id>) is still found, and deleted there', async () => {
      const legacyKey = `${b.redis().prefix}resp:${id}`;
      await b.redis().client.set(legacyKey, JSON.stringify(entry(id)), 'EX', 600);
      const store = make();
      expect(await store.get(id)).to.deep.equal(entry(id));
      expect(await store.delete(id)).to.equal(true);
      expect(await b.redis().client.exists(legacyKey)).to.equal(0);
      expect(await store.get(id)).to.equal(undefined);
    });

    it('an entry over the size cap is kept only as a marker: continuing it is a 409 that says why', async () => {
      const store = make({ maxBytes: 2048 });
      await store.put(entry(id, { items: [{ type: 'message', role: 'user', content: [{ type: 'text', text: 'x'.repeat(5000) }] }] }));
      expect(await store.get(id)).to.deep.equal({ id, owner: 'team-a', stored: false, dropped: 'too_large', createdAt: 1_700_000_000_000 });
      expect(await errorOf(previousResponse(store, id, 'previous_response_id', OTHER)), 'another key: not found').to.include({ code: 'response_not_found' });
      const err = await errorOf(previousResponse(store, id, 'previous_response_id', OWNER));
      expect(err).to.include({ code: 'response_not_stored' });
      expect(err.message).to.match(/too large.*maxConversationBytes/);
    });
  }
});
