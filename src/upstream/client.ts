// Pooled keep-alive HTTP to providers (undici). Redirects are never followed
// (a 3xx is an upstream error: a redirect to an internal address is an SSRF
// path), only the headers the adapter built are sent (the caller's
// Authorization and cookies never reach a provider), and every call carries a
// deadline and the caller's abort signal.
import { Agent, request } from 'undici';
import type { Readable } from 'node:stream';
import type { UpstreamRequest } from '../providers/types.js';

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string>;
  body: Readable & { text(): Promise<string> };
}

export class UpstreamTransportError extends Error {
  constructor(
    message: string,
    readonly kind: 'connect' | 'timeout' | 'aborted' | 'reset',
  ) {
    super(message);
    this.name = 'UpstreamTransportError';
  }
}

export class UpstreamClient {
  readonly #agent = new Agent({
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 120_000,
    // Per origin. Long streams each hold one for their whole life: 1,000 concurrent streams
    // queued behind a 512 cap in the benchmark.
    connections: 2048,
    connect: { timeout: 10_000 },
    // Streams can be silent for a while (reasoning models); the router's own deadlines govern.
    headersTimeout: 0,
    bodyTimeout: 0,
  });

  /**
   * timeoutMs bounds the whole exchange (headers and body); headersTimeoutMs, when
   * shorter, bounds the wait for the response headers (the per-try timeout).
   * One AbortController and plain timers per call, released when the body
   * closes: AbortSignal.timeout/any cost a weak reference and a finalizer
   * each, which showed in the profile at every request.
   */
  async send(req: UpstreamRequest, opts: { signal?: AbortSignal; timeoutMs: number; headersTimeoutMs?: number }): Promise<UpstreamResponse> {
    const abort = new AbortController();
    let cause: 'deadline' | 'headers' | 'caller' | undefined;
    const stop = (why: 'deadline' | 'headers' | 'caller'): void => {
      cause ??= why;
      abort.abort();
    };
    const caller = opts.signal;
    const onCaller = (): void => stop('caller');
    if (caller?.aborted) stop('caller');
    else caller?.addEventListener('abort', onCaller, { once: true });
    const deadline = setTimeout(stop, Math.max(1, opts.timeoutMs), 'deadline');
    const headersTimer =
      opts.headersTimeoutMs !== undefined && opts.headersTimeoutMs < opts.timeoutMs ? setTimeout(stop, Math.max(1, opts.headersTimeoutMs), 'headers') : undefined;
    const release = (): void => {
      clearTimeout(deadline);
      caller?.removeEventListener('abort', onCaller);
    };
    try {
      const res = await settleOnAbort(
        request(req.url, {
          method: req.method,
          headers: req.headers,
          body: req.body,
          dispatcher: this.#agent,
          signal: abort.signal,
        }),
        abort.signal,
      );
      clearTimeout(headersTimer);
      // The deadline and the caller's signal keep governing the body until it is read or dropped.
      res.body.once('close', release);
      return { status: res.statusCode, headers: flatHeaders(res.headers), body: res.body as UpstreamResponse['body'] };
    } catch (err) {
      clearTimeout(headersTimer);
      release();
      if (caller?.aborted) throw new UpstreamTransportError('the client went away', 'aborted');
      if (cause === 'headers') throw new UpstreamTransportError(`no response headers within ${opts.headersTimeoutMs} ms`, 'timeout');
      if (cause === 'deadline') throw new UpstreamTransportError(`no response within ${opts.timeoutMs} ms`, 'timeout');
      const code = (err as { code?: string }).code ?? '';
      if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET') throw new UpstreamTransportError('the connection was reset before a response', 'reset');
      // Never put the URL or key in the message: say what failed, not where.
      throw new UpstreamTransportError(`could not connect to the provider (${code || 'error'})`, 'connect');
    }
  }

  /**
   * Called once the server has drained, so no answer is still wanted. What may
   * remain are connection attempts abandoned by settleOnAbort, which undici
   * cannot cancel: a graceful close() would wait each one out for the whole
   * connect timeout, so they are destroyed instead.
   */
  async close(): Promise<void> {
    await this.#agent.destroy();
  }
}

/**
 * Rejects as soon as `signal` aborts. undici ignores the signal of a request
 * still waiting for its connection (nodejs/undici#386) until the connect
 * settles: a blackholed provider would hold the attempt — past the per-try
 * timeout, the overall deadline and a client disconnect — for the whole
 * connect timeout. A response that still arrives later is discarded.
 */
function settleOnAbort<T extends { body: { destroy(): unknown } }>(pending: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let gone = false;
    const onAbort = (): void => {
      gone = true;
      reject(signal.reason);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    pending.then(
      (res) => {
        signal.removeEventListener('abort', onAbort);
        if (gone) res.body.destroy();
        else resolve(res);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

function flatHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}
