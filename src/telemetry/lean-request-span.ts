// One request's spans on the lean pipeline (otlp-config.ts): the same tree,
// names, kinds, attributes, statuses and upstream context as the SDK-backed
// LiveRequestSpan in request-span.ts — its contract is the integration test
// test/integration/tracing.test.ts — built as plain records (lean-tracer.ts).
// An unsampled request records nothing but still has a context: the provider
// gets the trace with the sampled flag off, as the SDK's non-recording spans
// give it.
import type { Attributes } from '@opentelemetry/api';
import type { IncomingHttpHeaders } from 'node:http';
import type { Attempt } from '../upstream/attempt-loop.js';
import { genAiProviderName } from './genai-names.js';
import { KIND, newSpanId, newTraceId, nowMs, parseParent, sampled, SpanRecord, traceparentOf, type LeanTracer, type ParentContext } from './lean-tracer.js';
import type { AttemptTarget, RequestSpan, StageSpan } from './request-span.js';
import { hostOf, stageFailure } from './trace-attributes.js';

const NO_STAGE: StageSpan = Object.freeze({ set() {}, end() {} });

export class LeanRequestSpan implements RequestSpan {
  readonly recording: boolean;
  readonly traceId: string;
  readonly #tracer: LeanTracer;
  /** Undefined when the sampler dropped the trace. */
  readonly #span: SpanRecord | undefined;
  readonly #spanId: string;
  readonly #traceState: string;
  #attempt: SpanRecord | undefined;
  #served: { span: SpanRecord; end: number } | undefined;
  readonly #method: string;
  #ended = false;
  operation = 'chat';

  constructor(tracer: LeanTracer, method: string, route: string | undefined, url: string, headers: IncomingHttpHeaders) {
    this.#tracer = tracer;
    this.#method = method;
    const parent: ParentContext | undefined = headers.traceparent !== undefined ? parseParent(headers.traceparent, headers.tracestate) : undefined;
    this.traceId = parent?.traceId ?? newTraceId();
    this.#spanId = newSpanId();
    this.#traceState = parent?.traceState ?? '';
    this.recording = sampled(tracer.config.sampler, tracer.config.ratio, this.traceId, parent);
    if (!this.recording) return;
    const span = new SpanRecord(this.traceId, this.#spanId, parent?.spanId ?? '', parent !== undefined, this.#traceState, route !== undefined ? `${method} ${route}` : method, KIND.server, nowMs());
    const q = url.indexOf('?');
    span.set('http.request.method', method);
    span.set('url.path', q < 0 ? url : url.slice(0, q));
    if (route !== undefined) span.set('http.route', route);
    this.#span = span;
  }

  set(attrs: Attributes): void {
    this.#span?.setAll(attrs);
  }

  #child(name: string, kind: number): SpanRecord {
    return new SpanRecord(this.traceId, newSpanId(), this.#spanId, false, this.#traceState, name, kind, nowMs());
  }

  stage(name: string): StageSpan {
    if (!this.#span) return NO_STAGE;
    const span = this.#child(name, KIND.internal);
    return {
      set: (attrs) => span.setAll(attrs),
      end: (err) => {
        if (err !== undefined) {
          const f = stageFailure(err);
          span.set('error.type', f.type);
          span.error(f.message);
        }
        this.#tracer.end(span);
      },
    };
  }

  attemptStarted(c: AttemptTarget): Record<string, string> | undefined {
    if (!this.#span) return this.#carrier(newSpanId(), false); // unsampled: the context only
    if (this.#attempt) this.#tracer.end(this.#attempt); // a previous attempt never recorded (cannot happen today; never leak a span)
    const model = c.model.upstreamModel ?? c.model.name;
    const span = this.#child(`${this.operation} ${model}`, KIND.client);
    span.set('gen_ai.operation.name', this.operation);
    span.set('gen_ai.provider.name', genAiProviderName(c.provider));
    span.set('gen_ai.request.model', model);
    span.set('server.address', hostOf(c.provider.baseUrl));
    span.set('tokenrouter.provider', c.provider.name);
    span.set('tokenrouter.model', c.model.name);
    this.#attempt = span;
    return this.#carrier(span.spanId, true);
  }

  #carrier(spanId: string, isSampled: boolean): Record<string, string> {
    const carrier: Record<string, string> = { traceparent: traceparentOf(this.traceId, spanId, isSampled) };
    if (this.#traceState) carrier.tracestate = this.#traceState;
    return carrier;
  }

  attemptEnded(c: AttemptTarget, a: Attempt): void {
    if (!this.#span) return;
    let span = this.#attempt;
    if (!span) {
      // An attempt refused before it was sent (no credentials, every key cooling): a span of its own, zero length.
      span = this.#child(`${this.operation} ${c.model.upstreamModel ?? c.model.name}`, KIND.client);
      span.set('gen_ai.provider.name', genAiProviderName(c.provider));
      span.set('tokenrouter.provider', c.provider.name);
      span.set('tokenrouter.model', c.model.name);
    }
    this.#attempt = undefined;
    span.set('tokenrouter.attempt.outcome', a.outcome);
    if (a.reason) span.set('tokenrouter.attempt.reason', a.reason);
    if (a.status !== undefined) span.set('http.response.status_code', a.status);
    if (a.ttftMs !== undefined) span.set('tokenrouter.ttft_ms', a.ttftMs);
    if (a.outcome === 'success' || a.outcome === 'stream_error') {
      // Ended by served() once usage is known (or by end()), at the attempt's own end time.
      this.#served = { span, end: nowMs() };
      if (a.outcome === 'stream_error') span.error(a.reason ?? 'stream_error');
      return;
    }
    if (a.outcome !== 'client_gone') {
      span.set('error.type', a.code ?? a.reason ?? a.outcome);
      span.error(`${a.outcome}${a.reason ? `: ${a.reason}` : ''}`);
    }
    this.#tracer.end(span);
  }

  served(attrs: Attributes): void {
    const s = this.#served;
    if (!s) return;
    this.#served = undefined;
    s.span.setAll(attrs);
    this.#tracer.end(s.span, s.end);
  }

  end(status: number, route?: string): void {
    const span = this.#span;
    if (!span || this.#ended) return;
    this.#ended = true;
    if (route !== undefined) {
      span.name = `${this.#method} ${route}`;
      span.set('http.route', route);
    }
    if (this.#attempt) this.#tracer.end(this.#attempt);
    if (this.#served) this.#tracer.end(this.#served.span, this.#served.end);
    span.set('http.response.status_code', status);
    // A server span is in error for 5xx only: a 4xx is the caller's (OpenTelemetry HTTP conventions).
    if (status >= 500) span.error(undefined);
    this.#tracer.end(span);
  }
}
