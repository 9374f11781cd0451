// The in-memory response store's bound (finding 2; the end-to-end acceptance
// test is test/security/store-memory-bound.test.ts): each entry's retained
// bytes are estimated honestly (everything it keeps, at least its JSON size),
// the total stays within the bound with least recently used entries going
// first, entries expire after the TTL (read or not), an entry over a quarter
// of the bound is kept only as its owner's too_large marker, the limits
// follow Settings reloads, and the evictions and the held bytes are metrics.
// Also: Settings.state.memoryMaxBytes loads from policy and reaches the store
// createSharedState builds.
import { expect } from 'chai';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CanonicalResult } from '../../../src/canonical/types.js';
import { formatProblem, loadPolicyDirectory } from '../../../src/policy/load.js';
import { createSharedState } from '../../../src/state/backend.js';
import { previousResponse, type StoredResponse } from '../../../src/state/conversations.js';
import { DEFAULT_MEMORY_MAX_BYTES, MemoryConversationStore, retainedBytes } from '../../../src/state/conversations-memory.js';
import { RouterError } from '../../../src/errors/registry.js';
import { createMetrics, type Metrics } from '../../../src/telemetry/metrics.js';
import { FIXTURES } from '../../helpers/paths.js';

const KB = 1024;
const OWNER = { name: 'team-a', admin: false };

/** A stored response holding `textBytes` of ASCII input, its answer, and the rendered response. */
function entry(id: string, textBytes: number, extra: Partial<StoredResponse> = {}): StoredResponse {
  const answer = `Answer to ${id}.`;
  const result = { output: [{ type: 'message', text: answer }], finish: 'stop', usage: { inputTokens: 1, outputTokens: 1 } } as unknown as CanonicalResult;
  return {
    id,
    owner: 'team-a',
    stored: true,
    items: [{ type: 'message', role: 'user', content: [{ type: 'text', text: `${id} `.padEnd(textBytes, 'x') }] }],
    result,
    response: { id, object: 'response', instructions: 'Be brief.', output: [{ type: 'message', content: [{ type: 'output_text', text: answer }] }] },
    provider: 'openai',
    model: 'gpt-4o-mini',
    createdAt: 1_700_000_000_000,
    ...extra,
  };
}

async function value(m: Metrics, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const metric = m.registry.getSingleMetric(name);
  const got = await metric?.get();
  return got?.values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value;
}

async function errorOf(p: Promise<unknown>): Promise<RouterError> {
  try {
    await p;
  } catch (err) {
    return err as RouterError;
  }
  throw new Error('expected an error');
}

describe('memory response store: bounded in bytes, LRU and TTL', () => {
  describe('retainedBytes', () => {
    it('counts every string the entry keeps — input items, result and rendered response — at least its JSON size', () => {
      const e = entry('resp_a', 100 * KB);
      const bytes = retainedBytes(e);
      expect(bytes).to.be.at.least(Buffer.byteLength(JSON.stringify(e)));
      expect(bytes, 'headers and slots are small next to the text').to.be.below(100 * KB + 2 * KB);
      const withLongAnswer = { ...e, response: { ...e.response, instructions: 'y'.repeat(50 * KB) } };
      expect(retainedBytes(withLongAnswer) - bytes).to.be.within(50 * KB - 16, 50 * KB);
    });

    it('multi-byte text by its UTF-8 length (≥ what V8 holds: two bytes a UTF-16 unit)', () => {
      const cjk = entry('resp_cjk', 0, { items: [{ type: 'message', role: 'user', content: [{ type: 'text', text: '漢'.repeat(10_000) }] }] });
      expect(retainedBytes(cjk)).to.be.at.least(30_000);
    });

    it('a cycle or absurd nesting is infinitely large (and so never kept), not a hang', () => {
      const loop: Record<string, unknown> = {};
      loop.self = loop;
      expect(retainedBytes(entry('resp_loop', 10, { response: loop }))).to.equal(Number.POSITIVE_INFINITY);
    });

    it('a branching cycle is answered at the first too-deep path, not walked down every branch (2^256 of them)', () => {
      const loop: Record<string, unknown> = {};
      loop.a = loop;
      loop.b = loop;
      loop.list = [loop, loop];
      expect(retainedBytes(entry('resp_loop', 10, { response: loop }))).to.equal(Number.POSITIVE_INFINITY);
    });

    it('counts headers, slots and UTF-8 bytes exactly as documented', () => {
      // 128 entry + object 32 + per key (8 + name) + value: id string, owner string, stored (slot), createdAt (slot), nested object and array.
      const e = { id: 'r', owner: 'ü', stored: true, createdAt: 1, result: { t: ['ab', null] } } as unknown as Parameters<typeof retainedBytes>[0];
      const strings = (16 + 1) + (16 + 2) + (16 + 2);
      const keys = [8 + 2, 8 + 5, 8 + 6, 8 + 9, 8 + 6, 8 + 1].reduce((a, b) => a + b, 0);
      const containers = 32 /* entry */ + 32 /* result */ + 32 + 2 * 8 /* the array */;
      const scalars = 8 /* stored */ + 8 /* createdAt */ + 8 /* null */;
      expect(retainedBytes(e)).to.equal(128 + strings + keys + containers + scalars);
    });
  });

  it('the total stays within the bound: least recently used go first, counted as reason="bytes"', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const size = retainedBytes(entry('resp_1', 100 * KB));
    const store = new MemoryConversationStore({ maxBytes: () => 4 * size + 1000, metrics });
    for (const id of ['resp_1', 'resp_2', 'resp_3', 'resp_4']) await store.put(entry(id, 100 * KB));
    expect(store.size).to.equal(4);
    expect(store.bytes).to.equal(4 * size);
    await store.get('resp_1'); // now the most recently used
    await store.put(entry('resp_5', 100 * KB));
    expect(await store.get('resp_2'), 'the least recently used went').to.equal(undefined);
    for (const id of ['resp_1', 'resp_3', 'resp_4', 'resp_5']) expect(await store.get(id), id).to.not.equal(undefined);
    expect(store.bytes).to.equal(4 * size).and.at.most(store.maxBytes);
    expect(await value(metrics, 'tokenrouter_response_store_evictions_total', { reason: 'bytes' })).to.equal(1);
    expect(await value(metrics, 'tokenrouter_response_store_evictions_total', { reason: 'ttl' })).to.equal(0);
    expect(await value(metrics, 'tokenrouter_response_store_bytes')).to.equal(4 * size);
  });

  it('storing an id again replaces its bytes (no double count)', async () => {
    const store = new MemoryConversationStore();
    await store.put(entry('resp_x', 10 * KB));
    await store.put(entry('resp_x', 20 * KB));
    expect(store.size).to.equal(1);
    expect(store.bytes).to.equal(retainedBytes(entry('resp_x', 20 * KB)));
  });

  it('many small entries are bounded too: no count cap to outrun, the bytes are the cap', async () => {
    const store = new MemoryConversationStore({ maxBytes: () => 1024 * KB });
    for (let i = 0; i < 5000; i++) await store.put(entry(`resp_${i}`, 200));
    expect(store.bytes).to.be.at.most(1024 * KB);
    expect(store.size).to.be.below(5000).and.above(500);
    expect(await store.get('resp_4999')).to.not.equal(undefined);
    expect(await store.get('resp_0')).to.equal(undefined);
  });

  it('an entry over a quarter of the bound is kept as its owner’s too_large marker (a 409 that says why); the rest stay', async () => {
    const store = new MemoryConversationStore({ maxBytes: () => 400 * KB });
    await store.put(entry('resp_small', 10 * KB));
    await store.put(entry('resp_huge', 101 * KB));
    expect(await store.get('resp_huge')).to.deep.equal({ id: 'resp_huge', owner: 'team-a', stored: false, dropped: 'too_large', createdAt: 1_700_000_000_000 });
    expect(await store.get('resp_small')).to.not.equal(undefined);
    const err = await errorOf(previousResponse(store, 'resp_huge', 'previous_response_id', OWNER));
    expect(err).to.include({ code: 'response_not_stored', status: 409 });
    expect(err.message).to.match(/too large.*memoryMaxBytes/);
    expect(await errorOf(previousResponse(store, 'resp_huge', 'previous_response_id', { name: 'team-b', admin: false }))).to.include({ code: 'response_not_found' });
    await store.put(entry('resp_fits', 97 * KB));
    expect((await store.get('resp_fits'))?.stored).to.equal(true);
  });

  it('entries expire after the TTL: a read finds nothing, and unread ones are swept by a later put (reason="ttl")', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    let now = 1_000_000;
    let ttlSeconds = 3600;
    const store = new MemoryConversationStore({ ttlSeconds: () => ttlSeconds, now: () => now, metrics });
    await store.put(entry('resp_read', 1 * KB));
    await store.put(entry('resp_unread', 1 * KB));
    now += 3599_000;
    expect(await store.get('resp_read'), 'within the TTL').to.not.equal(undefined);
    now += 1000;
    expect(await store.get('resp_read'), 'a read does not extend it (as in Redis)').to.equal(undefined);
    expect(store.size).to.equal(1);
    ttlSeconds = 60; // a reload shortens it: entries stored from now on use it
    await store.put(entry('resp_new', 1 * KB));
    expect(store.size, 'the unread expired entry was swept').to.equal(1);
    expect(store.bytes).to.equal(retainedBytes(entry('resp_new', 1 * KB)));
    expect(await value(metrics, 'tokenrouter_response_store_evictions_total', { reason: 'ttl' })).to.equal(2);
    now += 60_000;
    expect(await store.get('resp_new')).to.equal(undefined);
  });

  it('a smaller bound after a reload applies at the next put', async () => {
    let max = 1024 * KB;
    const store = new MemoryConversationStore({ maxBytes: () => max });
    for (let i = 0; i < 8; i++) await store.put(entry(`resp_${i}`, 100 * KB));
    expect(store.size).to.equal(8);
    max = 300 * KB;
    await store.put(entry('resp_8', 10 * KB));
    expect(store.bytes).to.be.at.most(300 * KB);
    expect(await store.get('resp_8')).to.not.equal(undefined);
    expect(await store.get('resp_7')).to.not.equal(undefined);
    expect(await store.get('resp_0')).to.equal(undefined);
  });

  it('default bound: 64 MiB', () => {
    expect(new MemoryConversationStore().maxBytes).to.equal(64 * 1024 * 1024).and.equal(DEFAULT_MEMORY_MAX_BYTES);
  });

  it('Settings.state.memoryMaxBytes loads from policy (bad values are schema errors) and bounds the store createSharedState builds', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tokenrouter-membound-'));
    const settings = (state: string) => `apiVersion: tokenrouter/v1\nkind: Settings\nmetadata:\n  name: settings\nspec:\n  state: ${state}\n`;
    try {
      await cp(path.join(FIXTURES, 'policies', 'valid', 'minimal'), dir, { recursive: true });
      await writeFile(path.join(dir, 'settings.yaml'), settings('{ memoryMaxBytes: 1048576, conversationTtlSeconds: 600 }'));
      const ok = await loadPolicyDirectory(dir);
      if (!ok.ok) throw new Error(ok.problems.map(formatProblem).join('\n'));
      expect(ok.set.settings.state).to.deep.include({ memoryMaxBytes: 1048576, conversationTtlSeconds: 600 });
      await writeFile(path.join(dir, 'settings.yaml'), settings('{ memoryMaxBytes: 1000 }'));
      const bad = await loadPolicyDirectory(dir);
      expect(bad.ok).to.equal(false);
      expect(bad.ok ? '' : bad.problems.map(formatProblem).join('\n')).to.match(/\/spec\/state\/memoryMaxBytes must be >= 1048576/);

      const metrics = createMetrics({ defaultMetrics: false });
      const state = createSharedState({ backend: 'memory', keyPrefix: 'x:' }, { metrics, settings: () => ok.set.settings.state });
      for (let i = 0; i < 20; i++) await state.conversations.put(entry(`resp_${i}`, 100 * KB));
      expect(await state.conversations.get('resp_0')).to.equal(undefined);
      expect(await state.conversations.get('resp_19')).to.not.equal(undefined);
      expect(await value(metrics, 'tokenrouter_response_store_bytes')).to.be.at.most(1048576);
      expect(await value(metrics, 'tokenrouter_response_store_evictions_total', { reason: 'bytes' })).to.be.greaterThan(0);
      await state.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
