// The response cache in Redis (the state backend): two routers on one policy directory (so one
// policy version) and one Redis share entries — a request answered by router A is a hit on
// router B, with no upstream call. Skipped visibly without a Redis server.
import { expect } from 'chai';
import { Redis } from 'ioredis';
import OpenAI from 'openai';
import type { DemoStack } from '../../src/cli/demo-stack.js';
import { startRouter, type RunningRouter } from '../../src/server/start.js';
import { silentLogger } from '../../src/telemetry/log.js';
import { createMetrics } from '../../src/telemetry/metrics.js';
import { parsePromText } from '../helpers/prom-text.js';
import { deletePrefix, requireRedis, TEST_REDIS_URL, testPrefix } from '../unit/state/backends.js';
import { METERED_BODY, startStack, waitFor, type KeyDef } from './shared-state-stack.js';

const K: KeyDef = { name: 'cache-redis', key: 'sk-cacheredis-a' };

function metric(text: string, family: string): number {
  return parsePromText(text).get(family)?.samples.reduce((x, s) => x + s.value, 0) ?? 0;
}

describe('response cache: Redis shared across two routers', function () {
  this.timeout(60_000);
  const prefix = testPrefix();
  let stack: DemoStack | undefined;
  let b: RunningRouter | undefined;

  before(async function () {
    await requireRedis(this, 'the response cache in Redis');
    const settings = `apiVersion: tokenrouter/v1\nkind: Settings\nmetadata:\n  name: settings\nspec:\n  defaultMode: balance\n  state: ${JSON.stringify({ backend: 'redis', redisUrl: TEST_REDIS_URL, keyPrefix: prefix })}\n  cache: { enabled: true, ttlSeconds: 60 }\n`;
    stack = await startStack({ keys: [K], files: { 'settings.yaml': settings } });
    b = await startRouter({ policies: stack.policyDir, port: 0, host: '127.0.0.1', logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), resyncMs: 0 });
    await waitFor('both routers on Redis', () => stack!.router.state.up() && b!.state.up());
  });
  after(async () => {
    await b?.stop();
    await stack?.stop();
    if (stack) await deletePrefix(TEST_REDIS_URL, prefix);
  });

  it('an answer router A stored is a hit on router B (no upstream call), JSON and streamed', async () => {
    const a = new OpenAI({ apiKey: K.key, baseURL: `${stack!.router.url}/v1`, maxRetries: 0 });
    const other = new OpenAI({ apiKey: K.key, baseURL: `${b!.url}/v1`, maxRetries: 0 });
    const body = { ...METERED_BODY, messages: [{ role: 'user', content: `one two three four five six seven ${Date.now()}` }] };
    const first = await a.chat.completions.create(body as any).withResponse();
    expect(first.response.headers.get('x-tokenrouter-cache')).to.equal('miss');
    const upstream = stack!.sim.calls.length;
    // The write follows the answer: wait until B sees it.
    let hit = false;
    let text = '';
    await waitFor('router B to hit', async () => {
      const r = await other.chat.completions.create(body as any).withResponse();
      text = r.data.choices[0]!.message.content ?? '';
      hit = r.response.headers.get('x-tokenrouter-cache') === 'hit';
      return hit;
    });
    expect(text).to.equal(first.data.choices[0]!.message.content);
    const afterHit = stack!.sim.calls.length;
    let streamed = '';
    const s = await other.chat.completions.create({ ...body, stream: true } as any).withResponse();
    expect(s.response.headers.get('x-tokenrouter-cache')).to.equal('hit');
    for await (const c of s.data as any) streamed += c.choices[0]?.delta?.content ?? '';
    expect(streamed).to.equal(text);
    expect(stack!.sim.calls.length, 'the stream hit made no call').to.equal(afterHit);
    expect(afterHit - upstream, 'at most the misses while the write was in flight').to.be.lessThan(2);

    // The byte total lives in Redis beside the entries, and router A's gauge is what its write saw.
    const total = Number(await redisTotal());
    expect(total).to.be.greaterThan(0);
    const gauge = metric(await (await fetch(`${stack!.router.url}/metrics`)).text(), 'tokenrouter_cache_bytes');
    expect(gauge, 'router A’s tokenrouter_cache_bytes').to.be.greaterThan(0).and.at.most(total);
  });

  async function redisTotal(): Promise<string | null> {
    const c = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    try {
      return await c.get(`${prefix}{cache}:bytes`);
    } finally {
      c.disconnect();
    }
  }
});
