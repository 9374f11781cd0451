// The shared state of one router process, built once at start: memory (one
// process, the default) or Redis (every replica sharing it). One object per
// concern, each behind its interface, plus the guard that applies
// Settings.state.onUnavailable when Redis fails:
//   limits         provider account limits and cool-downs   limits(-redis).ts
//   keys           client key rpm / tpm / budgets            key-admission.ts
//   usage          the usage ledger                          usage-ledger(-redis).ts
//   conversations  stored responses                          conversations(-redis).ts
// Backend choice: Settings.state.backend, else redis when a URL is known
// (the REDIS_URL environment variable, which `tokenrouter serve` passes in,
// or Settings.state.redisUrl) or Settings.state.redis names nodes (a Sentinel
// set or a Cluster, passwords from REDIS_PASSWORD*), else memory.
import { readFileSync } from 'node:fs';
import { RedisResponseCache, type ResponseCacheStore } from './response-cache.js';
import type { StateSettingsSpec } from '../policy/types.js';
import type { Logger } from '../telemetry/log.js';
import type { Metrics } from '../telemetry/metrics.js';
import { MemoryBudgets } from './budgets.js';
import { RedisBudgets } from './budgets-redis.js';
import type { ConversationStore, StoredResponse } from './conversations.js';
import { DEFAULT_MEMORY_MAX_BYTES, MemoryConversationStore } from './conversations-memory.js';
import { DEFAULT_CONVERSATION_TTL_SECONDS, DEFAULT_MAX_CONVERSATION_BYTES, RedisConversationStore } from './conversations-redis.js';
import { StateGuard, type OnUnavailable } from './guard.js';
import { KeyAdmission } from './key-admission.js';
import { MemoryKeyWindows } from './key-windows.js';
import { RedisKeyWindows } from './key-windows-redis.js';
import { MemoryLimits, type LimitsBackend } from './limits.js';
import { RedisLimits } from './limits-redis.js';
import { connectRedis, describeTopology, redactedTarget, type RedisHandle, type RedisTopology } from './redis.js';
import { MemoryUsageLedger, type UsageLedger, type UsageQuery, type UsageRecord, type UsageRow } from './usage-ledger.js';
import { RedisUsageLedger } from './usage-ledger-redis.js';

export const DEFAULT_KEY_PREFIX = 'tokenrouter:';

export interface StateConfig {
  backend: 'memory' | 'redis';
  /** A standalone Redis by URL (REDIS_URL, or Settings.state.redisUrl). */
  redisUrl?: string;
  /** Settings.state.redis (when no URL is set), with the credentials from the environment. */
  redis?: RedisTopology;
  keyPrefix: string;
}

export class StateConfigError extends Error {}

/** The environment variables a Redis connection reads its credentials from (passwords never live in policy files). */
export interface RedisEnv {
  REDIS_USERNAME?: string | undefined;
  REDIS_PASSWORD?: string | undefined;
  /** A mounted secret file holding the password (read once, at start); REDIS_PASSWORD wins. */
  REDIS_PASSWORD_FILE?: string | undefined;
  REDIS_SENTINEL_PASSWORD?: string | undefined;
}

/**
 * Which backend, from the policy's Settings.state, a URL from the environment
 * (which wins over redisUrl and Settings.state.redis in standalone mode) and the
 * credential variables. A sentinel or cluster topology beside REDIS_URL is a
 * contradiction, refused rather than guessed.
 */
export function resolveStateConfig(settings: Readonly<StateSettingsSpec> | undefined, envRedisUrl?: string, env: RedisEnv = {}): StateConfig {
  const topo = settings?.redis;
  const mode = topo?.mode ?? 'standalone';
  if (envRedisUrl && mode !== 'standalone') {
    throw new StateConfigError(`REDIS_URL names one standalone Redis, but Settings.state.redis.mode is ${mode}: unset REDIS_URL (passwords go in REDIS_PASSWORD) or use mode standalone`);
  }
  const url = envRedisUrl || (mode === 'standalone' ? settings?.redisUrl : undefined);
  const hasTopology = !url && topo !== undefined && (mode !== 'standalone' || (topo.nodes?.length ?? 0) > 0);
  const backend = settings?.backend ?? (url || hasTopology ? 'redis' : 'memory');
  const keyPrefix = settings?.keyPrefix ?? DEFAULT_KEY_PREFIX;
  if (backend === 'memory') return { backend, keyPrefix };
  if (url) return { backend, redisUrl: url, keyPrefix };
  if (!hasTopology) throw new StateConfigError('Settings.state.backend is redis, but no Redis is named: set REDIS_URL, Settings.state.redisUrl or Settings.state.redis.nodes');
  if (mode === 'sentinel' && !topo!.sentinelName) throw new StateConfigError('Settings.state.redis.mode is sentinel but sentinelName is missing');
  return {
    backend,
    redis: {
      mode,
      nodes: [...topo!.nodes!],
      ...(topo!.sentinelName ? { sentinelName: topo!.sentinelName } : {}),
      ...(topo!.tls ? { tls: true } : {}),
      ...(topo!.db ? { db: topo!.db } : {}),
      ...redisCredentials(env, mode === 'sentinel'),
    },
    keyPrefix,
  };
}

/** REDIS_USERNAME, REDIS_PASSWORD (else the file REDIS_PASSWORD_FILE names) and, for sentinels, REDIS_SENTINEL_PASSWORD. */
export function redisCredentials(env: RedisEnv, sentinel: boolean): Pick<RedisTopology, 'username' | 'password' | 'sentinelPassword'> {
  let password = env.REDIS_PASSWORD || undefined;
  if (!password && env.REDIS_PASSWORD_FILE) {
    try {
      // A trailing newline is how most secret files end: it is not part of the password.
      password = readFileSync(env.REDIS_PASSWORD_FILE, 'utf8').replace(/\r?\n$/, '') || undefined;
    } catch (err) {
      throw new StateConfigError(`REDIS_PASSWORD_FILE ${env.REDIS_PASSWORD_FILE} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  return {
    ...(env.REDIS_USERNAME ? { username: env.REDIS_USERNAME } : {}),
    ...(password ? { password } : {}),
    ...(sentinel && env.REDIS_SENTINEL_PASSWORD ? { sentinelPassword: env.REDIS_SENTINEL_PASSWORD } : {}),
  };
}

/** Host:port and mode, never credentials: for logs and status. */
export function stateTarget(cfg: StateConfig): string {
  if (cfg.backend === 'memory') return 'memory';
  return cfg.redisUrl ? redactedTarget(cfg.redisUrl) : describeTopology(cfg.redis!);
}

export interface SharedStateOptions {
  metrics?: Metrics;
  logger?: Logger;
  /** The live Settings.state (onUnavailable and the conversation limits, memoryMaxBytes included, follow reloads). */
  settings?: () => Readonly<StateSettingsSpec> | undefined;
  now?: () => number;
}

export interface SharedState {
  readonly kind: 'memory' | 'redis';
  /** Where (host:port, never credentials), for logs and /v1/providers-style status. */
  readonly target: string;
  readonly guard: StateGuard;
  readonly limits: LimitsBackend;
  readonly keys: KeyAdmission;
  readonly conversations: ConversationStore;
  /** The response cache's store when it is shared (Redis); absent: each router's memory (stages/cache.ts). */
  readonly responseCache?: ResponseCacheStore;
  /** False while a shared backend is unreachable. */
  up(): boolean;
  /** After a request, in the background. */
  recordUsage(r: UsageRecord): void;
  queryUsage(q: UsageQuery): Promise<UsageRow[]>;
  /** Resolves when background writes started so far are done. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export function createSharedState(cfg: StateConfig, opts: SharedStateOptions = {}): SharedState {
  const mode = (): OnUnavailable => opts.settings?.()?.onUnavailable ?? 'fail_open';
  const guard = new StateGuard({ ...(opts.metrics ? { metrics: opts.metrics } : {}), ...(opts.logger ? { logger: opts.logger } : {}), mode });
  const clock = opts.now ? { now: opts.now } : {};
  const metrics = opts.metrics;
  if (cfg.backend === 'memory') {
    metrics?.stateUp.set(1);
    const usage = new MemoryUsageLedger(clock);
    return assemble('memory', 'memory', guard, () => true, {
      limits: new MemoryLimits(clock),
      keys: new KeyAdmission({ windows: new MemoryKeyWindows(clock), budgets: new MemoryBudgets(clock), guard, up: () => true, ...(metrics ? { metrics } : {}) }),
      conversations: new MemoryConversationStore({
        maxBytes: () => opts.settings?.()?.memoryMaxBytes ?? DEFAULT_MEMORY_MAX_BYTES,
        ttlSeconds: () => opts.settings?.()?.conversationTtlSeconds ?? DEFAULT_CONVERSATION_TTL_SECONDS,
        ...clock,
        ...(metrics ? { metrics } : {}),
      }),
      usage,
      close: async () => {},
    });
  }
  metrics?.stateUp.set(0);
  const redis: RedisHandle = connectRedis({
    ...(cfg.redisUrl ? { url: cfg.redisUrl } : { topology: cfg.redis! }),
    prefix: cfg.keyPrefix,
    ...(opts.logger ? { logger: opts.logger } : {}),
    onStatus: (up) => metrics?.stateUp.set(up ? 1 : 0),
  });
  const limits = new RedisLimits(redis, { ...clock, guard });
  return assemble('redis', stateTarget(cfg), guard, () => redis.up, {
    limits,
    keys: new KeyAdmission({ windows: new RedisKeyWindows(redis, clock), budgets: new RedisBudgets(redis, clock), guard, up: () => redis.up, ...(metrics ? { metrics } : {}) }),
    conversations: new RedisConversationStore(redis, {
      ttlSeconds: () => opts.settings?.()?.conversationTtlSeconds ?? DEFAULT_CONVERSATION_TTL_SECONDS,
      maxBytes: () => opts.settings?.()?.maxConversationBytes ?? DEFAULT_MAX_CONVERSATION_BYTES,
    }),
    usage: new RedisUsageLedger(redis, clock),
    responseCache: new RedisResponseCache(redis, { ...clock, ...(metrics ? { metrics } : {}) }),
    close: async () => {
      await limits.stop();
      await redis.close();
    },
  });
}

function assemble(
  kind: 'memory' | 'redis',
  target: string,
  guard: StateGuard,
  up: () => boolean,
  parts: { limits: LimitsBackend; keys: KeyAdmission; conversations: ConversationStore; usage: UsageLedger; responseCache?: ResponseCacheStore; close: () => Promise<void> },
): SharedState {
  return {
    kind,
    target,
    guard,
    limits: parts.limits,
    keys: parts.keys,
    conversations: guardedConversations(parts.conversations, guard),
    ...(parts.responseCache ? { responseCache: parts.responseCache } : {}),
    up,
    recordUsage: (r) => guard.write('usage', () => parts.usage.record(r)),
    queryUsage: (q) => guard.read('usage', () => parts.usage.query(q)),
    flush: () => guard.flush(),
    async close() {
      await guard.flush();
      await parts.close();
    },
  };
}

/**
 * Reading a stored response the request needs fails with 503 when the backend
 * is down; storing one after the answer is awaited (a follow-up sent to
 * another replica right away must find it) but a failure only loses it.
 */
function guardedConversations(store: ConversationStore, guard: StateGuard): ConversationStore {
  return {
    get: (id) => guard.read('conversations', () => store.get(id)),
    // A delete the caller asked for must not report success it did not have: it fails like a read.
    delete: (id) => guard.read('conversations', () => store.delete(id)),
    async put(entry: StoredResponse) {
      try {
        await store.put(entry);
      } catch (err) {
        guard.failed('conversations', 'dropped', err);
      }
    },
  };
}
