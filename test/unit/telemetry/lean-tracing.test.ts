// The lean tracing pipeline (telemetry/lean-tracer.ts, otlp-encode.ts,
// otlp-exporter.ts, otlp-config.ts) against the SDK's own rules and the OTLP
// wire format: W3C traceparent/tracestate parsing as @opentelemetry/core does
// it, traceidratio sampling as the SDK's sampler decides it, the protobuf body
// equal to the JSON one field for field, batches, the queue bound, retries.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind, ROOT_CONTEXT, trace, propagation, defaultTextMapGetter } from '@opentelemetry/api';
import { TraceState, W3CTraceContextPropagator } from '@opentelemetry/core';
import { SamplingDecision, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import { KIND, normaliseTraceState, parseParent, ratioSampled, sampled, SpanRecord } from '../../../src/telemetry/lean-tracer.js';
import { encodeJson, encodeProtobuf } from '../../../src/telemetry/otlp-encode.js';
import { OtlpBatchExporter } from '../../../src/telemetry/otlp-exporter.js';
import { leanConfig } from '../../../src/telemetry/otlp-config.js';
import { decodeTraces } from './otlp-decode.js';

const SCOPE = { name: 'tokenrouter', version: '1.2.3' };
const RESOURCE = { 'service.name': 'svc', 'process.pid': 42 };

function sampleSpans(): SpanRecord[] {
  const root = new SpanRecord('0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331', '00f067aa0ba902b7', true, 'vendor=caller1', 'POST /v1/chat/completions', KIND.server, 1_765_000_000_123.456);
  root.setAll({
    'http.request.method': 'POST',
    'http.response.status_code': 502,
    'tokenrouter.cost_usd': 0.004,
    'tokenrouter.stream': false,
    'tokenrouter.rules': ['a', 'b'],
    'gen_ai.response.finish_reasons': ['stop', null as unknown as string],
    'tokenrouter.caller': 'zöe – ключ',
    'gen_ai.input.messages': 'x'.repeat(300),
    negative: -7,
    big: 2 ** 60,
    numbers: [1, 2.5],
  });
  root.error(undefined);
  root.end = root.start + 12.5;
  const child = new SpanRecord(root.traceId, 'c7ad6b7169203331', root.spanId, false, '', 'chat metered', KIND.client, root.start + 1);
  child.set('tokenrouter.attempt.outcome', 'failover');
  child.error('failover: server_error');
  child.end = child.start + 3;
  return [root, child];
}

describe('lean tracing: the OTLP encodings', () => {
  it('the protobuf body decodes to exactly the JSON body', () => {
    const spans = sampleSpans();
    const json = JSON.parse(encodeJson(spans, RESOURCE, SCOPE));
    expect(decodeTraces(encodeProtobuf(spans, RESOURCE, SCOPE))).to.deep.equal(json);
    const s = json.resourceSpans[0].scopeSpans[0].spans[0];
    expect(s).to.include({ traceId: '0af7651916cd43dd8448eb211c80319c', parentSpanId: '00f067aa0ba902b7', traceState: 'vendor=caller1', kind: 2, flags: 0x301 });
    expect(BigInt(s.endTimeUnixNano) - BigInt(s.startTimeUnixNano)).to.be.closeTo(12_500_000n as unknown as number, 1000);
    expect(s.status).to.deep.equal({ code: 2 });
    const attrs = Object.fromEntries(s.attributes.map((a: { key: string; value: unknown }) => [a.key, a.value]));
    expect(attrs['http.response.status_code']).to.deep.equal({ intValue: 502 });
    expect(attrs['tokenrouter.cost_usd']).to.deep.equal({ doubleValue: 0.004 });
    expect(attrs.negative).to.deep.equal({ intValue: -7 });
    expect(attrs['tokenrouter.caller']).to.deep.equal({ stringValue: 'zöe – ключ' });
    expect(attrs['gen_ai.response.finish_reasons']).to.deep.equal({ arrayValue: { values: [{ stringValue: 'stop' }, {}] } });
    expect(json.resourceSpans[0].scopeSpans[0].spans[1].status).to.deep.equal({ message: 'failover: server_error', code: 2 });
  });

  it('a batch larger than one buffer (lengths of several bytes, a growing buffer) still decodes', () => {
    const spans = Array.from({ length: 600 }, () => sampleSpans()).flat();
    expect(decodeTraces(encodeProtobuf(spans, RESOURCE, SCOPE))).to.deep.equal(JSON.parse(encodeJson(spans, RESOURCE, SCOPE)));
  });
});

describe('lean tracing: spans', () => {
  it('attributes follow the SDK: null and mixed arrays dropped, nothing changes after end, at most 128', () => {
    const s = new SpanRecord('1'.repeat(32), '2'.repeat(16), '', false, '', 'x', KIND.internal, 1);
    s.setAll({ a: undefined as unknown as string, b: null as unknown as string, c: [1, 'x'] as unknown as number[], d: { x: 1 } as unknown as string, '': 'empty key', ok: 'yes' });
    expect(s.attrs).to.deep.equal({ ok: 'yes' });
    for (let i = 0; i < 200; i++) s.set(`k${i}`, i);
    expect(Object.keys(s.attrs)).to.have.length(128);
    s.set('ok', 'changed'); // an existing key may change at the limit
    expect(s.attrs.ok).to.equal('changed');
    s.ended = true;
    s.set('ok', 'late');
    s.error('late');
    expect(s.attrs.ok).to.equal('changed');
    expect(s.status).to.equal(0);
  });
});

describe('lean tracing: W3C trace context as @opentelemetry/core reads it', () => {
  const w3c = new W3CTraceContextPropagator();
  const sdkParse = (traceparent: string, tracestate?: string) => {
    const ctx = w3c.extract(ROOT_CONTEXT, { traceparent, ...(tracestate !== undefined ? { tracestate } : {}) }, defaultTextMapGetter);
    const sc = trace.getSpanContext(ctx);
    return sc && trace.isSpanContextValid(sc) ? { traceId: sc.traceId, spanId: sc.spanId, sampled: (sc.traceFlags & 1) === 1, traceState: sc.traceState?.serialize() ?? '' } : undefined;
  };
  const id = randomBytes(16).toString('hex');
  const parent = randomBytes(8).toString('hex');
  const cases: [string, string | undefined][] = [
    [`00-${id}-${parent}-01`, undefined],
    [`00-${id}-${parent}-00`, 'a=1'],
    [`00-${id}-${parent}-03`, 'vendor=caller1, b=2,bad key=3,c=,d=4=5,a@b=x'],
    [`00-${id}-${parent}-01`, 'k=1,k=2,j=3'],
    [`01-${id}-${parent}-01-extra`, 'x=y'],
    [`00-${id}-${parent}-01-extra`, undefined],
    [`ff-${id}-${parent}-01`, undefined],
    [`00-${'0'.repeat(32)}-${parent}-01`, undefined],
    [`00-${id}-${'0'.repeat(16)}-01`, undefined],
    [`00-${id.toUpperCase()}-${parent}-01`, undefined],
    [` 00-${id}-${parent}-01 `, undefined],
    ['garbage', undefined],
  ];
  for (const [tp, ts] of cases) {
    it(`${tp} ${ts ?? ''}`, () => expect(parseParent(tp, ts)).to.deep.equal(sdkParse(tp, ts)));
  }
  it('tracestate normalisation matches TraceState for long and many-member lists', () => {
    const many = Array.from({ length: 40 }, (_, i) => `k${i}=v${i}`).join(',');
    const long = Array.from({ length: 20 }, (_, i) => `key${i}=${'v'.repeat(40)}`).join(',');
    for (const raw of [many, long, '', ',,', ' a=1 ']) expect(normaliseTraceState(raw)).to.equal(new TraceState(raw).serialize());
  });
  it('the api’s propagation is untouched (the lean pipeline registers no global)', () => {
    expect(propagation.fields()).to.deep.equal([]);
    expect(SpanKind.SERVER + 1).to.equal(KIND.server);
  });
});

describe('lean tracing: samplers', () => {
  it('traceidratio picks the same traces as the SDK’s TraceIdRatioBasedSampler', () => {
    for (const ratio of [0, 0.1, 0.5, 0.9, 1]) {
      const sdk = new TraceIdRatioBasedSampler(ratio);
      for (let i = 0; i < 300; i++) {
        const traceId = randomBytes(16).toString('hex');
        const want = sdk.shouldSample(ROOT_CONTEXT, traceId).decision === SamplingDecision.RECORD_AND_SAMPLED;
        expect(ratioSampled(ratio, traceId), `${ratio} ${traceId}`).to.equal(want);
      }
    }
  });
  it('parent-based samplers follow the caller’s flag; the others ignore it', () => {
    const on = { traceId: '1'.repeat(32), spanId: '2'.repeat(16), sampled: true, traceState: '' };
    const off = { ...on, sampled: false };
    expect(sampled('parentbased_always_on', 1, on.traceId, off)).to.equal(false);
    expect(sampled('parentbased_always_off', 1, on.traceId, on)).to.equal(true);
    expect(sampled('parentbased_always_on', 1, on.traceId, undefined)).to.equal(true);
    expect(sampled('parentbased_always_off', 1, on.traceId, undefined)).to.equal(false);
    expect(sampled('always_on', 1, on.traceId, off)).to.equal(true);
    expect(sampled('always_off', 1, on.traceId, on)).to.equal(false);
  });
});

describe('lean tracing: which pipeline the environment gets', () => {
  const base = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' };
  it('OTLP over HTTP with a built-in sampler: lean, with the OTLP endpoint rules and the BSP variables', () => {
    const c = leanConfig({ ...base, OTEL_BSP_SCHEDULE_DELAY: '50', OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20x,k=v', OTEL_SERVICE_NAME: 'svc', OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod' }, '1.0.0')!;
    expect(c).to.include({ url: 'http://collector:4318/v1/traces', protocol: 'http/protobuf', sampler: 'parentbased_always_on', scheduleDelayMs: 50, maxQueueSize: 2048, maxExportBatchSize: 512 });
    expect(c.headers).to.deep.equal({ authorization: 'Bearer x', k: 'v' });
    expect(c.resource).to.include({ 'service.name': 'svc', 'deployment.environment': 'prod' });
    expect(leanConfig({ ...base, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://c/custom' }, '1')!.url).to.equal('https://c/custom');
    expect(leanConfig({ OTEL_TRACES_EXPORTER: 'otlp' }, '1')!.url).to.equal('http://localhost:4318/v1/traces');
    expect(leanConfig({ ...base, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }, '1')).to.include({ protocol: 'http/json', ratio: 0.25 });
    expect(leanConfig(base, '1')!.resource['service.name']).to.equal('tokenrouter');
  });
  it('anything only the SDK does: the SDK', () => {
    for (const extra of [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, { OTEL_TRACES_EXPORTER: 'zipkin' }, { OTEL_TRACES_EXPORTER: 'console' }, { OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' }, { OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE: '/ca.pem' }, { OTEL_TRACES_SAMPLER: 'jaeger_remote' }, { OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: '10' }, { OTEL_PROPAGATORS: 'b3' }]) {
      expect(leanConfig({ ...base, ...extra }, '1'), JSON.stringify(extra)).to.equal(undefined);
    }
  });
});

describe('lean tracing: the batch exporter', () => {
  let server: http.Server;
  let url: string;
  const bodies: Buffer[] = [];
  let statuses: number[] = [];
  before(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const status = statuses.shift() ?? 200;
        if (status === 200) bodies.push(Buffer.concat(chunks));
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));
  const logger = { warn() {}, info() {} } as never;
  const spanCount = () => bodies.reduce((n, b) => n + (decodeTraces(b) as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] }).resourceSpans[0]!.scopeSpans[0]!.spans.length, 0);
  const config = { url: '', protocol: 'http/protobuf' as const, headers: {}, timeoutMs: 5000, scheduleDelayMs: 60_000, maxQueueSize: 8, maxExportBatchSize: 4 };

  it('sends full batches at once, the rest at shutdown; drops beyond the queue plus the batch in flight', async () => {
    bodies.length = 0;
    statuses = [];
    const x = new OtlpBatchExporter({ ...config, url }, RESOURCE, SCOPE, logger);
    for (let i = 0; i < 5; i++) x.add(sampleSpans()[0]!);
    await new Promise((r) => setTimeout(r, 100));
    expect(bodies).to.have.length(1);
    await x.shutdown();
    expect(spanCount()).to.equal(5);
    expect(x.dropped).to.equal(0);
  });

  it('retries a 503, and keeps spans within its bound while exports are slow', async () => {
    bodies.length = 0;
    statuses = [503];
    const x = new OtlpBatchExporter({ ...config, url }, RESOURCE, SCOPE, logger);
    for (let i = 0; i < 20; i++) x.add(sampleSpans()[1]!);
    await x.shutdown();
    expect(x.dropped + spanCount()).to.equal(20);
    expect(spanCount()).to.be.at.least(12);
  });
});
