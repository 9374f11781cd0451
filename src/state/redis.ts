// The one Redis connection of a router process (ioredis), configured so that
// an outage can never stall a request: commands fail at once while the
// connection is down (no offline queue), fail after commandTimeoutMs when
// Redis hangs (CLIENT PAUSE, a dead peer behind a proxy), and in-flight
// commands are not replayed after a reconnect (maxRetriesPerRequest 0).
// ioredis reconnects forever in the background, so service resumes by itself
// when Redis returns. Three shapes, all through ioredis's own support (no
// topology code here):
//   standalone  one Redis, from a URL (REDIS_URL) or one host:port
//   sentinel    new Redis({sentinels, name}): asks the sentinels for the
//               primary, and reconnects to the promoted one after a failover
//   cluster     new Cluster(nodes): follows slots, MOVED and promotions
// Passwords come from the environment only (backend.ts); they are never logged.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Redis, Cluster, ChainableCommander, RedisOptions as IORedisOptions, ClusterOptions } from 'ioredis';

// ioredis is loaded only when a Redis backend is configured (synchronously, so
// the backend is still created in one step): the memory backend never pays its
// several MB resident.
const require = createRequire(import.meta.url);
import type { Logger } from '../telemetry/log.js';

/** What a router's state connection is: one Redis, or a Cluster (the same commands, routed by slot). */
export type RedisClient = Redis | Cluster;

export type RedisMode = 'standalone' | 'sentinel' | 'cluster';

/** Where to connect, without a URL: the Settings.state.redis shape plus the credentials from the environment. */
export interface RedisTopology {
  mode: RedisMode;
  /** host:port of the Redis (standalone: the first is used), the sentinels, or the cluster's seed nodes. */
  nodes: string[];
  /** The sentinels' name for the monitored primary (sentinel mode). */
  sentinelName?: string;
  tls?: boolean;
  /** Database number (standalone and sentinel; a cluster has only 0). */
  db?: number;
  username?: string;
  password?: string;
  /** The sentinels' own password (REDIS_SENTINEL_PASSWORD), when they have one. */
  sentinelPassword?: string;
}

export interface RedisOptions {
  /** A standalone Redis URL (may carry a password); or give `topology`. */
  url?: string;
  topology?: RedisTopology;
  /** Every key starts with this (several router fleets may share one Redis). */
  prefix: string;
  logger?: Logger;
  /** Told when the connection becomes usable (true) or is lost (false). */
  onStatus?: (up: boolean) => void;
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
}

export interface RedisHandle {
  client: RedisClient;
  prefix: string;
  readonly mode: RedisMode;
  /** True while commands can run (see connectRedis for each mode's meaning). */
  readonly up: boolean;
  close(): Promise<void>;
}

export const DEFAULT_COMMAND_TIMEOUT_MS = 1000;

/** How often a Cluster handle that saw a node fail checks whether every primary answers again. */
const CLUSTER_PROBE_MS = 200;

/**
 * "Up" means commands can run:
 *   standalone  the connection is ready;
 *   sentinel    connected and ready on the node the sentinels name as primary
 *               (down from the moment the old primary's connection closes until
 *               ioredis has asked the sentinels and reached the promoted one);
 *   cluster     the cluster is ready and every primary in the slot map answers
 *               PING: a node error (a primary died) marks it down at once, and a
 *               probe every 200 ms refreshes the slot map and marks it up again
 *               when the promoted replica serves those slots.
 */
export function connectRedis(opts: RedisOptions): RedisHandle {
  const topology = opts.topology;
  if (!opts.url && !topology) throw new Error('connectRedis: give a url or a topology');
  const where = opts.url ? redactedTarget(opts.url) : describeTopology(topology!);
  const mode: RedisMode = opts.url ? 'standalone' : topology!.mode;
  const client = opts.url ? connectUrl(opts.url, opts) : mode === 'cluster' ? connectCluster(topology!, opts) : connectOne(topology!, opts);

  let up = false;
  let lastError = 0;
  let closing = false;
  let probe: NodeJS.Timeout | undefined;
  const setUp = (next: boolean, why: string): void => {
    if (next === up) return;
    up = next;
    if (next) opts.logger?.info({ redis: where, mode }, 'state backend connected');
    else if (!closing) opts.logger?.warn({ redis: where, mode, why }, 'state backend unavailable; reconnecting');
    opts.onStatus?.(next);
  };
  const logError = (err: Error): void => {
    const now = Date.now();
    if (now - lastError < 60_000) return;
    lastError = now;
    opts.logger?.warn({ redis: where, err: { name: err.name, message: scrub(err.message) } }, 'state backend error');
  };

  client.on('ready', () => setUp(true, 'ready'));
  client.on('close', () => setUp(false, 'connection closed'));
  client.on('end', () => setUp(false, 'connection ended'));
  // Without a listener ioredis prints every failed reconnect to stderr; log once a minute at most.
  client.on('error', logError);

  if (mode === 'cluster') {
    const cluster = client as Cluster;
    // A primary's connection failed: the slots it served cannot run commands
    // until a replica is promoted and the slot map says so.
    cluster.on('node error', (err: Error) => {
      logError(err);
      if (closing || cluster.status !== 'ready') return;
      setUp(false, 'a cluster node failed');
      probe ??= setInterval(() => void probeCluster(), CLUSTER_PROBE_MS);
    });
    let probing = false;
    const probeCluster = async (): Promise<void> => {
      if (probing || closing) return;
      probing = true;
      try {
        await new Promise<void>((resolve, reject) => cluster.refreshSlotsCache((err) => (err ? reject(err) : resolve())));
        const masters = cluster.nodes('master');
        if (!masters.length) return;
        await Promise.all(masters.map((n) => n.ping()));
        if (cluster.status !== 'ready') return;
        clearInterval(probe);
        probe = undefined;
        setUp(true, 'every primary answers');
      } catch {
        // still down: the next tick tries again
      } finally {
        probing = false;
      }
    };
  }

  return {
    client,
    prefix: opts.prefix,
    mode,
    get up() {
      return up;
    },
    async close() {
      closing = true;
      if (probe) clearInterval(probe);
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    },
  };
}

/** The fail-fast options every connection (and every cluster node's) shares. */
function failFast(opts: RedisOptions): IORedisOptions {
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: opts.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    connectTimeout: opts.connectTimeoutMs ?? 2000,
    // 100 ms, 200 ms, … capped at 2 s, forever: a replica must come back without a restart.
    retryStrategy: (times) => Math.min(100 * times, 2000),
    lazyConnect: false,
  };
}

function connectUrl(url: string, opts: RedisOptions): Redis {
  const { Redis: RedisCtor } = require('ioredis') as typeof import('ioredis');
  return new RedisCtor(url, failFast(opts));
}

function hostPort(node: string): { host: string; port: number } {
  const i = node.lastIndexOf(':');
  return { host: node.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(node.slice(i + 1)) };
}

function auth(t: RedisTopology): Pick<IORedisOptions, 'username' | 'password'> {
  return { ...(t.username ? { username: t.username } : {}), ...(t.password ? { password: t.password } : {}) };
}

function connectOne(t: RedisTopology, opts: RedisOptions): Redis {
  const { Redis: RedisCtor } = require('ioredis') as typeof import('ioredis');
  const common: IORedisOptions = { ...failFast(opts), ...auth(t), ...(t.db ? { db: t.db } : {}), ...(t.tls ? { tls: {} } : {}) };
  if (t.mode === 'standalone') return new RedisCtor({ ...common, ...hostPort(t.nodes[0]!) });
  return new RedisCtor({
    ...common,
    sentinels: t.nodes.map(hostPort),
    name: t.sentinelName!,
    role: 'master',
    ...(t.sentinelPassword ? { sentinelPassword: t.sentinelPassword } : {}),
    ...(t.tls ? { enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
    // Asking every sentinel failed: again after 100 ms, 200 ms, … capped at 2 s, forever.
    sentinelRetryStrategy: (times) => Math.min(100 * times, 2000),
    // The sentinels' +switch-master message moves the connection to the promoted
    // primary at once, instead of waiting for the old one's connection to fail.
    failoverDetector: true,
    // A primary demoted to replica answers READONLY to writes: reconnect (and ask the sentinels again).
    reconnectOnError: (err) => err.message.startsWith('READONLY'),
  });
}

function connectCluster(t: RedisTopology, opts: RedisOptions): Cluster {
  const { Cluster: ClusterCtor } = require('ioredis') as typeof import('ioredis');
  const options: ClusterOptions = {
    redisOptions: { ...failFast(opts), ...auth(t), ...(t.tls ? { tls: {} } : {}) },
    enableOfflineQueue: false,
    enableReadyCheck: true,
    scaleReads: 'master',
    // Retrying a slot whose primary died: a few short retries, then the error reaches the guard (fail_open/fail_closed).
    maxRedirections: 4,
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 100,
    slotsRefreshTimeout: 1000,
    slotsRefreshInterval: 5000,
    // The whole cluster unreachable: reconnect after 100 ms, 200 ms, … capped at 2 s, forever.
    clusterRetryStrategy: (times) => Math.min(100 * times, 2000),
  };
  return new ClusterCtor(t.nodes.map(hostPort), options);
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

/** The mode and nodes (never credentials), safe to log: sentinel://h:p,h:p/name, cluster://h:p,…, redis://h:p/db. */
export function describeTopology(t: Pick<RedisTopology, 'mode' | 'nodes' | 'sentinelName' | 'tls' | 'db'>): string {
  const scheme = t.mode === 'standalone' ? (t.tls ? 'rediss' : 'redis') : t.mode;
  const nodes = t.mode === 'standalone' ? t.nodes.slice(0, 1) : t.nodes;
  const tail = t.mode === 'sentinel' ? `/${t.sentinelName}` : t.db ? `/${t.db}` : '';
  return `${scheme}://${nodes.join(',')}${tail}${t.tls && t.mode !== 'standalone' ? ' (tls)' : ''}`;
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

  async run(client: RedisClient, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
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
