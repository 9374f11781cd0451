// Which tracing pipeline the OTEL_* environment gets (tracing.ts): the lean
// one (lean-tracer.ts + otlp-encode.ts + otlp-exporter.ts) when it asks for
// what that pipeline implements — OTLP over HTTP (protobuf or JSON), the
// built-in samplers, the batch processor's variables, headers, timeout — and
// otherwise the official SDK, so that no setting is ever silently ignored
// (grpc, zipkin, console, compression, TLS client certificates, …).
//
// Why a lean pipeline at all: the SDK's span objects and its protobuf
// serialiser cost about as much CPU per request as the router itself (issue
// 23: tracing on was 1.7× router b's CPU per request, the target is 1.15×).
import os from 'node:os';
import type { Attributes } from '@opentelemetry/api';

export type SamplerName = 'always_on' | 'always_off' | 'traceidratio' | 'parentbased_always_on' | 'parentbased_always_off' | 'parentbased_traceidratio';

export interface LeanConfig {
  /** The full traces URL. */
  url: string;
  protocol: 'http/protobuf' | 'http/json';
  headers: Record<string, string>;
  timeoutMs: number;
  sampler: SamplerName;
  /** traceidratio's ratio, in [0, 1]. */
  ratio: number;
  scheduleDelayMs: number;
  maxQueueSize: number;
  maxExportBatchSize: number;
  resource: Attributes;
}

const SAMPLERS: readonly SamplerName[] = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'];

/** Variables the lean pipeline does not implement: any of them set, the SDK handles the environment. */
const SDK_ONLY = /^OTEL_EXPORTER_OTLP_(TRACES_)?(COMPRESSION|CERTIFICATE|CLIENT_KEY|CLIENT_CERTIFICATE|INSECURE)$|^OTEL_(SPAN_|ATTRIBUTE_|EVENT_|LINK_)\w*LIMIT$|^OTEL_PROPAGATORS$|^OTEL_RESOURCE_DETECTORS$|^OTEL_NODE_RESOURCE_DETECTORS$/;

/** The lean pipeline's configuration, or undefined when the environment asks for something only the SDK does. */
export function leanConfig(env: NodeJS.ProcessEnv, version: string): LeanConfig | undefined {
  const trimmed = (k: string): string => (env[k] ?? '').trim();
  const exporter = trimmed('OTEL_TRACES_EXPORTER').toLowerCase();
  if (exporter !== '' && exporter !== 'otlp') return undefined;
  for (const k of Object.keys(env)) if (SDK_ONLY.test(k) && trimmed(k) !== '') return undefined;
  const protocol = (trimmed('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') || trimmed('OTEL_EXPORTER_OTLP_PROTOCOL') || 'http/protobuf').toLowerCase();
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') return undefined;
  const sampler = (trimmed('OTEL_TRACES_SAMPLER') || 'parentbased_always_on').toLowerCase() as SamplerName;
  if (!SAMPLERS.includes(sampler)) return undefined;
  const url = tracesUrl(trimmed('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'), trimmed('OTEL_EXPORTER_OTLP_ENDPOINT'));
  if (url === undefined) return undefined;
  const ratioArg = Number(trimmed('OTEL_TRACES_SAMPLER_ARG') || '1');
  return {
    url,
    protocol,
    headers: { ...parsePairs(trimmed('OTEL_EXPORTER_OTLP_HEADERS')), ...parsePairs(trimmed('OTEL_EXPORTER_OTLP_TRACES_HEADERS')) },
    timeoutMs: positive(trimmed('OTEL_EXPORTER_OTLP_TRACES_TIMEOUT') || trimmed('OTEL_EXPORTER_OTLP_TIMEOUT'), 10_000),
    sampler,
    // The SDK's rule: a ratio outside [0, 1] (or not a number) means 1.
    ratio: Number.isFinite(ratioArg) && ratioArg >= 0 && ratioArg <= 1 ? ratioArg : 1,
    scheduleDelayMs: positive(trimmed('OTEL_BSP_SCHEDULE_DELAY'), 5000),
    maxQueueSize: positive(trimmed('OTEL_BSP_MAX_QUEUE_SIZE'), 2048),
    maxExportBatchSize: positive(trimmed('OTEL_BSP_MAX_EXPORT_BATCH_SIZE'), 512),
    resource: resourceAttributes(env, version),
  };
}

/** The traces URL: the signal's own endpoint as given, else the base endpoint + /v1/traces (the OTLP rule). */
function tracesUrl(traces: string, base: string): string | undefined {
  const raw = traces || (base ? `${base.replace(/\/+$/, '')}/v1/traces` : 'http://localhost:4318/v1/traces');
  try {
    const u = new URL(raw);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

function positive(raw: string, fallback: number): number {
  const n = Number(raw);
  return raw !== '' && Number.isFinite(n) && n > 0 ? n : fallback;
}

/** key=value,key=value with percent-encoded values (OTEL_EXPORTER_OTLP_HEADERS, OTEL_RESOURCE_ATTRIBUTES). */
export function parsePairs(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of raw.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    try {
      value = decodeURIComponent(value);
    } catch {
      // Kept as written: a malformed escape is not worth dropping the pair.
    }
    if (key) out[key] = value;
  }
  return out;
}

/**
 * The resource: what the SDK's default detectors give a Node process (telemetry.sdk.*, process.*,
 * host.*), then OTEL_RESOURCE_ATTRIBUTES, then the service name (OTEL_SERVICE_NAME, default tokenrouter).
 */
function resourceAttributes(env: NodeJS.ProcessEnv, sdkVersion: string): Attributes {
  return {
    'telemetry.sdk.language': 'nodejs',
    'telemetry.sdk.name': 'tokenrouter',
    'telemetry.sdk.version': sdkVersion,
    'process.pid': process.pid,
    'process.executable.name': process.title,
    'process.runtime.name': 'nodejs',
    'process.runtime.version': process.versions.node,
    'host.name': os.hostname(),
    'host.arch': os.arch(),
    ...parsePairs((env.OTEL_RESOURCE_ATTRIBUTES ?? '').trim()),
    'service.name': (env.OTEL_SERVICE_NAME ?? '').trim() || 'tokenrouter',
  };
}
