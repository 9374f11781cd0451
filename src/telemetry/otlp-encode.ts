// OTLP trace export bodies for the lean pipeline (lean-tracer.ts): the
// ExportTraceServiceRequest of opentelemetry-proto in its protobuf encoding
// (the default protocol) and its JSON one (http/json). One resource, one
// instrumentation scope, the batch's spans. The protobuf writer fills one
// growing buffer and writes each nested message's length after its content
// (shifting the content when the length needs more than one byte), so there
// is no size pre-pass and no per-field object; spans are encoded as they end
// (ProtobufBatch).
import type { Attributes, AttributeValue } from '@opentelemetry/api';
import type { SpanRecord } from './lean-tracer.js';

export interface Scope {
  name: string;
  version: string;
}

const TWO32 = 2 ** 32;

/** Hex digit values by character code (ids are lowercase hex). */
const HEX = new Uint8Array(128);
for (let i = 0; i < 16; i++) HEX['0123456789abcdef'.charCodeAt(i)] = i;
for (let i = 0; i < 6; i++) HEX['ABCDEF'.charCodeAt(i)] = 10 + i;

class Writer {
  buf: Buffer;
  pos: number;

  /** `size` bytes to start with (off the pool: a batch's buffer lives until its export), writing from `from`. */
  constructor(size = 1024, from = 0) {
    this.buf = Buffer.allocUnsafeSlow(size);
    this.pos = from;
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** A varint of a non-negative safe integer. */
  varint(v: number): void {
    this.ensure(10);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }

  /** int64 of any integer: two's complement in 64 bits for negatives and beyond 2^53 (rare: BigInt). */
  int64(v: number): void {
    if (v >= 0 && v <= Number.MAX_SAFE_INTEGER) return this.varint(v);
    let u = BigInt.asUintN(64, BigInt(v));
    this.ensure(10);
    while (u >= 0x80n) {
      this.buf[this.pos++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    this.buf[this.pos++] = Number(u);
  }

  fixed64(v: number): void {
    this.ensure(8);
    const hi = Math.floor(v / TWO32);
    this.buf.writeUInt32LE(v - hi * TWO32, this.pos);
    this.buf.writeUInt32LE(hi >>> 0, this.pos + 4);
    this.pos += 8;
  }

  double(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  string(tag: number, s: string): void {
    this.byte(tag);
    const n = s.length;
    this.ensure(n * 3 + 5);
    // Attribute keys and most values are short ASCII: copied byte by byte, which is several times
    // cheaper than Buffer.write's argument handling; anything else (or long) goes through Buffer.write.
    if (n < 128) {
      const buf = this.buf;
      let p = this.pos + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[p++] = c;
      }
      if (i === n) {
        buf[this.pos] = n;
        this.pos = p;
        return;
      }
    }
    const at = this.begin();
    this.pos += this.buf.write(s, this.pos, 'utf8');
    this.finish(at);
  }

  /** A bytes field from an id's lowercase hex (ids are made or checked by lean-tracer.ts). */
  hex(tag: number, hex: string): void {
    const n = hex.length >> 1;
    this.ensure(n + 2);
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = tag;
    buf[p++] = n;
    for (let i = 0; i < n; i++) buf[p++] = (HEX[hex.charCodeAt(2 * i)]! << 4) | HEX[hex.charCodeAt(2 * i + 1)]!;
    this.pos = p;
  }

  /** Starts a length-delimited field's content: one byte kept for its length. */
  begin(): number {
    this.ensure(1);
    return this.pos++;
  }

  /** Writes the length at `at`, moving the content up when the length takes more than one byte. */
  finish(at: number): void {
    const len = this.pos - at - 1;
    const size = varintSize(len);
    if (size > 1) {
      this.ensure(size - 1);
      this.buf.copyWithin(at + size, at + 1, this.pos);
      this.pos += size - 1;
    }
    const end = this.pos;
    this.pos = at;
    this.varint(len);
    this.pos = end;
  }
}

/** AnyValue (its content only): string 1, bool 2, int 3, double 4, array 5. */
function anyValue(w: Writer, v: AttributeValue | null | undefined): void {
  if (typeof v === 'string') w.string(0x0a, v);
  else if (typeof v === 'boolean') {
    w.byte(0x10);
    w.byte(v ? 1 : 0);
  } else if (typeof v === 'number') {
    if (Number.isInteger(v)) {
      w.byte(0x18);
      w.int64(v);
    } else {
      w.byte(0x21);
      w.double(v);
    }
  } else if (Array.isArray(v)) {
    w.byte(0x2a);
    const arr = w.begin();
    for (const e of v) {
      w.byte(0x0a);
      const at = w.begin();
      anyValue(w, e);
      w.finish(at);
    }
    w.finish(arr);
  }
  // null (an array's hole): an empty AnyValue, as the SDK's transformer writes it.
}

/** repeated KeyValue attributes under `tag` (KeyValue: key 1, value 2). */
function attributes(w: Writer, tag: number, keys: readonly string[], values: readonly (AttributeValue | undefined)[]): void {
  for (let i = 0; i < keys.length; i++) {
    w.byte(tag);
    const kv = w.begin();
    w.string(0x0a, keys[i]!);
    w.byte(0x12);
    const val = w.begin();
    anyValue(w, values[i]);
    w.finish(val);
    w.finish(kv);
  }
}

function span(w: Writer, s: SpanRecord): void {
  w.hex(0x0a, s.traceId);
  w.hex(0x12, s.spanId);
  if (s.traceState) w.string(0x1a, s.traceState);
  if (s.parentSpanId) w.hex(0x22, s.parentSpanId);
  w.string(0x2a, s.name);
  w.byte(0x30);
  w.varint(s.kind);
  w.byte(0x39);
  w.fixed64(Math.round(s.start * 1e6));
  w.byte(0x41);
  w.fixed64(Math.round(s.end * 1e6));
  attributes(w, 0x4a, s.keys, s.values);
  // Status (field 15): message 2, code 3; written even when unset, as the SDK does.
  w.byte(0x7a);
  const st = w.begin();
  if (s.message !== undefined) w.string(0x12, s.message);
  if (s.status !== 0) {
    w.byte(0x18);
    w.varint(s.status);
  }
  w.finish(st);
  // flags (field 16, fixed32): sampled, and whether the parent's remoteness is known / remote.
  w.byte(0x85);
  w.byte(0x01);
  w.ensure(4);
  w.buf.writeUInt32LE(spanFlags(s), w.pos);
  w.pos += 4;
}

/** SpanFlags as the SDK's transformer sets them: trace flags (sampled), 0x100 "remote known", 0x200 remote parent. */
const spanFlags = (s: SpanRecord): number => 0x101 | (s.parentRemote ? 0x200 : 0);

/** One export's spans as they queue (otlp-exporter.ts): how many, and the request body they make. */
export interface SpanBatch {
  readonly count: number;
  add(span: SpanRecord): void;
  body(): Buffer;
}

/**
 * The protobuf batch: each span is encoded when it ends, so a queued span is bytes off the heap,
 * not objects the garbage collector keeps moving until the export (most of the SDK's cost under load).
 * The resource and the scope are encoded once per process (`head`).
 */
export class ProtobufBatch implements SpanBatch {
  readonly #w: Writer;
  /** Where the spans start: room before them for the batch's head, written last (no copy of the spans). */
  readonly #from: number;
  count = 0;

  constructor(
    private readonly head: BatchHead,
    sizeHint = 64 * 1024,
  ) {
    this.#from = head.resource.length + head.scope.length + 12;
    this.#w = new Writer(this.#from + sizeHint, this.#from);
  }

  /** Bytes written so far: the next batch's starting size (a growing buffer copies itself). */
  get size(): number {
    return this.#w.pos;
  }

  add(s: SpanRecord): void {
    const w = this.#w;
    w.byte(0x12);
    const at = w.begin();
    span(w, s);
    w.finish(at);
    this.count++;
  }

  /** resource spans (1) → resource (1) + scope spans (2) → scope (1) + the spans (2 each), the head put before the spans. */
  body(): Buffer {
    const { resource, scope } = this.head;
    const buf = this.#w.buf;
    const ss = scope.length + this.#w.pos - this.#from;
    const rs = resource.length + 1 + varintSize(ss) + ss;
    const start = this.#from - scope.length - varintSize(ss) - 1 - resource.length - varintSize(rs) - 1;
    let p = start;
    buf[p++] = 0x0a;
    p = putVarint(buf, p, rs);
    p += resource.copy(buf, p);
    buf[p++] = 0x12;
    p = putVarint(buf, p, ss);
    scope.copy(buf, p);
    return buf.subarray(start, this.#w.pos);
  }
}

/** The resource (field 1 of ResourceSpans) and scope (field 1 of ScopeSpans), tag and length included. */
export interface BatchHead {
  resource: Buffer;
  scope: Buffer;
}

export function batchHead(resource: Attributes, scope: Scope): BatchHead {
  const r = new Writer();
  r.byte(0x0a);
  const res = r.begin();
  const keys = Object.keys(resource);
  attributes(r, 0x0a, keys, keys.map((k) => resource[k]));
  r.finish(res);
  const s = new Writer();
  s.byte(0x0a);
  const sc = s.begin();
  s.string(0x0a, scope.name);
  if (scope.version) s.string(0x12, scope.version);
  s.finish(sc);
  return { resource: Buffer.from(r.buf.subarray(0, r.pos)), scope: Buffer.from(s.buf.subarray(0, s.pos)) };
}

function varintSize(v: number): number {
  let n = 1;
  for (; v >= 0x80; v = Math.floor(v / 0x80)) n++;
  return n;
}

function putVarint(buf: Buffer, p: number, v: number): number {
  while (v >= 0x80) {
    buf[p++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  buf[p++] = v;
  return p;
}

/** The protobuf body of one export of these spans. */
export function encodeProtobuf(spans: readonly SpanRecord[], resource: Attributes, scope: Scope): Buffer {
  const batch = new ProtobufBatch(batchHead(resource, scope));
  for (const s of spans) batch.add(s);
  return batch.body();
}

/** The JSON batch (http/json, not the default): records kept until the export. */
export class JsonBatch implements SpanBatch {
  readonly #spans: SpanRecord[] = [];

  constructor(
    private readonly resource: Attributes,
    private readonly scope: Scope,
  ) {}

  get count(): number {
    return this.#spans.length;
  }

  add(span: SpanRecord): void {
    this.#spans.push(span);
  }

  body(): Buffer {
    return Buffer.from(encodeJson(this.#spans, this.resource, this.scope));
  }
}

type JsonValue = { stringValue: string } | { boolValue: boolean } | { intValue: number | string } | { doubleValue: number } | { arrayValue: { values: JsonValue[] } } | Record<string, never>;

function jsonValue(v: AttributeValue | null | undefined): JsonValue {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: Number.isSafeInteger(v) ? v : BigInt(v).toString() } : { doubleValue: v };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(jsonValue) } };
  return {};
}

const jsonAttributes = (attrs: Attributes) => Object.keys(attrs).map((key) => ({ key, value: jsonValue(attrs[key]) }));

/** Nanoseconds since the epoch as the decimal string OTLP/JSON gives a fixed64. */
const nanos = (ms: number): string => BigInt(Math.round(ms * 1e6)).toString();

/** The OTLP/JSON body: ids in hex, times as decimal strings, kinds and status codes as numbers. */
export function encodeJson(spans: readonly SpanRecord[], resource: Attributes, scope: Scope): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: jsonAttributes(resource) },
        scopeSpans: [
          {
            scope: { name: scope.name, version: scope.version },
            spans: spans.map((s) => ({
              traceId: s.traceId,
              spanId: s.spanId,
              ...(s.traceState ? { traceState: s.traceState } : {}),
              ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
              name: s.name,
              kind: s.kind,
              startTimeUnixNano: nanos(s.start),
              endTimeUnixNano: nanos(s.end),
              attributes: jsonAttributes(s.attrs),
              status: { ...(s.message !== undefined ? { message: s.message } : {}), ...(s.status !== 0 ? { code: s.status } : {}) },
              flags: spanFlags(s),
            })),
          },
        ],
      },
    ],
  });
}
