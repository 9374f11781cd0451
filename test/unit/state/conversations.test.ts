// The response store behind previous_response_id and replay, against memory
// and Redis: what is put comes back, store:false is remembered as such, the
// continuation errors name the reason — and for Redis, a second replica reads
// what the first stored, entries carry the TTL, and one over the size cap is
// kept only as a `too_large` marker.
import { expect } from 'chai';
import type { CanonicalResult } from '../../../src/canonical/types.js';
import { MemoryConversationStore, previousResponse, withConversation, type ConversationStore, type StoredResponse } from '../../../src/state/conversations.js';
import { RedisConversationStore } from '../../../src/state/conversations-redis.js';
import { RouterError } from '../../../src/errors/registry.js';
import { describeBackends } from './backends.js';

const result: CanonicalResult = {
  output: [{ type: 'message', text: 'Paris.' }],
  finish: 'stop',
  usage: { inputTokens: 5, outputTokens: 2, cachedTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, totalTokens: 7 },
} as unknown as CanonicalResult;

const entry = (id: string, extra: Partial<StoredResponse> = {}): StoredResponse => ({
  id,
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

  it('what is put comes back; a continuation prepends the earlier turn', async () => {
    const store = make();
    await store.put(entry(id));
    expect(await store.get(id)).to.deep.equal(entry(id));
    const next = await withConversation(store, { api: 'responses', model: 'auto', items: [{ type: 'message', role: 'user', content: [{ type: 'text', text: 'And Spain?' }] }], tools: [], stream: false, previousResponseId: id } as never);
    expect(next.items.map((i) => (i.type === 'message' ? `${i.role}:${(i.content[0] as { text: string }).text}` : i.type))).to.deep.equal(['user:Capital of France?', 'assistant:Paris.', 'user:And Spain?']);
  });

  it('unknown → 404 response_not_found; store:false → 409 response_not_stored', async () => {
    const store = make();
    expect(await errorOf(previousResponse(store, `${id}-nope`, 'previous_response_id'))).to.include({ code: 'response_not_found', status: 404, param: 'previous_response_id' });
    await store.put({ id, stored: false, createdAt: 1 });
    expect(await errorOf(previousResponse(store, id, 'id'))).to.include({ code: 'response_not_stored', status: 409 });
  });

  if (b.kind === 'memory') {
    it('memory: bounded, least recently used first', async () => {
      const store = new MemoryConversationStore(2);
      await store.put(entry('a'));
      await store.put(entry('b'));
      await store.get('a');
      await store.put(entry('c'));
      expect(await store.get('b')).to.equal(undefined);
      expect(await store.get('a')).to.not.equal(undefined);
    });
  }

  if (b.kind === 'redis') {
    it('another replica continues what this one stored; entries expire after the TTL (30 days by default)', async () => {
      await make().put(entry(id));
      const other = new RedisConversationStore(await b.replica());
      expect(await other.get(id)).to.deep.equal(entry(id));
      const ttl = await b.redis().client.ttl(`${b.redis().prefix}resp:${id}`);
      expect(ttl).to.be.within(30 * 86_400 - 5, 30 * 86_400);
    });

    it('an entry over the size cap is kept only as a marker: continuing it is a 409 that says why', async () => {
      const store = make({ maxBytes: 2048 });
      await store.put(entry(id, { items: [{ type: 'message', role: 'user', content: [{ type: 'text', text: 'x'.repeat(5000) }] }] }));
      expect(await store.get(id)).to.deep.equal({ id, stored: false, dropped: 'too_large', createdAt: 1_700_000_000_000 });
      const err = await errorOf(previousResponse(store, id, 'previous_response_id'));
      expect(err).to.include({ code: 'response_not_stored' });
      expect(err.message).to.match(/too large.*maxConversationBytes/);
    });
  }
});
