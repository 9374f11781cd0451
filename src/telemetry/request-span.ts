// One request's spans: the server span (kind SERVER, one per HTTP request on
// every route), its stage children (admission, route, firewall, cache,
// render) and one CLIENT span per upstream attempt, so retries and failovers
// show as siblings. The caller's W3C traceparent / tracestate are continued;
// each attempt's own context is what the provider receives.
//
// Two implementations of the same contract: LeanRequestSpan (lean-request-span.ts)
// when the environment is one the lean pipeline implements (otlp-config.ts),
// LiveRequestSpan below on the official SDK otherwise.
//
// Tracing off: every request shares NO_REQUEST_SPAN, whose methods do nothing
// and allocate nothing; callers test `recording` before building attributes.
import { propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { IncomingHttpHeaders } from 'node:http';
import type { ModelSpec, ProviderSpec } from '../policy/types.js';
import type { Attempt } from '../upstream/attempt-loop.js';
import { genAiProviderName } from './genai-names.js';
import { LeanRequestSpan } from './lean-request-span.js';
import { hostOf, stageFailure } from './trace-attributes.js';
import type { Tracing } from './tracing.js';

/** A stage's span: attributes while it runs, then end (failed, when the stage threw). */
export interface StageSpan {
  set(attrs: Attributes): void;
  end(err?: unknown): void;
}

export interface RequestSpan {
  /** False for the no-op span: skip building attributes. */
  readonly recording: boolean;
  /** The trace id (hex) for the decision log line; undefined when off. */
  readonly traceId: string | undefined;
  /** gen_ai.operation.name of the route, for the attempt spans' names ("chat", "embeddings"). */
  operation: string;
  set(attrs: Attributes): void;
  /** A child span for one stage of the pipeline. */
  stage(name: string): StageSpan;
  /** An upstream attempt starts: its CLIENT span; returns the headers that carry its context to the provider. */
  attemptStarted(c: AttemptTarget): Record<string, string> | undefined;
  /** The attempt's record (attempt-loop.ts): ends its span, unless it served the answer (finish() ends that one). */
  attemptEnded(c: AttemptTarget, a: Attempt): void;
  /** The served attempt's span gets the answer's attributes (usage, response model, finish reason) and ends. */
  served(attrs: Attributes): void;
  /** Ends the server span with the response's status (idempotent); `route` names a span started before its route was known. */
  end(status: number, route?: string): void;
}

/** Whom an attempt calls: a routing candidate, or a forwarded request's provider and model. */
export interface AttemptTarget {
  provider: Readonly<Pick<ProviderSpec, 'name' | 'type' | 'dialect' | 'baseUrl'>>;
  model: Readonly<Pick<ModelSpec, 'name' | 'upstreamModel'>>;
}

const NO_STAGE: StageSpan = Object.freeze({ set() {}, end() {} });

export const NO_REQUEST_SPAN: RequestSpan = {
  recording: false,
  traceId: undefined,
  get operation() {
    return 'chat';
  },
  set operation(_: string) {},
  set() {},
  stage: () => NO_STAGE,
  attemptStarted: () => undefined,
  attemptEnded() {},
  served() {},
  end() {},
};
Object.freeze(NO_REQUEST_SPAN);

/**
 * The server span of one HTTP request: the caller's trace continued when it sent a traceparent.
 * `route` is the route template when known now (the data plane's front door), else given to end().
 */
export function startRequestSpan(tracing: Tracing, method: string, route: string | undefined, url: string, headers: IncomingHttpHeaders): RequestSpan {
  if (!tracing.enabled) return NO_REQUEST_SPAN;
  if (tracing.lean) return new LeanRequestSpan(tracing.lean, method, route, url, headers);
  if (!tracing.tracer) return NO_REQUEST_SPAN;
  return new LiveRequestSpan(tracing.tracer, method, route, url, headers);
}

class LiveRequestSpan implements RequestSpan {
  readonly #tracer: Tracer;
  readonly #span: Span;
  readonly #ctx: Context;
  #attempt: Span | undefined;
  #served: { span: Span; end: number } | undefined;
  readonly #method: string;
  #ended = false;
  operation = 'chat';

  constructor(tracer: Tracer, method: string, route: string | undefined, url: string, headers: IncomingHttpHeaders) {
    this.#tracer = tracer;
    this.#method = method;
    const parent = headers.traceparent !== undefined ? propagation.extract(ROOT_CONTEXT, headers) : ROOT_CONTEXT;
    const q = url.indexOf('?');
    const attributes: Attributes = { 'http.request.method': method, 'url.path': q < 0 ? url : url.slice(0, q) };
    if (route !== undefined) attributes['http.route'] = route;
    this.#span = tracer.startSpan(route !== undefined ? `${method} ${route}` : method, { kind: SpanKind.SERVER, attributes }, parent);
    this.#ctx = trace.setSpan(parent, this.#span);
  }

  get recording(): boolean {
    return this.#span.isRecording();
  }

  get traceId(): string {
    return this.#span.spanContext().traceId;
  }

  set(attrs: Attributes): void {
    this.#span.setAttributes(attrs);
  }

  stage(name: string): StageSpan {
    const span = this.#tracer.startSpan(name, { kind: SpanKind.INTERNAL }, this.#ctx);
    return {
      set: (attrs) => span.setAttributes(attrs),
      end: (err) => {
        if (err !== undefined) failed(span, err);
        span.end();
      },
    };
  }

  attemptStarted(c: AttemptTarget): Record<string, string> | undefined {
    this.#attempt?.end(); // a previous attempt never recorded (cannot happen today; never leak a span)
    const span = this.#tracer.startSpan(
      `${this.operation} ${c.model.upstreamModel ?? c.model.name}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'gen_ai.operation.name': this.operation,
          'gen_ai.provider.name': genAiProviderName(c.provider),
          'gen_ai.request.model': c.model.upstreamModel ?? c.model.name,
          'server.address': hostOf(c.provider.baseUrl),
          'tokenrouter.provider': c.provider.name,
          'tokenrouter.model': c.model.name,
        },
      },
      this.#ctx,
    );
    this.#attempt = span;
    const carrier: Record<string, string> = {};
    propagation.inject(trace.setSpan(this.#ctx, span), carrier);
    return carrier;
  }

  attemptEnded(c: AttemptTarget, a: Attempt): void {
    // An attempt refused before it was sent (no credentials, every key cooling): a span of its own, zero length.
    const span = this.#attempt ?? this.#tracer.startSpan(`${this.operation} ${c.model.upstreamModel ?? c.model.name}`, { kind: SpanKind.CLIENT, attributes: { 'gen_ai.provider.name': genAiProviderName(c.provider), 'tokenrouter.provider': c.provider.name, 'tokenrouter.model': c.model.name } }, this.#ctx);
    this.#attempt = undefined;
    // Assigned one by one: object spread is a slow V8 path, and this runs per attempt.
    const attrs: Attributes = { 'tokenrouter.attempt.outcome': a.outcome };
    if (a.reason) attrs['tokenrouter.attempt.reason'] = a.reason;
    if (a.status !== undefined) attrs['http.response.status_code'] = a.status;
    if (a.ttftMs !== undefined) attrs['tokenrouter.ttft_ms'] = a.ttftMs;
    span.setAttributes(attrs);
    if (a.outcome === 'success' || a.outcome === 'stream_error') {
      // Ended by served() once usage is known (or by end()), at the attempt's own end time.
      this.#served = { span, end: Date.now() };
      if (a.outcome === 'stream_error') span.setStatus({ code: SpanStatusCode.ERROR, message: a.reason ?? 'stream_error' });
      return;
    }
    if (a.outcome !== 'client_gone') {
      span.setAttribute('error.type', a.code ?? a.reason ?? a.outcome);
      span.setStatus({ code: SpanStatusCode.ERROR, message: `${a.outcome}${a.reason ? `: ${a.reason}` : ''}` });
    }
    span.end();
  }

  served(attrs: Attributes): void {
    const s = this.#served;
    if (!s) return;
    this.#served = undefined;
    s.span.setAttributes(attrs);
    s.span.end(s.end);
  }

  end(status: number, route?: string): void {
    if (this.#ended) return;
    this.#ended = true;
    if (route !== undefined) {
      this.#span.updateName(`${this.#method} ${route}`);
      this.#span.setAttribute('http.route', route);
    }
    this.#attempt?.end();
    this.#served?.span.end(this.#served.end);
    this.#span.setAttribute('http.response.status_code', status);
    // A server span is in error for 5xx only: a 4xx is the caller's (OpenTelemetry HTTP conventions).
    if (status >= 500) this.#span.setStatus({ code: SpanStatusCode.ERROR });
    this.#span.end();
  }
}

function failed(span: Span, err: unknown): void {
  const f = stageFailure(err);
  span.setAttribute('error.type', f.type);
  span.setStatus({ code: SpanStatusCode.ERROR, message: f.message });
}

/**
 * Runs one stage inside its span (just runs it when tracing is off); `describe` gives the span's
 * attributes from the stage's value, or (undefined) when it threw. Not an async function: off, the
 * stage's own promise is returned as it is, with no extra promise and microtask per stage.
 */
export function inStage<T>(span: RequestSpan, name: string, run: () => Promise<T>, describe?: (value: T | undefined) => Attributes): Promise<T> {
  if (!span.recording) return started(run);
  const s = span.stage(name);
  const failed = (err: unknown): never => {
    if (describe) s.set(describe(undefined));
    s.end(err);
    throw err;
  };
  return started(run).then((value) => {
    // As the async version did: a describe() that throws fails the stage's span with its error.
    try {
      if (describe) s.set(describe(value));
      s.end();
      return value;
    } catch (err) {
      return failed(err);
    }
  }, failed);
}

/** run()'s promise; a synchronous throw becomes a rejection, as it would inside an async function. */
function started<T>(run: () => Promise<T>): Promise<T> {
  try {
    return run();
  } catch (err) {
    return Promise.reject(err);
  }
}
