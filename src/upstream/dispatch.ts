// Dispatch: one request's upstream exchange, non-stream or streamed, on top of
// the attempt loop (attempt-loop.ts). Each attempt re-translates the canonical
// request for that candidate's wire protocol, so an OpenAI-shaped caller can be
// served by Anthropic when OpenAI fails.
//
// Streams commit to the client only once the chosen provider has produced its
// first event: until then every failure fails over invisibly; after it there
// is no failover, and drops, stalls (idle timeout) and in-band errors reach the
// client through the translator's terminal error event.
import type { CanonicalEvent } from '../canonical/types.js';
import type { Candidate } from '../routing/select.js';
import { attemptLoop, ClientGoneError, record, scrubber, send, type DispatchContext } from './attempt-loop.js';
import { classifyMapped } from './classify.js';
import { UpstreamTransportError, type UpstreamResponse } from './client.js';
import { UpstreamHttpError } from './errors.js';
import { createSseDecoder } from './sse.js';

export { ClientGoneError, breakerKey, type Attempt, type DispatchContext, type DispatchHooks } from './attempt-loop.js';

export async function dispatchOnce(ctx: DispatchContext): Promise<{ candidate: Candidate; events: CanonicalEvent[] }> {
  return attemptLoop(ctx, async (candidate, adapter, upstream, started) => {
    const res = await send(ctx, candidate, adapter, upstream);
    const text = await readBody(res, ctx);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new UpstreamHttpError({ status: 502, type: 'server_error', code: 'upstream_error', message: 'The provider returned a response that is not JSON.' }, candidate.provider.name);
    }
    const events = adapter.parseResponse(body, ctx.request).map((e) => scrubbed(ctx, e));
    const inBand = events.find((e) => e.type === 'error');
    if (inBand && inBand.type === 'error' && !events.some((e) => e.type === 'text_delta' || e.type === 'tool_call_start')) {
      // Failed without any output: nothing reached the client, so it may still fail over.
      throw inBandError(inBand, candidate);
    }
    record(ctx, candidate, started, { outcome: 'success', status: res.status });
    return { candidate, events };
  });
}

/**
 * Stream: calls `commit(candidate)` once, right before the first event is
 * delivered to `sink`; after that no failover happens.
 */
export async function dispatchStream(ctx: DispatchContext, commit: (candidate: Candidate) => void, sink: (e: CanonicalEvent) => void): Promise<Candidate> {
  return attemptLoop(ctx, async (candidate, adapter, upstream, started, state) => {
    const res = await send(ctx, candidate, adapter, upstream);
    const translator = adapter.createStreamTranslator(ctx.request);
    const binary = adapter.createStreamDecoder?.();
    const decoder = createSseDecoder();
    const pending: CanonicalEvent[] = [];
    let ttftMs: number | undefined;
    const deliver = (events: CanonicalEvent[]): void => {
      for (const raw of events) {
        const e = scrubbed(ctx, raw);
        if (e.type === 'error' && state.committed) {
          state.endedInError = true;
          // A quota or request error after the first byte is not the provider failing (as over HTTP: no breaker count).
          if (e.detail && !classifyMapped({ ...e.detail, message: e.message }).providerFault) state.notProviderFault = true;
        }
        if (!state.committed) {
          if (e.type === 'start') {
            pending.push(e);
            continue;
          }
          if (e.type === 'error') throw inBandError(e, candidate);
          state.committed = true;
          ttftMs = Date.now() - started;
          commit(candidate);
          for (const p of pending.splice(0)) sink(p);
        }
        sink(e);
      }
    };
    const idle = stallWatch(res, ctx);
    try {
      idle.arm();
      const utf8 = new TextDecoder('utf-8'); // keeps multi-byte characters split across chunks intact
      for await (const chunk of res.body) {
        idle.arm();
        // A binary framing (Bedrock's event stream) is cut into messages by the adapter's decoder.
        const messages = binary ? binary.feed(chunk as Buffer) : decoder.feed(utf8.decode(chunk as Buffer, { stream: true }));
        deliver(messages.flatMap((m) => translator.push(m)));
      }
      if (binary) deliver(binary.end().flatMap((m) => translator.push(m)));
      else {
        deliver(decoder.feed(utf8.decode()).flatMap((m) => translator.push(m)));
        deliver(decoder.end().flatMap((m) => translator.push(m)));
      }
    } catch (err) {
      if (err instanceof UpstreamHttpError) throw err;
      if (ctx.signal.aborted) throw new ClientGoneError();
      if (!state.committed) throw new UpstreamTransportError(idle.stalled ? 'the provider stream stalled before its first event' : 'the provider stream broke before its first event', idle.stalled ? 'timeout' : 'reset');
      // After commit: the translator's end() reports the cut in-band below.
    } finally {
      idle.stop();
    }
    if (!state.committed && !ctx.signal.aborted) {
      // Ended without a single event (empty 200): a provider fault, and still free to fail over.
      const closing = translator.end();
      const err = closing.find((e) => e.type === 'error');
      if (err && err.type === 'error') throw inBandError(err, candidate);
      deliver(closing);
    } else {
      deliver(translator.end());
    }
    record(ctx, candidate, started, {
      outcome: state.endedInError ? 'stream_error' : 'success',
      ...(state.endedInError ? { reason: idle.stalled ? ('timeout' as const) : ('stream_error' as const) } : {}),
      status: res.status,
      ...(ttftMs !== undefined ? { ttftMs } : {}),
    });
    if (idle.stalled) ctx.stopReason = 'stream_stalled';
    return candidate;
  });
}

async function readBody(res: UpstreamResponse, ctx: DispatchContext): Promise<string> {
  // Already all here: nothing left to stall on.
  const whole = res.body.completeText();
  if (whole !== undefined) return whole;
  const idle = stallWatch(res, ctx);
  try {
    idle.arm();
    const chunks: Buffer[] = [];
    for await (const chunk of res.body) {
      idle.arm();
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  } catch {
    if (ctx.signal.aborted) throw new ClientGoneError();
    if (idle.stalled) throw new UpstreamTransportError('the provider stopped sending its response', 'timeout');
    // Reset after headers on a non-stream call: nothing reached the client yet, so it is retryable.
    throw new UpstreamTransportError('the connection broke while reading the response', 'reset');
  } finally {
    idle.stop();
  }
}

/**
 * An in-band error before anything reached the client, as the error the same
 * payload would have been over HTTP: a quota, rate-limit or request error
 * (detail) is retried, failed over or answered exactly like its HTTP twin;
 * a server-side failure counts as overload (retry, then fail over).
 */
function inBandError(e: Extract<CanonicalEvent, { type: 'error' }>, candidate: Candidate): UpstreamHttpError {
  if (e.detail) return new UpstreamHttpError({ ...e.detail, message: e.message }, candidate.provider.name);
  const limited = e.code === 'rate_limit_exceeded';
  return new UpstreamHttpError(
    limited
      ? { status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded', message: e.message }
      : { status: 503, type: 'service_unavailable_error', code: 'server_is_overloaded', message: e.message },
    candidate.provider.name,
  );
}

/** An error event's provider text, through the policy set's secret scrubber; other events as they are. */
function scrubbed(ctx: DispatchContext, e: CanonicalEvent): CanonicalEvent {
  return e.type === 'error' ? { ...e, message: scrubber(ctx).scrub(e.message) } : e;
}

/**
 * The idle timeout of an upstream body: arm() at the start and on every chunk;
 * after streamIdleTimeoutMs without one the body is destroyed and `stalled`
 * set. One timer per body, restarted with refresh() (no timer churn per chunk).
 */
function stallWatch(res: UpstreamResponse, ctx: DispatchContext): { readonly stalled: boolean; arm(): void; stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  const watch = {
    stalled: false,
    arm(): void {
      if (timer) timer.refresh();
      else
        timer = setTimeout(() => {
          watch.stalled = true;
          res.body.destroy(new Error('stalled'));
        }, ctx.settings.streamIdleTimeoutMs);
    },
    stop(): void {
      clearTimeout(timer);
    },
  };
  return watch;
}
