// The one Redis connection of a router process (ioredis), configured so that
// an outage can never stall a request: commands fail at once while the
// connection is down (no offline queue), fail after commandTimeoutMs when
// Redis hangs (CLIENT PAUSE, a dead peer behind a proxy), and in-flight
// commands are not replayed after a reconnect (maxRetriesPerRequest 0).
// ioredis reconnects forever in the background, so service resumes by itself
// when Redis returns. The URL may carry a password: it is never logged.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Redis, ChainableCommander } from 'ioredis';

// ioredis is loaded only when a Redis backend is configured (synchronously, so
// the backend is still created in one step): the memory backend never pays its
// several MB resident.
const require = createRequire(import.meta.url);
import type { Logger } from '../telemetry/log.js';

export interface RedisOptions {
  url: string;
  /** Every key starts with this (several router fleets may share one Redis). */
  prefix: string;
  logger?: Logger;
  /** Told when the connection becomes usable (true) or is lost (false). */
  onStatus?: (up: boolean) => void;
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
}

export interface RedisHandle {
  client: Redis;
  prefix: string;
  /** True while the connection is ready for commands. */
  readonly up: boolean;
  close(): Promise<void>;
}

export const DEFAULT_COMMAND_TIMEOUT_MS = 1000;

export function connectRedis(opts: RedisOptions): RedisHandle {
  const { Redis: RedisClient } = require('ioredis') as typeof import('ioredis');
  const client = new RedisClient(opts.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: opts.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    connectTimeout: opts.connectTimeoutMs ?? 2000,
    // 100 ms, 200 ms, … capped at 2 s, forever: a replica must come back without a restart.
    retryStrategy: (times) => Math.min(100 * times, 2000),
    lazyConnect: false,
  });
  let up = false;
  let lastError = 0;
  const where = redactedTarget(opts.url);
  client.on('ready', () => {
    up = true;
    opts.logger?.info({ redis: where }, 'state backend connected');
    opts.onStatus?.(true);
  });
  client.on('close', () => {
    if (up) opts.logger?.warn({ redis: where }, 'state backend connection lost; reconnecting');
    up = false;
    opts.onStatus?.(false);
  });
  // Without a listener ioredis prints every failed reconnect to stderr; log once a minute at most.
  client.on('error', (err: Error) => {
    const now = Date.now();
    if (now - lastError < 60_000) return;
    lastError = now;
    opts.logger?.warn({ redis: where, err: { name: err.name, message: scrub(err.message) } }, 'state backend error');
  });
  return {
    client,
    prefix: opts.prefix,
    get up() {
      return up;
    },
    async close() {
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    },
  };
}

/** host:port (and the database) of a Redis URL: safe to log. */
export function redactedTarget(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname.length > 1 ? u.pathname : ''}`;
  } catch {
    return 'redis (unparseable URL)';
  }
}

function scrub(message: string): string {
  return message.replace(/rediss?:\/\/[^\s]*/g, 'redis://…');
}

/** A Lua script run by EVALSHA, loaded with EVAL the first time a server does not know it. */
export class Script {
  readonly sha: string;

  constructor(readonly lua: string) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  async run(client: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!String((err as Error).message).startsWith('NOSCRIPT')) throw err;
      return client.eval(this.lua, keys.length, ...keys, ...args);
    }
  }
}

/** Runs a pipeline (one round trip) and throws the first command error: exec() itself only rejects on connection errors. */
export async function execAll(p: ChainableCommander): Promise<unknown[]> {
  const results = (await p.exec()) ?? [];
  for (const [err] of results) if (err) throw err;
  return results.map(([, v]) => v);
}
