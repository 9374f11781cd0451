// Pooled keep-alive HTTP to providers (undici). Redirects are never followed
// (a 3xx is an upstream error: a redirect to an internal address is an SSRF
// path), only the headers the adapter built are sent (the caller's
// Authorization and cookies never reach a provider), and every call carries a
// deadline and the caller's abort signal.
import { Agent, type Dispatcher } from 'undici';
import type { AbortLike } from './abort.js';
import { UpstreamBody } from './response-body.js';
import type { UpstreamRequest } from '../providers/types.js';

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string>;
  body: UpstreamBody;
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
   * Plain timers and undici's dispatch API: one handler object per call, no
   * AbortSignal plumbing and no Readable (both showed in the profile).
   */
  send(req: UpstreamRequest, opts: { signal?: AbortLike; timeoutMs: number; headersTimeoutMs?: number }): Promise<UpstreamResponse> {
    return new Promise<UpstreamResponse>((resolve, reject) => {
      const caller = opts.signal;
      const body = new UpstreamBody();
      let controller: Dispatcher.DispatchController | undefined;
      let answered = false; // headers arrived and the response was handed over
      let settled = false;
      let cause: 'deadline' | 'headers' | 'caller' | undefined;

      const release = (): void => {
        clearTimeout(timer);
        caller?.removeEventListener('abort', onCaller);
      };
      const failEarly = (err: unknown): void => {
        if (settled) return;
        settled = true;
        release();
        reject(transportError(err, cause, opts));
      };
      const stop = (why: 'deadline' | 'headers' | 'caller'): void => {
        cause ??= why;
        const reason = new Error(`upstream call stopped: ${why}`);
        // Before the headers: answer at once, even while undici still waits for a
        // connection it cannot cancel (nodejs/undici#386); a late answer is dropped.
        if (!answered) failEarly(reason);
        if (controller) controller.abort(reason);
        else body.destroy(reason);
      };
      const onCaller = (): void => stop('caller');
      // One timer for both limits: it first fires at the earlier one. The headers limit only matters
      // while no headers came; past it with an answer flowing, the rest of the deadline is armed then
      // (rare: a body still arriving when the per-try timeout elapses).
      const startedAt = Date.now();
      const headersFirst = opts.headersTimeoutMs !== undefined && opts.headersTimeoutMs < opts.timeoutMs;
      const onTimer = (): void => {
        if (!headersFirst) return stop('deadline');
        if (!answered) return stop('headers');
        const left = opts.timeoutMs - (Date.now() - startedAt);
        if (left > 0) timer = setTimeout(stop, left, 'deadline');
        else stop('deadline');
      };
      let timer: NodeJS.Timeout = setTimeout(onTimer, Math.max(1, headersFirst ? opts.headersTimeoutMs! : opts.timeoutMs));
      if (caller?.aborted) return stop('caller');
      caller?.addEventListener('abort', onCaller, { once: true });
      // The deadline and the caller's signal keep governing the body until it is read or dropped.
      body.onClose(release);

      try {
        const { origin, path } = target(req.url);
        this.#agent.dispatch(
          { origin, path, method: req.method, headers: req.headers, body: req.body },
          {
            onRequestStart(c) {
              controller = c;
              body.attach(c);
              if (cause !== undefined) c.abort(new Error(`upstream call stopped: ${cause}`));
            },
            onResponseStart(_c, statusCode, headers) {
              if (statusCode < 200 || settled) return;
              answered = true;
              settled = true;
              resolve({ status: statusCode, headers: flatHeaders(headers as Record<string, string | string[] | undefined>), body });
            },
            onResponseData(_c, chunk) {
              body.push(chunk);
            },
            onResponseEnd() {
              body.end();
            },
            onResponseError(_c, err) {
              if (!answered) failEarly(err);
              body.fail(err);
            },
          },
        );
      } catch (err) {
        // Refused before it started (a malformed URL, a header undici will not send).
        failEarly(err);
        body.fail(err as Error);
      }
    });
  }

  /**
   * Called once the server has drained, so no answer is still wanted. What may
   * remain are connection attempts abandoned by an early stop, which undici
   * cannot cancel: a graceful close() would wait each one out for the whole
   * connect timeout, so they are destroyed instead.
   */
  async close(): Promise<void> {
    await this.#agent.destroy();
  }
}

function transportError(err: unknown, cause: 'deadline' | 'headers' | 'caller' | undefined, opts: { timeoutMs: number; headersTimeoutMs?: number }): UpstreamTransportError {
  if (cause === 'caller') return new UpstreamTransportError('the client went away', 'aborted');
  if (cause === 'headers') return new UpstreamTransportError(`no response headers within ${opts.headersTimeoutMs} ms`, 'timeout');
  if (cause === 'deadline') return new UpstreamTransportError(`no response within ${opts.timeoutMs} ms`, 'timeout');
  const code = (err as { code?: string }).code ?? '';
  if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET') return new UpstreamTransportError('the connection was reset before a response', 'reset');
  // Never put the URL or key in the message: say what failed, not where.
  return new UpstreamTransportError(`could not connect to the provider (${code || 'error'})`, 'connect');
}

/** Origin and path of a provider URL; the set of URLs is the catalog's, so parsing is cached (bounded). */
const targets = new Map<string, { origin: string; path: string }>();
function target(url: string): { origin: string; path: string } {
  let t = targets.get(url);
  if (!t) {
    const u = new URL(url);
    t = { origin: u.origin, path: `${u.pathname}${u.search}` };
    if (targets.size >= 1024) targets.clear();
    targets.set(url, t);
  }
  return t;
}

/**
 * Response headers as one string per lower-case name. undici's parser already gives lower-case names and
 * strings (an array only for a repeated header), so the usual answer is returned as it is, not copied.
 */
function flatHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  let flat = true;
  for (const k in h) {
    if (typeof h[k] !== 'string' || k !== k.toLowerCase()) {
      flat = false;
      break;
    }
  }
  if (flat) return h as Record<string, string>;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}
