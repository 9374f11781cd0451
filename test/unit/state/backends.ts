// Runs one suite against both state backends: memory, and Redis at
// TOKENROUTER_TEST_REDIS_URL (default redis://127.0.0.1:6379, where CI runs
// one). Without a reachable Redis the Redis half is skipped — with a message
// on the console, so a green run without Redis is visibly not the whole story.
// Every Redis suite gets its own key prefix (tr-test-<random>:) and deletes
// its keys afterwards; nothing else in the Redis is touched.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { connectRedis, type RedisHandle } from '../../../src/state/redis.js';

export const TEST_REDIS_URL = process.env.TOKENROUTER_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

let probe: Promise<boolean> | undefined;

/** Whether a Redis answers PING at TEST_REDIS_URL (asked once per process). */
export function redisAvailable(): Promise<boolean> {
  probe ??= (async () => {
    const c = new Redis(TEST_REDIS_URL, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    c.on('error', () => {});
    try {
      await c.connect();
      return (await c.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      c.disconnect();
    }
  })();
  return probe;
}

export function testPrefix(): string {
  return `tr-test-${randomBytes(6).toString('hex')}:`;
}

/** Deletes every key under `prefix` (SCAN, never FLUSHALL). */
export async function deletePrefix(url: string, prefix: string): Promise<void> {
  const c = new Redis(url, { maxRetriesPerRequest: 1 });
  c.on('error', () => {});
  try {
    let cursor = '0';
    do {
      const [next, keys] = await c.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await c.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    c.disconnect();
  }
}

/** Skips the calling suite or test (this.skip()) with a console message when no Redis is reachable. */
export async function requireRedis(ctx: Mocha.Context, what: string): Promise<void> {
  if (await redisAvailable()) return;
  console.log(`      [skipped] ${what}: no Redis at ${TEST_REDIS_URL} (set TOKENROUTER_TEST_REDIS_URL or start redis-server)`);
  ctx.skip();
}

export interface Backend {
  kind: 'memory' | 'redis';
  /** The suite's Redis connection (Redis half only). */
  redis(): RedisHandle;
  /** A second, independent connection on the same prefix: another replica. */
  replica(): Promise<RedisHandle>;
}

export function describeBackends(title: string, body: (b: Backend) => void): void {
  describe(`${title} (memory)`, () => {
    body({
      kind: 'memory',
      redis: () => {
        throw new Error('no Redis in the memory half');
      },
      replica: () => Promise.reject(new Error('no Redis in the memory half')),
    });
  });
  describe(`${title} (redis)`, function () {
    const prefix = testPrefix();
    const handles: RedisHandle[] = [];
    const open = (): RedisHandle => {
      const h = connectRedis({ url: TEST_REDIS_URL, prefix });
      handles.push(h);
      return h;
    };
    let main: RedisHandle | undefined;
    before(async function () {
      await requireRedis(this, `${title} against Redis`);
      // enableOfflineQueue is off: commands fail until the connection is ready.
      main = await ready(open());
    });
    after(async () => {
      for (const h of handles) await h.close();
      if (main) await deletePrefix(TEST_REDIS_URL, prefix);
    });
    body({
      kind: 'redis',
      redis: () => main!,
      replica: () => ready(open()),
    });
  });
}

/** Resolves once the handle's connection is ready. */
export async function ready(h: RedisHandle): Promise<RedisHandle> {
  if (h.up) return h;
  await new Promise((r) => h.client.once('ready', r));
  return h;
}
