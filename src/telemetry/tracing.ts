// OpenTelemetry tracing, set up from the standard environment variables
// (docs/operations/tracing.md). Off unless one of them asks for an exporter:
// then the SDK is never even loaded (a dynamic import), every request gets the
// one shared no-op span (request-span.ts) and tracing costs a property read.
//
// On, two pipelines behind one contract (request-span.ts). The lean one
// (otlp-config.ts decides) when the environment asks for OTLP over HTTP with a
// built-in sampler — the usual case: our own span records and OTLP encoder,
// about a third of the SDK's CPU per request (docs/performance.md). Anything else (grpc, zipkin,
// console, compression, TLS client certificates, …): the official Node SDK
// (@opentelemetry/sdk-node), which reads the OTEL_* variables itself. Either
// way no auto-instrumentation: the router makes its own spans (one server span
// per request, children for its stages and upstream attempts), so nothing is
// traced twice and no module is patched. One pipeline per process, shared by
// every router started in it.
import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import type { LeanTracer } from './lean-tracer.js';
import type { Logger } from './log.js';
import { leanConfig, type LeanConfig } from './otlp-config.js';

export interface Tracing {
  /** False: every span is the no-op one. */
  readonly enabled: boolean;
  readonly tracer: Tracer | undefined;
  /** The lean pipeline (otlp-config.ts), when it runs instead of the SDK: request spans are built on it. */
  readonly lean?: LeanTracer;
  /** Flushes what is buffered and stops the exporter (on the last router's stop). */
  shutdown(): Promise<void>;
}

export const NO_TRACING: Tracing = Object.freeze({ enabled: false, tracer: undefined, shutdown: async () => {} });

/**
 * Whether the environment asks for traces: an OTLP endpoint (all signals or traces), or a traces
 * exporter other than none; OTEL_SDK_DISABLED=true wins.
 */
export function tracingRequested(env: NodeJS.ProcessEnv): boolean {
  if ((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true') return false;
  const exporter = (env.OTEL_TRACES_EXPORTER ?? '').trim().toLowerCase();
  if (exporter === 'none') return false;
  return Boolean(exporter || env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

interface Shared {
  tracing: Tracing;
  users: number;
  stop: () => Promise<void>;
}
let shared: Promise<Shared> | undefined;

/** The process's tracing: started on the first call that asks for it, stopped when its last user shuts it down. */
export async function startTracing(env: NodeJS.ProcessEnv, logger: Logger, version: string): Promise<Tracing> {
  if (!tracingRequested(env)) return NO_TRACING;
  const lean = leanConfig(env, version);
  shared ??= lean ? startLean(lean, logger, version) : startSdk(env, logger, version);
  const s = await shared;
  s.users++;
  let stopped = false;
  return {
    enabled: true,
    tracer: s.tracing.tracer,
    ...(s.tracing.lean ? { lean: s.tracing.lean } : {}),
    async shutdown() {
      if (stopped) return;
      stopped = true;
      if (--s.users > 0) return;
      shared = undefined;
      await s.stop();
    },
  };
}

/**
 * The lean pipeline: our own span records and OTLP/HTTP encoder (lean-tracer.ts, otlp-encode.ts,
 * otlp-exporter.ts), loaded only when tracing is on. About a third of the SDK's CPU per traced request.
 */
async function startLean(config: LeanConfig, logger: Logger, version: string): Promise<Shared> {
  const [{ LeanTracer }, { OtlpBatchExporter }] = await Promise.all([import('./lean-tracer.js'), import('./otlp-exporter.js')]);
  const exporter = new OtlpBatchExporter(config, config.resource, { name: 'tokenrouter', version }, logger);
  const lean = new LeanTracer(config, exporter);
  logger.info({ exporter: 'otlp', endpoint: config.url, protocol: config.protocol, sampler: config.sampler }, 'OpenTelemetry tracing on');
  return {
    tracing: { enabled: true, tracer: undefined, lean, shutdown: async () => {} },
    users: 0,
    stop: () => exporter.shutdown(),
  };
}

async function startSdk(env: NodeJS.ProcessEnv, logger: Logger, version: string): Promise<Shared> {
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME || 'tokenrouter',
    // The router's own spans only: no module patching, no duplicate HTTP spans.
    instrumentations: [],
    // No AsyncLocalStorage context manager (null: "do not register"): every span gets its parent
    // passed explicitly (request-span.ts), and the async hooks one installs would tax every promise of
    // every request (measured: a sixth of tracing's cost).
    contextManager: null as unknown as undefined,
  });
  sdk.start();
  const tracer = trace.getTracer('tokenrouter', version);
  logger.info(
    { exporter: env.OTEL_TRACES_EXPORTER || 'otlp', endpoint: env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT, sampler: env.OTEL_TRACES_SAMPLER || 'parentbased_always_on' },
    'OpenTelemetry tracing on',
  );
  return {
    tracing: { enabled: true, tracer, shutdown: async () => {} },
    users: 0,
    stop: async () => {
      try {
        await sdk.shutdown();
      } catch (err) {
        logger.warn({ err: String(err) }, 'OpenTelemetry shutdown failed: buffered spans may be lost');
      }
      // Free the API's globals so a later start in this process (tests) registers afresh.
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

