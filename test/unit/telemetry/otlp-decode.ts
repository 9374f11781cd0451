// A test-only decoder of OTLP ExportTraceServiceRequest protobuf bodies (the
// fields the router writes), into the shape of the OTLP/JSON encoding: so the
// lean exporter's two encodings can be checked against each other, and a
// protobuf body against what a collector would read.

type Field = { no: number; wire: number; value: number | bigint | Buffer };

function varint(buf: Buffer, p: number): [bigint, number] {
  let v = 0n;
  let shift = 0n;
  for (;;) {
    const b = buf[p++]!;
    v |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) return [v, p];
    shift += 7n;
  }
}

/** The fields of one message, in order. */
export function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let p = 0;
  while (p < buf.length) {
    const [key, q] = varint(buf, p);
    p = q;
    const no = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 0) {
      const [v, r] = varint(buf, p);
      out.push({ no, wire, value: v });
      p = r;
    } else if (wire === 1) {
      out.push({ no, wire, value: buf.readBigUInt64LE(p) });
      p += 8;
    } else if (wire === 5) {
      out.push({ no, wire, value: buf.readUInt32LE(p) });
      p += 4;
    } else if (wire === 2) {
      const [len, r] = varint(buf, p);
      out.push({ no, wire, value: buf.subarray(r, r + Number(len)) });
      p = r + Number(len);
    } else throw new Error(`wire type ${wire}`);
  }
  if (p !== buf.length) throw new Error('message overran its length');
  return out;
}

const all = (buf: Buffer, no: number) => fields(buf).filter((f) => f.no === no).map((f) => f.value);
const one = (buf: Buffer, no: number) => all(buf, no)[0];
const str = (v: unknown) => (v === undefined ? undefined : (v as Buffer).toString('utf8'));

function anyValue(buf: Buffer): Record<string, unknown> {
  const f = fields(buf)[0];
  if (!f) return {};
  switch (f.no) {
    case 1:
      return { stringValue: str(f.value) };
    case 2:
      return { boolValue: f.value === 1n };
    case 3: {
      const v = BigInt.asIntN(64, f.value as bigint);
      return { intValue: Number.isSafeInteger(Number(v)) ? Number(v) : v.toString() };
    }
    case 4:
      return { doubleValue: Buffer.from(new BigUint64Array([f.value as bigint]).buffer).readDoubleLE(0) };
    case 5:
      return { arrayValue: { values: all(f.value as Buffer, 1).map((v) => anyValue(v as Buffer)) } };
    default:
      throw new Error(`AnyValue field ${f.no}`);
  }
}

const attributes = (list: unknown[]) => list.map((kv) => ({ key: str(one(kv as Buffer, 1)), value: anyValue((one(kv as Buffer, 2) as Buffer) ?? Buffer.alloc(0)) }));

function span(buf: Buffer): Record<string, unknown> {
  const status = one(buf, 15) as Buffer;
  const message = str(one(status, 2));
  const code = one(status, 3);
  const traceState = str(one(buf, 3));
  const parent = one(buf, 4) as Buffer | undefined;
  return {
    traceId: (one(buf, 1) as Buffer).toString('hex'),
    spanId: (one(buf, 2) as Buffer).toString('hex'),
    ...(traceState ? { traceState } : {}),
    ...(parent ? { parentSpanId: parent.toString('hex') } : {}),
    name: str(one(buf, 5)),
    kind: Number(one(buf, 6)),
    startTimeUnixNano: String(one(buf, 7)),
    endTimeUnixNano: String(one(buf, 8)),
    attributes: attributes(all(buf, 9)),
    status: { ...(message !== undefined ? { message } : {}), ...(code !== undefined ? { code: Number(code) } : {}) },
    flags: one(buf, 16),
  };
}

/** The body as OTLP/JSON would give it. */
export function decodeTraces(body: Buffer): Record<string, unknown> {
  return {
    resourceSpans: all(body, 1).map((rs) => ({
      resource: { attributes: attributes(all(one(rs as Buffer, 1) as Buffer, 1)) },
      scopeSpans: all(rs as Buffer, 2).map((ss) => {
        const scope = one(ss as Buffer, 1) as Buffer;
        return { scope: { name: str(one(scope, 1)), version: str(one(scope, 2)) }, spans: all(ss as Buffer, 2).map((s) => span(s as Buffer)) };
      }),
    })),
  };
}
