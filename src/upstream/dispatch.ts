// The attempt loop: try the ordered candidates until one answers. Each attempt
// re-translates the canonical request for that candidate's wire protocol, so
// an OpenAI-shaped caller can be served by Anthropic when OpenAI fails.
// Streams commit to the client only once the chosen provider has produced its
// first event: until then every failure fails over invisibly; after it,
// failures reach the client in-band through the translator's error events.
import type { CanonicalEvent, CanonicalRequest } from '../canonical/types.js';
import { adapterFor } from '../providers/registry.js';
import type { MappedError, ProviderAdapter } from '../providers/types.js';
import type { Candidate } from '../routing/select.js';
import { UpstreamClient, UpstreamTransportError, type UpstreamResponse } from './client.js';
import { providerKey } from './credentials.js';
import { isFailoverable, UpstreamHttpError } from './errors.js';
import { createSseDecoder } from './sse.js';

export interface Attempt {
  provider: string;
  model: string;
  outcome: 'success' | 'failover' | 'error' | 'client_gone';
  status?: number;
  code?: string | null;
  ms: number;
}

export interface DispatchContext {
  request: CanonicalRequest;
  candidates: readonly Candidate[];
  client: UpstreamClient;
  signal: AbortSignal;
  attempts: Attempt[];
}

export class ClientGoneError extends Error {
  constructor() {
    super('the client disconnected');
    this.name = 'ClientGoneError';
  }
}

const DEFAULT_TIMEOUT_MS = 600_000;

/** Non-stream: the full event list of the first candidate that answers. */
export async function dispatchOnce(ctx: DispatchContext): Promise<{ candidate: Candidate; events: CanonicalEvent[] }> {
  let last: UpstreamHttpError | undefined;
  for (const [i, candidate] of ctx.candidates.entries()) {
    const started = Date.now();
    const adapter = adapterFor(candidate.provider.type);
    try {
      const res = await send(ctx, candidate, adapter);
      const text = await res.body.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new UpstreamHttpError({ status: 502, type: 'server_error', code: 'upstream_error', message: 'The provider returned a response that is not JSON.' }, candidate.provider.name);
      }
      const events = adapter.parseResponse(body, ctx.request);
      ctx.attempts.push({ provider: candidate.provider.name, model: candidate.model.name, outcome: 'success', status: res.status, ms: Date.now() - started });
      return { candidate, events };
    } catch (err) {
      last = handleFailure(ctx, candidate, err, started, i < ctx.candidates.length - 1);
    }
  }
  throw last!;
}

/**
 * Stream: calls `commit(candidate)` once, right before the first event is
 * delivered to `sink`; after that no failover happens.
 */
export async function dispatchStream(
  ctx: DispatchContext,
  commit: (candidate: Candidate) => void,
  sink: (e: CanonicalEvent) => void,
): Promise<Candidate> {
  let last: UpstreamHttpError | undefined;
  for (const [i, candidate] of ctx.candidates.entries()) {
    const started = Date.now();
    const adapter = adapterFor(candidate.provider.type);
    let committed = false;
    try {
      const res = await send(ctx, candidate, adapter);
      const translator = adapter.createStreamTranslator(ctx.request);
      const decoder = createSseDecoder();
      const pending: CanonicalEvent[] = [];
      const deliver = (events: CanonicalEvent[]): void => {
        for (const e of events) {
          if (!committed) {
            if (e.type === 'start') {
              pending.push(e);
              continue;
            }
            if (e.type === 'error') {
              // Failed before anything reached the client: still free to fail over.
              throw new UpstreamHttpError(
                { status: e.code === 'rate_limit_exceeded' ? 429 : 502, type: e.code === 'rate_limit_exceeded' ? 'rate_limit_error' : 'server_error', code: e.code === 'rate_limit_exceeded' ? 'rate_limit_exceeded' : 'upstream_error', message: e.message },
                candidate.provider.name,
              );
            }
            committed = true;
            commit(candidate);
            for (const p of pending.splice(0)) sink(p);
          }
          sink(e);
        }
      };
      try {
        const utf8 = new TextDecoder('utf-8'); // keeps multi-byte characters split across chunks intact
        for await (const chunk of res.body) {
          deliver(decoder.feed(utf8.decode(chunk as Buffer, { stream: true })).flatMap((m) => translator.push(m)));
        }
        deliver(decoder.feed(utf8.decode()).flatMap((m) => translator.push(m)));
        deliver(decoder.end().flatMap((m) => translator.push(m)));
      } catch (err) {
        if (err instanceof UpstreamHttpError) throw err;
        if (ctx.signal.aborted) throw new ClientGoneError();
        if (!committed) throw new UpstreamTransportError('the provider stream broke before its first event', 'reset');
        // After commit: the translator's end() reports the cut in-band.
      }
      deliver(translator.end());
      ctx.attempts.push({ provider: candidate.provider.name, model: candidate.model.name, outcome: 'success', status: res.status, ms: Date.now() - started });
      return candidate;
    } catch (err) {
      if (committed && !(err instanceof ClientGoneError)) throw err;
      last = handleFailure(ctx, candidate, err, started, i < ctx.candidates.length - 1);
    }
  }
  throw last!;
}

async function send(ctx: DispatchContext, candidate: Candidate, adapter: ProviderAdapter): Promise<UpstreamResponse> {
  if (ctx.signal.aborted) throw new ClientGoneError();
  const apiKey = providerKey(candidate.provider);
  if (!apiKey) {
    throw new UpstreamHttpError({ status: 502, type: 'server_error', code: 'upstream_auth_error', message: 'The provider has no credentials configured.', shouldRetry: false }, candidate.provider.name);
  }
  let upstreamReq;
  try {
    upstreamReq = adapter.buildRequest(ctx.request, { provider: candidate.provider, model: candidate.model, apiKey });
  } catch (err) {
    // The request cannot be expressed for this provider (e.g. an unsupported image type).
    throw new UpstreamHttpError({ status: 400, type: 'invalid_request_error', code: 'unsupported_for_provider', message: `${candidate.provider.name}: ${(err as Error).message}` }, candidate.provider.name);
  }
  const res = await ctx.client.send(upstreamReq, { signal: ctx.signal, timeoutMs: candidate.provider.timeoutMs ?? DEFAULT_TIMEOUT_MS });
  if (res.status >= 200 && res.status < 300) return res;
  const text = await res.body.text().catch(() => '');
  throw new UpstreamHttpError(adapter.mapError(res.status, res.headers, text), candidate.provider.name);
}

function handleFailure(ctx: DispatchContext, candidate: Candidate, err: unknown, started: number, more: boolean): UpstreamHttpError {
  const base = { provider: candidate.provider.name, model: candidate.model.name, ms: Date.now() - started };
  if (err instanceof ClientGoneError || (err instanceof UpstreamTransportError && err.kind === 'aborted')) {
    ctx.attempts.push({ ...base, outcome: 'client_gone' });
    throw new ClientGoneError();
  }
  let mapped: MappedError;
  if (err instanceof UpstreamHttpError) mapped = err.mapped;
  else if (err instanceof UpstreamTransportError) {
    mapped =
      err.kind === 'timeout'
        ? { status: 504, type: 'server_error', code: 'timeout', message: `The provider did not answer in time (${err.message}).` }
        : { status: 502, type: 'server_error', code: 'upstream_error', message: `The provider could not be reached: ${err.message}.` };
  } else throw err;
  const failover = more && isFailoverable(mapped);
  ctx.attempts.push({ ...base, outcome: failover ? 'failover' : 'error', status: mapped.status, code: mapped.code });
  if (!failover) throw new UpstreamHttpError(mapped, candidate.provider.name);
  return new UpstreamHttpError(mapped, candidate.provider.name);
}
