// The response cache's Redis store against a real Redis (skipped visibly without one): the byte
// bound holds the shared total, evicting the oldest first and counting it; expired entries leave
// the total without counting as evictions; two replicas see each other's entries and bytes; every
// key shares the {cache} hash tag (one Redis Cluster slot for the put script).
import { expect } from 'chai';
import type { CanonicalResult } from '../../../src/canonical/types.js';
import { connectRedis, type RedisHandle } from '../../../src/state/redis.js';
import { RedisResponseCache } from '../../../src/state/response-cache.js';
import { createMetrics, type Metrics } from '../../../src/telemetry/metrics.js';
import { deletePrefix, ready, requireRedis, TEST_REDIS_URL, testPrefix } from './backends.js';

const result = (text: string): CanonicalResult => ({ output: [{ type: 'message', text }], usage: { inputTokens: 1, outputTokens: 1, cachedTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, totalTokens: 2 }, finish: 'stop' });
/** Every entry below is the same size: a four-letter text. */
const ONE = Buffer.byteLength(JSON.stringify(result('aaaa')));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function gauge(m: Metrics): Promise<number> {
  return (await m.cacheBytes.get()).values[0]?.value ?? 0;
}
async function evictions(m: Metrics): Promise<number> {
  return (await m.cacheEvictions.get()).values[0]?.value ?? 0;
}

describe('RedisResponseCache (redis)', function () {
  this.timeout(20_000);
  const handles: RedisHandle[] = [];
  let prefix = '';
  let redis: RedisHandle;
  const open = async (): Promise<RedisHandle> => {
    const h = connectRedis({ url: TEST_REDIS_URL, prefix });
    handles.push(h);
    return ready(h);
  };
  /** What Redis holds: the running total and the bytes of the entries that exist. */
  const held = async () => {
    const total = Number((await redis.client.get(`${prefix}{cache}:bytes`)) ?? '0');
    const keys = await redis.client.keys(`${prefix}{cache}:e:*`);
    let actual = 0;
    for (const k of keys) actual += await redis.client.strlen(k);
    return { total, actual, entries: keys.length };
  };

  before(async function () {
    await requireRedis(this, 'the response cache in Redis');
  });
  beforeEach(async () => {
    prefix = testPrefix(); // each test starts from an empty cache
    redis = await open();
  });
  afterEach(async () => {
    for (const h of handles.splice(0)) await h.close();
    await deletePrefix(TEST_REDIS_URL, prefix);
  });

  it('the total stays within maxBytes over many puts; the running total is the entries’ real bytes; the gauge follows', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const c = new RedisResponseCache(redis, { metrics });
    const max = ONE * 8;
    for (let i = 0; i < 60; i++) {
      expect(await c.put(`k${i}`, result('aaaa'), 60_000, max)).to.equal(true);
      const h = await held();
      expect(h.total, `after put ${i}`).to.be.at.most(max);
      expect(h.actual, `after put ${i}`).to.equal(h.total);
    }
    expect((await held()).entries).to.equal(8);
    expect(await gauge(metrics)).to.equal(max);
    expect(await evictions(metrics)).to.equal(52);
    // The newest eight are the ones left, and they answer.
    for (let i = 52; i < 60; i++) expect(await c.get(`k${i}`), `k${i}`).to.deep.equal(result('aaaa'));
    expect(await c.get('k51')).to.equal(undefined);
  });

  it('the oldest is evicted first and counted; re-putting a key replaces its bytes, not adds them; a too-large entry is refused', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const c = new RedisResponseCache(redis, { metrics });
    const max = ONE * 4;
    for (const k of ['a', 'b', 'c', 'd']) await c.put(k, result('aaaa'), 60_000, max);
    await c.put('b', result('bbbb'), 60_000, max); // same size, replaced: still four entries, no eviction
    expect(await evictions(metrics)).to.equal(0);
    expect((await held()).total).to.equal(max);
    await c.put('e', result('aaaa'), 60_000, max);
    expect(await c.get('a'), 'the oldest went').to.equal(undefined);
    for (const k of ['b', 'c', 'd', 'e']) expect(await c.get(k), k).to.not.equal(undefined);
    expect((await c.get('b'))!.output[0]).to.deep.include({ text: 'bbbb' });
    expect(await evictions(metrics)).to.equal(1);
    expect(await c.put('big', result('x'.repeat(ONE)), 60_000, max)).to.equal(false);
    expect(await c.get('big')).to.equal(undefined);
    expect(await evictions(metrics)).to.equal(1);
  });

  it('expired entries leave the total and are not evictions', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const c = new RedisResponseCache(redis, { metrics });
    const max = ONE * 4;
    // A long-lived entry keeps the index alive past the short ones' expiry.
    await c.put('z', result('aaaa'), 60_000, max);
    for (const k of ['a', 'b', 'c']) await c.put(k, result('aaaa'), 150, max);
    expect((await held()).total).to.equal(max);
    await sleep(250);
    expect(await c.get('a'), 'Redis expired it').to.equal(undefined);
    await c.put('d', result('aaaa'), 60_000, max);
    const h = await held();
    expect(h.total, 'only the live entries count').to.equal(ONE * 2);
    expect(h.actual).to.equal(ONE * 2);
    expect(await redis.client.zcard(`${prefix}{cache}:index`)).to.equal(2);
    expect(await gauge(metrics)).to.equal(ONE * 2);
    expect(await evictions(metrics), 'expiry is not eviction').to.equal(0);
    expect(await c.get('z'), 'the live entry was not evicted for them').to.not.equal(undefined);
  });

  it('the index keys expire with the last entry: an idle cache leaves nothing behind', async () => {
    const c = new RedisResponseCache(redis);
    await c.put('a', result('aaaa'), 60_000, ONE * 4);
    await c.put('a', result('aaaa'), 150, ONE * 4); // the only entry, now short-lived
    await sleep(250);
    expect(await redis.client.keys(`${prefix}*`)).to.deep.equal([]);
  });

  it('two replicas share entries and one total: the second replica’s puts evict the first’s, oldest first', async () => {
    const ma = createMetrics({ defaultMetrics: false });
    const mb = createMetrics({ defaultMetrics: false });
    const a = new RedisResponseCache(redis, { metrics: ma });
    const b = new RedisResponseCache(await open(), { metrics: mb });
    const max = ONE * 4;
    for (const k of ['a1', 'a2', 'a3']) await a.put(k, result('aaaa'), 60_000, max);
    expect(await b.get('a2'), 'B reads what A wrote').to.deep.equal(result('aaaa'));
    for (const k of ['b1', 'b2']) await b.put(k, result('aaaa'), 60_000, max);
    expect(await a.get('a1'), 'A’s oldest went to make room for B’s').to.equal(undefined);
    expect(await a.get('b2'), 'A reads what B wrote').to.not.equal(undefined);
    expect(await evictions(mb)).to.equal(1);
    expect(await evictions(ma)).to.equal(0);
    expect(await gauge(mb), 'the shared total as B last saw it').to.equal(max);
    expect(await gauge(ma), 'A’s view is as of its own last write').to.equal(ONE * 3);
    expect((await held()).total).to.equal(max);
  });

  it('every key the store writes carries the {cache} hash tag (one Cluster slot)', async () => {
    const c = new RedisResponseCache(redis);
    await c.put('k1', result('aaaa'), 60_000, ONE * 4);
    await c.put('k2', result('aaaa'), 60_000, ONE * 4);
    const keys = await redis.client.keys(`${prefix}*`);
    expect(keys.length).to.equal(5); // two entries, the index, the sizes, the total
    for (const k of keys) expect(/\{([^}]*)\}/.exec(k)?.[1], k).to.equal('cache');
  });
});
