// The response cache's memory store: TTL per entry, the byte bound evicting the least recently
// used (counted), no entry larger than a quarter of the bound, and copies on read.
import { expect } from 'chai';
import type { CanonicalResult } from '../../../src/canonical/types.js';
import { MemoryResponseCache } from '../../../src/state/response-cache.js';
import { createMetrics } from '../../../src/telemetry/metrics.js';

const result = (text: string): CanonicalResult => ({ output: [{ type: 'message', text }], usage: { inputTokens: 1, outputTokens: 1, cachedTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, totalTokens: 2 }, finish: 'stop' });
const size = (r: CanonicalResult) => Buffer.byteLength(JSON.stringify(r));

describe('MemoryResponseCache', () => {
  it('an entry answers until its TTL, then not', () => {
    let now = 1000;
    const c = new MemoryResponseCache(undefined, () => now);
    c.putNow('k', result('hello'), 500, 1 << 20);
    now = 1499;
    expect(c.getNow('k')?.output[0]).to.deep.include({ text: 'hello' });
    now = 1500;
    expect(c.getNow('k')).to.equal(undefined);
    expect(c.bytes).to.equal(0);
  });

  it('the byte bound evicts the least recently used and counts it; the gauge follows', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const c = new MemoryResponseCache(metrics);
    const one = size(result('aaaa'));
    const max = one * 4; // exactly four entries fit (and one entry is a quarter: allowed)
    for (const k of ['a', 'b', 'c', 'd']) c.putNow(k, result('aaaa'), 60_000, max);
    c.getNow('a'); // a is now the most recent: b goes first
    c.putNow('e', result('aaaa'), 60_000, max);
    expect(c.getNow('b')).to.equal(undefined);
    for (const k of ['a', 'c', 'd', 'e']) expect(c.getNow(k), k).to.not.equal(undefined);
    expect(c.bytes).to.equal(max);
    expect((await metrics.cacheEvictions.get()).values[0]!.value).to.equal(1);
    expect((await metrics.cacheBytes.get()).values[0]!.value).to.equal(max);
  });

  it('an entry larger than a quarter of the bound is not kept; a read is a copy', () => {
    const c = new MemoryResponseCache(undefined);
    expect(c.putNow('big', result('x'.repeat(400)), 60_000, 1000)).to.equal(false);
    expect(c.getNow('big')).to.equal(undefined);
    c.putNow('k', result('hi'), 60_000, 1 << 20);
    const r = c.getNow('k')!;
    (r.output[0] as { text: string }).text = 'changed';
    expect(c.getNow('k')!.output[0]).to.deep.include({ text: 'hi' });
  });
});
