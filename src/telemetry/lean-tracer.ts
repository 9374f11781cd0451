// The lean pipeline's spans (otlp-config.ts says when it runs instead of the
// SDK): a span is one plain record — ids, times, one attributes object —
// handed to the batch exporter when it ends. What the SDK does per span that
// this keeps, with the SDK's rules: W3C traceparent/tracestate parsing, the
// built-in samplers (traceidratio with the SDK's hash, so a ratio picks the
// same traces), attribute validation (null dropped, mixed arrays refused, 128
// per span), nothing changed after end, an end before the start clamped.
// What it leaves out is what the router never uses: events, links, per-span
// resource merging, the context manager.
import { randomFillSync } from 'node:crypto';
import type { Attributes, AttributeValue } from '@opentelemetry/api';
import type { LeanConfig, SamplerName } from './otlp-config.js';

/** OTLP SpanKind numbers (not the API's, which start at 0). */
export const KIND = { internal: 1, server: 2, client: 3 } as const;

const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/** Spans' attribute count limit: the SDK's default. */
const MAX_ATTRIBUTES = 128;

/** Wall-clock milliseconds with sub-millisecond precision, monotonic within the process (the SDK's clock). */
const ORIGIN = performance.timeOrigin;
export const nowMs = (): number => ORIGIN + performance.now();

export interface ParentContext {
  traceId: string;
  spanId: string;
  sampled: boolean;
  /** The caller's tracestate, normalised as the SDK's TraceState serialises it ('' when none). */
  traceState: string;
}

export class SpanRecord {
  // Keys and values in two arrays, not one object: a span's many distinct keys made that object a
  // dictionary, every store and the encoder's for-in megamorphic (a third of this pipeline's
  // instructions under callgrind). At most 128 keys, so a linear search finds a repeated one.
  readonly keys: string[] = [];
  readonly values: AttributeValue[] = [];
  end = 0;
  ended = false;
  /** 0 unset, 2 error (the router never sets ok). */
  status = 0;
  message: string | undefined = undefined;

  constructor(
    readonly traceId: string,
    readonly spanId: string,
    /** '' for a root span. */
    readonly parentSpanId: string,
    readonly parentRemote: boolean,
    readonly traceState: string,
    public name: string,
    readonly kind: number,
    readonly start: number,
  ) {}

  /** The attributes as one object (tests, the JSON encoding). */
  get attrs(): Attributes {
    const out: Attributes = {};
    for (let i = 0; i < this.keys.length; i++) out[this.keys[i]!] = this.values[i];
    return out;
  }

  set(key: string, value: AttributeValue | undefined): void {
    if (this.ended || value == null || key.length === 0 || !validValue(value)) return;
    const i = this.keys.indexOf(key);
    if (i >= 0) this.values[i] = value;
    else if (this.keys.length < MAX_ATTRIBUTES) {
      this.keys.push(key);
      this.values.push(value);
    }
  }

  setAll(attrs: Attributes): void {
    for (const key in attrs) this.set(key, attrs[key]);
  }

  error(message: string | undefined): void {
    if (this.ended) return;
    this.status = 2;
    this.message = message;
  }
}

/** The SDK's isAttributeValue: a primitive, or an array of one primitive type (nulls allowed). */
function validValue(v: unknown): boolean {
  const t = typeof v;
  if (t === 'string' || t === 'number' || t === 'boolean') return true;
  if (!Array.isArray(v)) return false;
  let type: string | undefined;
  for (const e of v) {
    if (e == null) continue;
    const et = typeof e;
    if (type === undefined && (et === 'string' || et === 'number' || et === 'boolean')) type = et;
    else if (et !== type) return false;
  }
  return true;
}

// Ids from a pool of random bytes, hex-encoded once per refill: one randomFillSync and one
// toString per 256 span ids instead of native calls per id.
const POOL = Buffer.alloc(2048);
let poolHex = '';
let poolAt = 0;
function randomHex(chars: 16 | 32): string {
  for (;;) {
    if (poolAt + chars > poolHex.length) {
      poolHex = randomFillSync(POOL).toString('hex');
      poolAt = 0;
    }
    const hex = poolHex.slice(poolAt, poolAt + chars);
    poolAt += chars;
    if (hex !== ZERO_SPAN && hex !== ZERO_TRACE) return hex; // an all-zero id is invalid (W3C)
  }
}
export const newSpanId = (): string => randomHex(16);
export const newTraceId = (): string => randomHex(32);

// The W3C propagator's rules (@opentelemetry/core W3CTraceContextPropagator, TraceState).
const TRACE_PARENT = /^\s?((?!ff)[\da-f]{2})-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})(-.*)?\s?$/;
const STATE_KEY = /^(?:[a-z][_0-9a-z-*/]{0,255}|[a-z0-9][_0-9a-z-*/]{0,240}@[a-z][_0-9a-z-*/]{0,13})$/;
const STATE_VALUE = /^[ -~]{0,255}[!-~]$/;

/** The caller's context from its traceparent / tracestate headers; undefined when absent or invalid. */
export function parseParent(traceparent: string | string[] | undefined, tracestate: string | string[] | undefined): ParentContext | undefined {
  const header = Array.isArray(traceparent) ? traceparent[0] : traceparent;
  if (typeof header !== 'string') return undefined;
  const m = TRACE_PARENT.exec(header);
  if (!m || (m[1] === '00' && m[5]) || m[2] === ZERO_TRACE || m[3] === ZERO_SPAN) return undefined;
  const state = Array.isArray(tracestate) ? tracestate.join(',') : tracestate;
  return { traceId: m[2]!, spanId: m[3]!, sampled: (parseInt(m[4]!, 16) & 1) === 1, traceState: state ? normaliseTraceState(state) : '' };
}

/** TraceState's parse-then-serialise: valid members only, at most 32 and 512 characters, a repeated key keeps its first value. */
export function normaliseTraceState(raw: string): string {
  const entries = new Map<string, string>();
  let length = 0;
  for (const member of raw.split(',')) {
    const m = member.trim();
    const idx = m.indexOf('=');
    if (idx === -1) continue;
    const key = m.slice(0, idx);
    const value = m.slice(idx + 1);
    if (!STATE_KEY.test(key) || !STATE_VALUE.test(value) || /,|=/.test(value)) continue;
    const future = length + m.length + (entries.size > 0 ? 1 : 0);
    if (future > 512) continue;
    entries.set(key, value);
    length = future;
    if (entries.size >= 32) break;
  }
  return [...entries].map(([k, v]) => `${k}=${v}`).join(',');
}

/** traceparent of a context: version 00, sampled flag 01 or 00. */
export const traceparentOf = (traceId: string, spanId: string, sampled: boolean): string => `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`;

/** The root decision of a sampler; a parent-based one follows the caller's flag when there is a caller. */
export function sampled(sampler: SamplerName, ratio: number, traceId: string, parent: ParentContext | undefined): boolean {
  if (parent && sampler.startsWith('parentbased_')) return parent.sampled;
  switch (sampler) {
    case 'always_off':
    case 'parentbased_always_off':
      return false;
    case 'traceidratio':
    case 'parentbased_traceidratio':
      return ratioSampled(ratio, traceId);
    default:
      return true;
  }
}

/** The SDK's TraceIdRatioBasedSampler: the trace id's four 32-bit words xor-ed, below ratio × (2³²−1) (2³² for 1). */
export function ratioSampled(ratio: number, traceId: string): boolean {
  const bound = ratio >= 1 ? 0x100000000 : ratio <= 0 ? 0 : Math.floor(ratio * 0xffffffff);
  let acc = 0;
  for (let i = 0; i < 32; i += 8) acc = (acc ^ parseInt(traceId.slice(i, i + 8), 16)) >>> 0;
  return acc < bound;
}

/** Where ended spans go (otlp-exporter.ts). */
export interface SpanSink {
  add(span: SpanRecord): void;
}

/** The lean pipeline's tracer: the sampler's settings and the sink; request spans are built by lean-request-span.ts. */
export class LeanTracer {
  constructor(
    readonly config: Pick<LeanConfig, 'sampler' | 'ratio'>,
    readonly sink: SpanSink,
  ) {}

  /** Ends a span (at `at`, else now) and hands it to the exporter; a second end is ignored (the SDK warns). */
  end(span: SpanRecord, at?: number): void {
    if (span.ended) return;
    const t = at ?? nowMs();
    span.end = t < span.start ? span.start : t;
    span.ended = true;
    this.sink.add(span);
  }
}
