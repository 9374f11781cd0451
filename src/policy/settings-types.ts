// The Settings document's shape (one per policy set): routing defaults, resilience, the firewall's
// limits, tracing, the console, shared state and the response cache. Kept apart from the other
// policy kinds (types.ts re-exports every name) because it grows with every operational switch.
import type { RoutingMode } from './types.js';

export interface FirewallSettingsSpec {
  /** HTTP status of a blocked request (the hosted product documents both). Default 403. */
  blockStatus?: 403 | 422;
  /** Longest text one regex match may cover: the stream hold-back and the overlap of bounded scans. Default 256. */
  maxMatchChars?: number;
  /** Scanning time one prompt, response or stream may use before it is blocked (fail closed). Default 1000. */
  scanBudgetMs?: number;
}

export interface ModeWeights {
  cost: number;
  quality: number;
  latency: number;
}

export interface ResilienceSpec {
  requestTimeoutMs?: number;
  firstByteTimeoutMs?: number;
  streamIdleTimeoutMs?: number;
  maxRetriesPerProvider?: number;
  retryBudgetPercent?: number;
  retryBudgetMinConcurrency?: number;
  retryBufferBytes?: number;
  maxRetryAfterMs?: number;
  breaker?: {
    consecutiveFailures?: number;
    errorRatio?: number;
    window?: number;
    minRequests?: number;
    baseEjectionMs?: number;
    maxEjectionMs?: number;
  };
}

export type BalancingStrategy = 'weighted' | 'least_busy' | 'latency';

export interface ConsoleSettingsSpec {
  enabled?: boolean;
  decisions?: number;
  recordPrompts?: boolean;
  sourceUrl?: string;
}

export interface SettingsSpec {
  defaultMode?: RoutingMode;
  /** How a request picks among the deployments of one model (src/upstream/balancer.ts). Default weighted. */
  balancing?: BalancingStrategy;
  allowAnonymous?: boolean;
  maxBodyBytes?: number;
  modeWeights?: Partial<Record<RoutingMode, ModeWeights>>;
  /** Live price tables (src/prices/price-sources.ts); catalog prices are the fallback. */
  priceSources?: PriceSourceSpec[];
  resilience?: ResilienceSpec;
  firewall?: FirewallSettingsSpec;
  /** What error bodies carry: `includeRaw` (debug, default false) adds the provider's scrubbed raw error body. */
  errors?: { includeRaw?: boolean };
  /** What spans may carry (src/telemetry/tracing.ts): prompt and completion text only with recordContent, after masks. */
  tracing?: { recordContent?: boolean };
  /** The read-only web console (src/console/): on by default; the decision ring's size; prompts kept only when asked. */
  console?: ConsoleSettingsSpec;
  /** Where shared state lives (src/state/backend.ts); read once at start, except onUnavailable. */
  state?: StateSettingsSpec;
  /** The /v1/responses stream dialect when neither the request nor its key names one. Default openai. */
  streamFormat?: 'openai' | 'tokenrouter';
  /** The anthropic-beta values clients may send to Anthropic providers; absent: all. */
  anthropicBetas?: string[];
  /** The exact-match response cache (src/stages/cache.ts, docs/routing/cache.md). Default off. */
  cache?: CacheSettingsSpec;
}

export interface CacheSettingsSpec {
  enabled?: boolean;
  /** How long an entry answers (default 300). */
  ttlSeconds?: number;
  /** The bound on the cached results' JSON bytes (default 64 MiB); the least recently used go first. */
  maxBytes?: number;
  /** key (default): each client key sees only its own entries; shared: all keys share them. */
  scope?: 'key' | 'shared';
}

export interface StateSettingsSpec {
  /** Default: redis when a Redis URL is given (REDIS_URL or redisUrl), memory otherwise. */
  backend?: 'memory' | 'redis';
  /** redis:// or rediss:// without credentials (those go in REDIS_URL). */
  redisUrl?: string;
  /** Prefix of every Redis key, so several router fleets can share one Redis. Default "tokenrouter:". */
  keyPrefix?: string;
  /** A Sentinel set or a Cluster (or one Redis by host:port); REDIS_URL, when set, is the standalone case and wins. */
  redis?: RedisSettingsSpec;
  /** Redis unreachable: serve without shared limits (fail_open, the default) or refuse with 503 (fail_closed). */
  onUnavailable?: 'fail_open' | 'fail_closed';
  /** How long a stored response stays continuable (both backends). Default 30 days. */
  conversationTtlSeconds?: number;
  /** Largest stored response (JSON bytes) the shared (Redis) store keeps. Default 1 MiB. */
  maxConversationBytes?: number;
  /** The memory backend's bound on stored responses, in (estimated) bytes; least recently used go first. Default 64 MiB. */
  memoryMaxBytes?: number;
}

/** Where the shared Redis is, never how to log in: passwords come from REDIS_PASSWORD(_FILE) / REDIS_SENTINEL_PASSWORD. */
export interface RedisSettingsSpec {
  /** Default standalone. */
  mode?: 'standalone' | 'sentinel' | 'cluster';
  /** host:port entries: the Redis (standalone), the sentinels, or the cluster's seed nodes. */
  nodes?: string[];
  /** The name the sentinels monitor the primary under (sentinel mode). */
  sentinelName?: string;
  tls?: boolean;
  /** Database number (standalone only). */
  db?: number;
}

export interface PriceSourceSpec {
  url: string;
  format: 'litellm' | 'openrouter';
  /** Default 3600. */
  refreshSeconds?: number;
}
