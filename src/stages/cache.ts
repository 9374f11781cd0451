// Stage: the exact-match response cache (docs/routing/cache.md). It sits after
// the prompt firewall and routing and before the budget reservation, so
//  - the key covers what the provider would see (the masked request), the
//    route (first candidate's provider and model) and the policy version: a
//    policy change or a different route never answers from an old entry;
//  - a hit skips the reservation and the upstream call: it costs nothing.
// What is cached is the CanonicalResult after the response firewall (never the
// provider's raw output), of complete successful answers only; a hit renders
// through the exchange's own dialect (JSON or a replayed stream), so one entry
// answers every front dialect and stream format.
import { hash } from 'node:crypto';
import type { CanonicalResult } from '../canonical/types.js';
import { eventsOf } from '../canonical/replay-events.js';
import { MemoryResponseCache, type ResponseCacheStore } from '../state/response-cache.js';
import type { SharedState } from '../state/backend.js';
import type { Metrics } from '../telemetry/metrics.js';
import { renderOnce, streamRenderer } from './render.js';
import { store, storeMarker } from './store.js';
import type { Exchange, PipelineDeps, Screened } from './types.js';

export const DEFAULT_CACHE_TTL_SECONDS = 300;
export const DEFAULT_CACHE_MAX_BYTES = 64 * 1024 * 1024;

/** What the request does with the cache: hit/miss are decided by the lookup; bypass means neither read nor (maybe) write. */
export interface CachePlan {
  key: string;
  read: boolean;
  write: boolean;
  ttlMs: number;
}

// The shared state's store when it has one (Redis: every replica sees the entries); otherwise one
// memory cache per router instance, beside its shared state (which every PipelineDeps carries): no
// constructor changes, and two apps in one process (tests) never share entries.
const CACHES = new WeakMap<SharedState, MemoryResponseCache>();
export function cacheOf(deps: { state: SharedState; metrics: Metrics }): ResponseCacheStore {
  if (deps.state.responseCache) return deps.state.responseCache;
  let c = CACHES.get(deps.state);
  if (!c) CACHES.set(deps.state, (c = new MemoryResponseCache(deps.metrics)));
  return c;
}

/**
 * The plan for this request: undefined when no cache is configured for it (Settings.cache off and
 * no rule turning it on), 'bypass' when the request or a rule opts out (`Cache-Control: no-store`,
 * a rule's `cache: false`). `no-cache` skips the read only: the fresh answer is still stored.
 */
export function cachePlan(ex: Exchange, screened: Screened): CachePlan | 'bypass' | undefined {
  const settings = ex.policy.settings.cache;
  const rule = screened.routed.decision.actions.cache?.value;
  if (rule === undefined && settings?.enabled !== true) return undefined;
  if (rule === false) return 'bypass';
  const cc = (ex.cacheControl ?? '').toLowerCase();
  if (directive(cc, 'no-store')) return 'bypass';
  const ttlSeconds = rule ? rule.ttlSeconds : (settings?.ttlSeconds ?? DEFAULT_CACHE_TTL_SECONDS);
  return { key: cacheKey(ex, screened), read: !directive(cc, 'no-cache'), write: true, ttlMs: ttlSeconds * 1000 };
}

function directive(cc: string, name: string): boolean {
  return cc.split(',').some((d) => d.trim() === name);
}

/**
 * sha256 of the masked canonical request less how the answer is rendered (its dialect, the stream
 * flag and the stream dialect: one entry answers them all), the first candidate, the policy version
 * and (scope key) the caller.
 */
function cacheKey(ex: Exchange, screened: Screened): string {
  const { api: _api, stream: _stream, streamFormat: _format, router, ...rest } = screened.request;
  const { streamFormat: _bodyFormat, ...routerRest } = router ?? {};
  const request = router ? { ...rest, router: routerRest } : rest;
  const first = screened.routed.decision.candidates[0];
  const scope = ex.policy.settings.cache?.scope ?? 'key';
  const material = JSON.stringify({
    v: ex.policy.version,
    provider: first?.provider.name ?? '',
    model: first?.model.name ?? '',
    owner: scope === 'shared' ? null : ex.caller,
    request,
  });
  // The one-shot hash (Node ≥ 20.12): the same hex digest as createHash().update().digest(), without a
  // Hash object per request (≈ 5 → 2 µs for a short request; every hit and miss pays it).
  return hash('sha256', material, 'hex');
}

/** Complete, successful answers only: never errors, filtered or blocked ones. */
export function cacheable(result: CanonicalResult): boolean {
  return !result.error && (result.finish === 'stop' || result.finish === 'length' || result.finish === 'tool_calls');
}

/** A store that fails (Redis down) reads as a miss: the cache never fails a request. */
export async function cacheGet(deps: PipelineDeps, key: string): Promise<CanonicalResult | undefined> {
  try {
    return await cacheOf(deps).get(key);
  } catch (err) {
    deps.logger.warn({ err: String(err) }, 'response cache read failed: answered as a miss');
    return undefined;
  }
}

/** Written after the answer went out; a failed write is logged, never the request's failure. */
export function cachePut(deps: PipelineDeps, ex: Exchange, plan: CachePlan, result: CanonicalResult): void {
  cacheOf(deps)
    .put(plan.key, result, plan.ttlMs, ex.policy.settings.cache?.maxBytes ?? DEFAULT_CACHE_MAX_BYTES)
    .catch((err: unknown) => deps.logger.warn({ err: String(err) }, 'response cache write failed'));
}

/**
 * What a hit adds to the dialect's metadata (Responses: the body, the stream's response objects,
 * the hosted stream's `metadata` event and the stored answer); Chat and Messages have none, and the
 * x-tokenrouter-cache header says it for every dialect.
 */
const HIT_METADATA: Readonly<Record<string, string>> = Object.freeze({ cache: 'hit' });

/**
 * Answers a hit in the exchange's dialect: a whole answer (stored like a live one, under a new id)
 * or the result replayed as a stream through the dialect's renderer.
 */
export async function answerHit(deps: PipelineDeps, ex: Exchange, screened: Screened, result: CanonicalResult, headers: Record<string, string>): Promise<void> {
  const decision = screened.routed.decision;
  const served = decision.candidates[0]!;
  if (!screened.request.stream) {
    ex.json(await renderOnce(deps, ex, screened.request, decision, served, result, screened.warnings, HIT_METADATA), headers);
    return;
  }
  ex.sse.open(headers);
  const render = streamRenderer(ex, screened.request, decision, served, screened.warnings, HIT_METADATA);
  for (const e of eventsOf(result)) render.push(e);
  if (render.responseId !== undefined) await store(deps, ex, screened.request, render.responseId, result, undefined, served, render.metadata());
  else await storeMarker(deps, ex);
  render.end();
  ex.sse.end();
}
