// The attempt loop behind dispatchOnce and dispatchStream: walks the
// candidates, classifies each failure (classify.ts) and decides — retry the
// same provider after a jittered back-off (within the retry budget), fail
// over, or give up — within the overall deadline, the per-try header timeout
// and the circuit breakers (an open target is skipped unless every candidate
// is open: then the one closest to re-admission is still tried).
import type { CanonicalRequest } from '../canonical/types.js';
import type { BalancingStrategy } from '../policy/types.js';
import { adapterFor } from '../providers/registry.js';
import type { MappedError, ProviderAdapter, UpstreamRequest } from '../providers/types.js';
import type { Candidate } from '../routing/select.js';
import type { AbortLike } from './abort.js';
import { backoffMs, sleep } from './backoff.js';
import { deploymentKey } from '../policy/deployment-key.js';
import { classifyMapped, classifyTransport, type Classified, type FailureReason } from './classify.js';
import { UpstreamClient, UpstreamTransportError, type UpstreamResponse } from './client.js';
import { providerKeys, type PoolKey } from './credentials.js';
import { forgetGoogleToken, refreshGoogleToken } from './google-token.js';
import { UpstreamHttpError } from './errors.js';
import type { ResilienceSettings, ResilienceState } from './resilience.js';
import type { RequestSpan } from '../telemetry/request-span.js';
import { maskSecrets, SHAPES_ONLY, type SecretScrubber } from '../telemetry/secrets.js';

export interface Attempt {
  provider: string;
  model: string;
  outcome: 'success' | 'retry' | 'failover' | 'error' | 'client_gone' | 'stream_error';
  reason?: FailureReason;
  status?: number;
  code?: string | null;
  ms: number;
  /** Milliseconds from sending the request to the first translated event (streams). */
  ttftMs?: number;
}

export interface DispatchHooks {
  retry?(c: Candidate, reason: FailureReason): void;
  failover?(reason: FailureReason): void;
  authFailure?(c: Candidate): void;
  /** The provider asked us to wait (429/503 retry-after): cool it down. */
  coolDown?(c: Candidate, ms: number): void;
  /**
   * An attempt on `c` starts: take its concurrency slot and count the request
   * (account limits, src/state/limits.ts). Throw a 429 UpstreamHttpError to
   * refuse (the loop fails over); the returned function releases the slot.
   */
  begin?(c: Candidate): (() => void) | Promise<() => void>;
  /** One key of a provider's key pool got a 429 and sits out for `ms` (labelled by index / env var, never the value). */
  keyCoolDown?(c: Candidate, key: { index: number; env: string | undefined }, ms: number): void;
}

export interface DispatchContext {
  request: CanonicalRequest;
  candidates: readonly Candidate[];
  client: UpstreamClient;
  signal: AbortLike;
  attempts: Attempt[];
  resilience: ResilienceState;
  settings: ResilienceSettings;
  hooks?: DispatchHooks;
  /** Epoch ms by which the whole request must be done. */
  deadline: number;
  /** Why the loop stopped failing over, when it stopped early (for headers and logs). */
  stopReason?: string;
  /**
   * The policy set's secret scrubber (upstream/secrets.ts), asked for only
   * when a provider error arrives: every provider message passes it before it
   * can reach the client, a log or the store. Shapes only when absent.
   */
  secrets?: () => SecretScrubber;
  /** How the deployments of one model are ordered at dispatch (balancer.ts); weighted when absent. */
  balancing?: BalancingStrategy;
  /** Live TTFT of a deployment (latency balancing); undefined while unmeasured. */
  ttftMs?: (c: Candidate) => number | undefined;
  /** The request's spans (telemetry/request-span.ts): one CLIENT span per attempt, its context sent upstream. */
  span?: RequestSpan;
}

export class ClientGoneError extends Error {
  constructor() {
    super('the client disconnected');
    this.name = 'ClientGoneError';
  }
}

const DEFAULT_PROVIDER_TIMEOUT_MS = 600_000;

/** Non-stream: the full event list of the first candidate that answers. */
export interface AttemptState {
  committed: boolean;
  endedInError: boolean;
  /** The in-band error that ended a committed stream was the caller's or the account's (quota, request), not a provider fault. */
  notProviderFault?: boolean;
}

export type AttemptFn<T> = (candidate: Candidate, adapter: ProviderAdapter, upstream: UpstreamRequest, started: number, state: AttemptState) => Promise<T>;

export async function attemptLoop<T>(ctx: DispatchContext, attempt: AttemptFn<T>): Promise<T> {
  const { breakers, budget } = ctx.resilience;
  const { order, force } = admit(ctx);
  let last: UpstreamHttpError | undefined;
  // Same-provider retries take a retry-budget slot: they are what turns a
  // struggling provider's outage into a storm. Failing over to another
  // candidate does not: that is the promise to the client, and each target's
  // breaker already caps how often a dead one is tried.
  
  let minWindow = 0; // after a context-length error, only bigger windows are worth trying
  // (budget.begin/end wrap the whole request in the pipeline: "active" counts requests
  // still routing too — Envoy's active + pending — so a burst's first failures see the real load.)
  {
    for (let i = 0; i < order.length; i++) {
      const candidate = order[i]!;
      if (candidate.model.contextWindow <= minWindow) continue;
      const key = breakerKey(candidate);
      if (!force && !breakers.allow(key)) continue;
      const adapter = adapterFor(candidate.provider.type);
      let upstream: UpstreamRequest;
      let poolKey: PoolKey;
      const triedKeys = new Set<number>(); // this request's keys of this provider that got a 429
      try {
        if (candidate.provider.type === 'vertex') await googleToken(candidate);
        ({ upstream, key: poolKey } = build(ctx, candidate, adapter, triedKeys));
      } catch (err) {
        last = err as UpstreamHttpError;
        record(ctx, candidate, Date.now(), { outcome: 'failover', status: last.mapped.status, code: last.mapped.code });
        continue;
      }
      const retryable = Buffer.byteLength(upstream.body) <= ctx.settings.retryBufferBytes;
      let slotHeld = false; // a retry-budget slot taken for the next iteration
      for (let retry = 0; ; retry++) {
        const holdsSlot = slotHeld;
        slotHeld = false;
        const started = Date.now();
        const state: AttemptState = { committed: false, endedInError: false };
        try {
          const result = await holdingSlot(ctx, candidate, () => attempt(candidate, adapter, upstream, started, state));
          if (!state.endedInError) breakers.success(key);
          else if (!state.notProviderFault) breakers.failure(key);
          return result;
        } catch (err) {
          if (state.committed && !(err instanceof ClientGoneError)) throw err;
          if (err instanceof ClientGoneError || ctx.signal.aborted) {
            record(ctx, candidate, started, { outcome: 'client_gone' });
            throw new ClientGoneError();
          }
          const { mapped, classified, status } = explain(err, candidate);
          last = new UpstreamHttpError(mapped, candidate.provider.name);
          if (classified.providerFault) breakers.failure(key);
          if (classified.reason === 'auth') {
            breakers.trip(key);
            if (candidate.provider.type === 'vertex') forgetGoogleToken(candidate.provider); // the next attempt after the breaker gets a fresh token
            ctx.hooks?.authFailure?.(candidate);
          }
          if ((classified.reason === 'rate_limited' || classified.reason === 'quota') && retryable && !ctx.signal.aborted) {
            // A key pool: this key sits out, and the request goes on at once with another key of the same
            // provider (a different quota at the vendor). No retry-budget slot: it is not the same call again.
            const next = nextKey(ctx, candidate, adapter, poolKey, classified.retryAfterMs, triedKeys);
            if (next) {
              record(ctx, candidate, started, { outcome: 'retry', reason: classified.reason, status, code: mapped.code });
              ctx.hooks?.retry?.(candidate, classified.reason);
              ({ upstream, key: poolKey } = next);
              retry--;
              continue;
            }
          }
          if (classified.retryAfterMs !== undefined && (classified.reason === 'rate_limited' || classified.reason === 'overloaded' || classified.reason === 'quota')) {
            ctx.hooks?.coolDown?.(candidate, classified.retryAfterMs);
          }
          const remaining = ctx.deadline - Date.now();
          const hasNext = order.slice(i + 1).some((c) => c.model.contextWindow > minWindow);
          if (classified.action === 'terminal') {
            record(ctx, candidate, started, { outcome: 'error', reason: classified.reason, status, code: mapped.code });
            throw last;
          }
          if (!retryable) {
            record(ctx, candidate, started, { outcome: 'error', reason: classified.reason, status, code: mapped.code });
            ctx.stopReason = 'retry_buffer_exceeded';
            throw new UpstreamHttpError(
              {
                ...mapped,
                status: 502,
                type: 'server_error',
                code: 'retry_buffer_exceeded',
                message: `${mapped.message} Not retried: the request body exceeds the retry buffer (${ctx.settings.retryBufferBytes} bytes).`,
              },
              candidate.provider.name,
            );
          }
          if (classified.action === 'retry' && retry < ctx.settings.maxRetriesPerProvider && breakers.state(key) !== 'open') {
            const wait = classified.retryAfterMs !== undefined ? classified.retryAfterMs : backoffMs(retry + 1);
            const worthWaiting = wait <= ctx.settings.maxRetryAfterMs && wait < remaining;
            // The slot is held through the back-off and the retry (released by the retry's `finally`).
            const slot = worthWaiting && budget.tryAcquire();
            if (worthWaiting && !slot) ctx.stopReason = 'retry_budget_exhausted';
            if (slot) {
              slotHeld = true;
              record(ctx, candidate, started, { outcome: 'retry', reason: classified.reason, status, code: mapped.code });
              ctx.hooks?.retry?.(candidate, classified.reason);
              await sleep(wait, ctx.signal);
              if (ctx.signal.aborted) throw new ClientGoneError();
              continue;
            }
          }
          if (classified.reason === 'context_length') minWindow = Math.max(minWindow, candidate.model.contextWindow);
          record(ctx, candidate, started, { outcome: hasNext && remaining > 0 ? 'failover' : 'error', reason: classified.reason, status, code: mapped.code });
          if (hasNext && remaining > 0) ctx.hooks?.failover?.(classified.reason);
          if (remaining <= 0) {
            ctx.stopReason = 'deadline_exceeded';
            throw last;
          }
          break;
        } finally {
          if (holdsSlot) budget.release();
        }
      }
    }
  }
  throw last ?? new UpstreamHttpError({ status: 503, type: 'service_unavailable_error', code: 'server_is_overloaded', message: 'No provider could be tried.' }, 'none');
}

/**
 * Candidates in order, open circuits skipped — unless all are open ("panic": still try one, `force`
 * past its breaker). One list and one flag rather than a {candidate, force} object per candidate.
 */
function admit(ctx: DispatchContext): { order: readonly Candidate[]; force: boolean } {
  const { breakers } = ctx.resilience;
  const open = (c: Candidate): boolean => breakers.state(breakerKey(c)) === 'open';
  // The deployments of one model: the balancing strategy picks which goes first; the rest stay as failover.
  const balanced = ctx.resilience.balancer.order(ctx.candidates, ctx.balancing ?? 'weighted', { eligible: (c) => !open(c), ...(ctx.ttftMs ? { ttftMs: ctx.ttftMs } : {}) });
  if (balanced.some((c) => !open(c))) return { order: balanced, force: false };
  const soonest = [...ctx.candidates].sort((a, b) => breakers.openFor(breakerKey(a)) - breakers.openFor(breakerKey(b)))[0]!;
  ctx.stopReason = 'all_circuits_open';
  return { order: [soonest], force: true };
}

/** Runs one attempt inside its concurrency slot (hooks.begin), released however it ends. */
export async function holdingSlot<T>(ctx: DispatchContext, c: Candidate, run: () => Promise<T>): Promise<T> {
  const release = await ctx.hooks?.begin?.(c); // a shared (Redis) backend admits asynchronously
  const done = ctx.resilience.balancer.begin(c); // in flight per deployment (least_busy)
  try {
    return await run();
  } finally {
    done();
    release?.();
  }
}

/** The pool key of a provider that signs with a credential chain instead (one, never cooled down on its own). */
const CHAIN_SIGNED: PoolKey = Object.freeze({ index: 0, env: undefined, value: '' });

export function breakerKey(c: Candidate): string {
  return deploymentKey(c);
}

/**
 * A vertex provider's access token, valid for this attempt (cached by google-auth-library, refreshed
 * ahead of expiry; google-token.ts). No token to be had is the provider's credentials failing: the
 * candidate is skipped as one without credentials is, and the request fails over.
 */
async function googleToken(candidate: Candidate): Promise<void> {
  try {
    await refreshGoogleToken(candidate.provider);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new UpstreamHttpError(
      { status: 502, type: 'server_error', code: 'upstream_auth_error', message: `${candidate.provider.name}: no Google access token (${maskSecrets(reason).slice(0, 300)}).`, shouldRetry: false },
      candidate.provider.name,
    );
  }
}

function build(ctx: DispatchContext, candidate: Candidate, adapter: ProviderAdapter, skip: ReadonlySet<number>): { upstream: UpstreamRequest; key: PoolKey } {
  // Providers that sign with a credential chain (Bedrock's SigV4) have no key here; send() signs.
  if (adapter.usesProviderKey === false) return { upstream: buildWith(ctx, candidate, adapter, ''), key: CHAIN_SIGNED };
  const keys = providerKeys(candidate.provider);
  if (keys.length === 0) {
    throw new UpstreamHttpError({ status: 502, type: 'server_error', code: 'upstream_auth_error', message: 'The provider has no credentials configured.', shouldRetry: false }, candidate.provider.name);
  }
  const pick = ctx.resilience.keys.pick(candidate.provider.name, keys, skip);
  if (!pick.key) {
    // Every key of the pool sits out after a 429: the provider is rate limited as a whole (fail over).
    const retryAfterSeconds = Math.max(1, Math.ceil(pick.retryAfterMs / 1000));
    throw new UpstreamHttpError(
      { status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded', message: `${candidate.provider.name}: every key of its key pool is cooling down after a 429; retry in ${retryAfterSeconds} s.`, retryAfterSeconds },
      candidate.provider.name,
    );
  }
  return { upstream: buildWith(ctx, candidate, adapter, pick.key.value), key: pick.key };
}

/**
 * After a 429 on `key` of a pool: the key sits out, and the next free key's request, or undefined when
 * the provider has no other key (a single key, or all cooling): then the 429 stands for the provider.
 */
function nextKey(ctx: DispatchContext, c: Candidate, adapter: ProviderAdapter, key: PoolKey, retryAfterMs: number | undefined, tried: Set<number>): { upstream: UpstreamRequest; key: PoolKey } | undefined {
  const keys = providerKeys(c.provider);
  if (keys.length < 2) return undefined;
  const ms = ctx.resilience.keys.coolDown(c.provider.name, key.index, retryAfterMs);
  ctx.hooks?.keyCoolDown?.(c, { index: key.index, env: key.env }, ms);
  tried.add(key.index);
  const pick = ctx.resilience.keys.pick(c.provider.name, keys, tried);
  if (!pick.key) return undefined;
  try {
    return { upstream: buildWith(ctx, c, adapter, pick.key.value), key: pick.key };
  } catch {
    return undefined;
  }
}

function buildWith(ctx: DispatchContext, candidate: Candidate, adapter: ProviderAdapter, apiKey: string): UpstreamRequest {
  try {
    return adapter.buildRequest(ctx.request, { provider: candidate.provider, model: candidate.model, apiKey });
  } catch (err) {
    // A RangeError (stack overflow, invalid length) is the router's fault, not the request's: it goes to the
    // generic handler (500 internal_error, logged), and its message never reaches the client.
    if (err instanceof RangeError) throw err;
    // The request cannot be expressed for this provider (e.g. an unsupported image type).
    throw new UpstreamHttpError({ status: 400, type: 'invalid_request_error', code: 'unsupported_for_provider', message: `${candidate.provider.name}: ${(err as Error).message}` }, candidate.provider.name);
  }
}

export async function send(ctx: DispatchContext, candidate: Candidate, adapter: ProviderAdapter, upstream: UpstreamRequest): Promise<UpstreamResponse> {
  if (ctx.signal.aborted) throw new ClientGoneError();
  // Signed per attempt (a retry gets a fresh date and, near expiry, fresh credentials).
  if (adapter.authorize) upstream = await authorized(candidate, adapter, upstream);
  // The attempt's trace context travels as traceparent/tracestate (after signing: SigV4 leaves unsigned headers alone).
  const propagated = ctx.span?.attemptStarted(candidate);
  if (propagated) upstream = { ...upstream, headers: { ...upstream.headers, ...propagated } };
  const remaining = Math.max(1, ctx.deadline - Date.now());
  const res = await ctx.client.send(upstream, {
    signal: ctx.signal,
    timeoutMs: Math.min(candidate.provider.timeoutMs ?? DEFAULT_PROVIDER_TIMEOUT_MS, remaining),
    headersTimeoutMs: Math.min(ctx.settings.firstByteTimeoutMs, remaining),
  });
  if (res.status >= 200 && res.status < 300) return res;
  const text = await res.body.text().catch(() => '');
  const mapped = adapter.mapError(res.status, res.headers, text);
  // The provider's words go to the client: never with a key it echoed (ours, a caller's, Redis's).
  const secrets = scrubber(ctx);
  mapped.message = secrets.scrub(mapped.message);
  if (mapped.param) mapped.param = secrets.scrub(mapped.param);
  if (text) mapped.raw = rawErrorBody(text, secrets);
  throw Object.assign(new UpstreamHttpError(mapped, candidate.provider.name), { upstreamStatus: res.status });
}

/** The request after the adapter's signing; no credentials to sign with is the provider's auth failure (ejected, failed over). */
async function authorized(candidate: Candidate, adapter: ProviderAdapter, upstream: UpstreamRequest): Promise<UpstreamRequest> {
  try {
    return await adapter.authorize!(upstream, { provider: candidate.provider, model: candidate.model, apiKey: '' });
  } catch {
    // The chain's own message can name files, profiles and role ARNs: it is not passed on, the class is.
    throw new UpstreamHttpError({ status: 502, type: 'server_error', code: 'upstream_auth_error', message: 'The provider\'s credentials could not be resolved.', shouldRetry: false }, candidate.provider.name);
  }
}

/**
 * The raw body a debug answer may carry: scrubbed of every known key and credential shape first
 * (a cut could split a key so that the scrubber no longer recognises it), then bounded.
 */
export const RAW_ERROR_MAX_CHARS = 4096;
function rawErrorBody(text: string, secrets: SecretScrubber): string {
  const clean = maskSecrets(secrets.scrub(text));
  return clean.length > RAW_ERROR_MAX_CHARS ? clean.slice(0, RAW_ERROR_MAX_CHARS) : clean;
}

export function scrubber(ctx: Pick<DispatchContext, 'secrets'>): SecretScrubber {
  return ctx.secrets?.() ?? SHAPES_ONLY;
}

/**
 * A non-stream body, read under the same idle timeout as streams: a provider
 * that sends headers and then goes silent fails over instead of holding the
 * request until the overall deadline.
 */
export function explain(err: unknown, candidate: Candidate): { mapped: MappedError; classified: Classified; status?: number } {
  if (err instanceof UpstreamHttpError) {
    const status = (err as { upstreamStatus?: number }).upstreamStatus;
    return { mapped: err.mapped, classified: classifyMapped(err.mapped, status), ...(status !== undefined ? { status } : {}) };
  }
  if (err instanceof UpstreamTransportError) {
    const mapped: MappedError =
      err.kind === 'timeout'
        ? { status: 504, type: 'server_error', code: 'timeout', message: `The provider did not answer in time (${err.message}).` }
        : { status: 502, type: 'server_error', code: 'upstream_error', message: `The provider could not be reached: ${err.message}.` };
    return { mapped, classified: classifyTransport(err) };
  }
  // A bug in a translator is not the provider's fault; surface it as an internal error.
  void candidate;
  throw err;
}

export function record(ctx: DispatchContext, c: Candidate, started: number, a: Omit<Attempt, 'provider' | 'model' | 'ms'>): void {
  const attempt: Attempt = { provider: c.provider.name, model: c.model.name, ms: Date.now() - started, ...a };
  ctx.attempts.push(attempt);
  ctx.span?.attemptEnded(c, attempt);
}
