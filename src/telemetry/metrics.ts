// Every Prometheus metric the router exports is defined here, with bounded
// label values only (results, routes from the router's own table, status
// classes). One registry per process; tests may create their own. The metric
// types are hot-metrics.ts's (cheap on the per-request path); prom-client owns
// the registry, the exposition and the process metrics.
import { collectDefaultMetrics, Registry } from 'prom-client';
import { HotCounter as Counter, HotGauge as Gauge, HotHistogram as Histogram } from './hot-metrics.js';

export interface Metrics {
  registry: Registry;
  policyReloads: Counter<'result'>;
  policyLastSuccess: Gauge;
  policyInfo: Gauge<'version'>;
  policyRules: Gauge<'kind'>;
  httpRequests: Counter<'route' | 'method' | 'status'>;
  httpDuration: Histogram<'route'>;
  unhandledErrors: Counter;
  requests: Counter<'api' | 'provider' | 'model' | 'outcome'>;
  upstreamAttempts: Counter<'provider' | 'model' | 'outcome'>;
  tokens: Counter<'provider' | 'model' | 'direction'>;
  costUsd: Counter<'provider' | 'model'>;
  requestDuration: Histogram<'api' | 'outcome'>;
  upstreamDuration: Histogram<'provider' | 'model' | 'outcome'>;
  routerOverhead: Histogram<'api'>;
  decisions: Counter<'mode' | 'source'>;
  ruleMatches: Counter<'rule'>;
  priceSourceRefreshes: Counter<'source' | 'result'>;
  priceSourceLastSuccess: Gauge<'source'>;
  priceSourceModels: Gauge<'source'>;
  providerCooldowns: Counter<'provider'>;
  providerInFlight: Gauge<'provider'>;
  routingExclusions: Counter<'provider' | 'filter'>;
  retries: Counter<'provider' | 'model' | 'reason'>;
  failovers: Counter<'reason'>;
  upstreamAuthFailures: Counter<'provider'>;
  circuitState: Gauge<'provider' | 'model'>;
  timeToFirstToken: Histogram<'provider' | 'model'>;
  firewallActions: Counter<'rule' | 'action' | 'scope'>;
  stateErrors: Counter<'op' | 'handling'>;
  stateUp: Gauge;
  keyLimitRejections: Counter<'key' | 'limit'>;
  keyBudgetUsed: Gauge<'key'>;
  responseStoreEvictions: Counter<'reason'>;
  responseStoreBytes: Gauge;
  cacheRequests: Counter<'result'>;
  cacheEvictions: Counter;
  cacheBytes: Gauge;
}

/** Latency buckets reach 300 s: LLM calls run far beyond prom-client's 10 s default. */
export const LATENCY_BUCKETS_SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'tokenrouter_' });
  const policyReloads = new Counter({
    name: 'tokenrouter_policy_reload_total',
    help: 'Policy reload attempts by result (success, error, unchanged).',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  for (const r of ['success', 'error', 'unchanged']) policyReloads.inc({ result: r }, 0);
  const metrics: Metrics = {
    registry,
    policyReloads,
    policyLastSuccess: new Gauge({
      name: 'tokenrouter_policy_last_reload_success_timestamp_seconds',
      help: 'Unix time of the last successful policy load.',
      registers: [registry],
    }),
    policyInfo: new Gauge({
      name: 'tokenrouter_policy_info',
      help: 'The live policy version (content hash); exactly one series with value 1.',
      labelNames: ['version'] as const,
      registers: [registry],
    }),
    policyRules: new Gauge({
      name: 'tokenrouter_policy_rules',
      help: 'Rules and catalog entries in the live policy set, by kind.',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    httpRequests: new Counter({
      name: 'tokenrouter_http_requests_total',
      help: 'HTTP requests by route template, method and status code.',
      labelNames: ['route', 'method', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'tokenrouter_http_request_duration_seconds',
      help: 'HTTP request duration by route template.',
      labelNames: ['route'] as const,
      buckets: LATENCY_BUCKETS_SECONDS,
      registers: [registry],
    }),
    unhandledErrors: new Counter({
      name: 'tokenrouter_unhandled_errors_total',
      help: 'Errors that reached the last-resort handler (a bug or a dependency fault).',
      registers: [registry],
    }),
    requests: new Counter({
      name: 'tokenrouter_requests_total',
      help: 'Data-plane requests by API, serving provider and model, and outcome (success, error, blocked, client_gone, upstream_aborted, drained).',
      labelNames: ['api', 'provider', 'model', 'outcome'] as const,
      registers: [registry],
    }),
    upstreamAttempts: new Counter({
      name: 'tokenrouter_upstream_attempts_total',
      help: 'Upstream calls by provider, model and outcome (success, failover, error, client_gone).',
      labelNames: ['provider', 'model', 'outcome'] as const,
      registers: [registry],
    }),
    tokens: new Counter({
      name: 'tokenrouter_tokens_total',
      help: 'Tokens reported by providers, by type: input, output, cached (part of input read from the provider cache), cache_write (part of input written to it), reasoning (part of output).',
      labelNames: ['provider', 'model', 'direction'] as const,
      registers: [registry],
    }),
    costUsd: new Counter({
      name: 'tokenrouter_cost_usd_total',
      help: 'Estimated spend in USD from reported usage at live (price sources) or catalog prices.',
      labelNames: ['provider', 'model'] as const,
      registers: [registry],
    }),
    requestDuration: new Histogram({
      name: 'tokenrouter_request_duration_seconds',
      help: 'Data-plane request duration (streams: until the last byte).',
      labelNames: ['api', 'outcome'] as const,
      buckets: LATENCY_BUCKETS_SECONDS,
      registers: [registry],
    }),
    upstreamDuration: new Histogram({
      name: 'tokenrouter_upstream_duration_seconds',
      help: 'Duration of each upstream attempt (streams: until the upstream ended), by outcome.',
      labelNames: ['provider', 'model', 'outcome'] as const,
      buckets: LATENCY_BUCKETS_SECONDS,
      registers: [registry],
    }),
    routerOverhead: new Histogram({
      name: 'tokenrouter_router_overhead_seconds',
      help: 'Time spent in the router itself: request duration minus the time upstream attempts took.',
      labelNames: ['api'] as const,
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    decisions: new Counter({
      name: 'tokenrouter_decisions_total',
      help: 'Routing decisions by mode and by what set the mode (rule, request, default).',
      labelNames: ['mode', 'source'] as const,
      registers: [registry],
    }),
    ruleMatches: new Counter({
      name: 'tokenrouter_rule_matches_total',
      help: 'Routing rule matches by rule name (names from the live policy).',
      labelNames: ['rule'] as const,
      registers: [registry],
    }),
    retries: new Counter({
      name: 'tokenrouter_retries_total',
      help: 'Same-provider retries after a retryable failure, by reason.',
      labelNames: ['provider', 'model', 'reason'] as const,
      registers: [registry],
    }),
    failovers: new Counter({
      name: 'tokenrouter_failovers_total',
      help: 'Moves to the next candidate after a failure, by reason.',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    upstreamAuthFailures: new Counter({
      name: 'tokenrouter_upstream_auth_failures_total',
      help: "A provider refused the router's own key (alert on any increase).",
      labelNames: ['provider'] as const,
      registers: [registry],
    }),
    circuitState: new Gauge({
      name: 'tokenrouter_circuit_state',
      help: 'Circuit breaker per provider+model: 0 closed, 1 half-open, 2 open.',
      labelNames: ['provider', 'model'] as const,
      registers: [registry],
    }),
    timeToFirstToken: new Histogram({
      name: 'tokenrouter_time_to_first_token_seconds',
      help: 'Streams: from sending the upstream request to its first event.',
      labelNames: ['provider', 'model'] as const,
      buckets: LATENCY_BUCKETS_SECONDS,
      registers: [registry],
    }),
    priceSourceRefreshes: new Counter({
      name: 'tokenrouter_price_source_refresh_total',
      help: 'Price source refreshes by source (its position in Settings.priceSources) and result (success, error; an error keeps the last good table).',
      labelNames: ['source', 'result'] as const,
      registers: [registry],
    }),
    priceSourceLastSuccess: new Gauge({
      name: 'tokenrouter_price_source_last_success_timestamp_seconds',
      help: 'Unix time of the last successful refresh, by source position.',
      labelNames: ['source'] as const,
      registers: [registry],
    }),
    priceSourceModels: new Gauge({
      name: 'tokenrouter_price_source_models',
      help: 'Catalog models of the live policy a price source prices, by source position.',
      labelNames: ['source'] as const,
      registers: [registry],
    }),
    providerCooldowns: new Counter({
      name: 'tokenrouter_provider_cooldowns_total',
      help: 'Cool-downs started by a provider answer with retry-after (429/503).',
      labelNames: ['provider'] as const,
      registers: [registry],
    }),
    providerInFlight: new Gauge({
      name: 'tokenrouter_provider_in_flight',
      help: 'Upstream calls in flight per provider (what maxConcurrency limits).',
      labelNames: ['provider'] as const,
      registers: [registry],
    }),
    routingExclusions: new Counter({
      name: 'tokenrouter_routing_exclusions_total',
      help: 'Candidates removed from a serving decision by live state, by filter (limits, cooldown, api_key_scope).',
      labelNames: ['provider', 'filter'] as const,
      registers: [registry],
    }),
    firewallActions: new Counter({
      name: 'tokenrouter_firewall_actions_total',
      help: 'Firewall rules that acted on a request, by rule (names from the live policy), action (block, mask, warn, scan_limit) and scope (prompt, response).',
      labelNames: ['rule', 'action', 'scope'] as const,
      registers: [registry],
    }),
    stateErrors: new Counter({
      name: 'tokenrouter_state_backend_errors_total',
      help: 'Failed operations on the shared state backend (Redis), by op (key_rate, key_budget, provider_limits, usage, conversations) and handling (fail_open, fail_closed, dropped, unavailable).',
      labelNames: ['op', 'handling'] as const,
      registers: [registry],
    }),
    stateUp: new Gauge({
      name: 'tokenrouter_state_backend_up',
      help: '1 while commands can run on the state backend (memory: always; standalone and Sentinel: connected to the primary; Cluster: every primary in the slot map answers), 0 in the gap of an outage or a failover.',
      registers: [registry],
    }),
    keyLimitRejections: new Counter({
      name: 'tokenrouter_key_limit_rejections_total',
      help: 'Requests refused by a client key limit, by key (ApiKeys names) and limit (rpm, tpm, budget).',
      labelNames: ['key', 'limit'] as const,
      registers: [registry],
    }),
    keyBudgetUsed: new Gauge({
      name: 'tokenrouter_key_budget_used_ratio',
      help: "Share of a client key's budgetUsd spent in the current period (shared across replicas with Redis), by key.",
      labelNames: ['key'] as const,
      registers: [registry],
    }),
    responseStoreEvictions: new Counter({
      name: 'tokenrouter_response_store_evictions_total',
      help: 'Stored responses the in-memory store removed, by reason: bytes (least recently used, to stay within Settings.state.memoryMaxBytes) or ttl (older than Settings.state.conversationTtlSeconds).',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    responseStoreBytes: new Gauge({
      name: 'tokenrouter_response_store_bytes',
      help: 'Estimated bytes the in-memory response store holds (bounded by Settings.state.memoryMaxBytes); 0 with the Redis backend.',
      registers: [registry],
    }),
    cacheRequests: new Counter({
      name: 'tokenrouter_cache_requests_total',
      help: 'Response cache lookups by result: hit (answered from the cache), miss (looked up, not found) or bypass (cache off for the request: Cache-Control, a rule, not cacheable).',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    cacheEvictions: new Counter({
      name: 'tokenrouter_cache_evictions_total',
      help: 'Response cache entries removed before their TTL to stay within Settings.cache.maxBytes (memory: least recently used first; Redis: oldest first, counted by the router whose write evicted them).',
      registers: [registry],
    }),
    cacheBytes: new Gauge({
      name: 'tokenrouter_cache_bytes',
      help: 'Bytes the response cache holds (bounded by Settings.cache.maxBytes): memory, this process; Redis, the shared total as of this router\'s last write.',
      registers: [registry],
    }),
  };
  for (const reason of ['bytes', 'ttl']) metrics.responseStoreEvictions.inc({ reason }, 0);
  return metrics;
}
