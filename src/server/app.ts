// The Express application. Order matters and is the same for every route:
//   probes & metrics (public) → the console (own session auth) → readiness gate (takes the request's policy
//   snapshot) → authentication → bounded JSON body → API routes → 404 →
//   error handler (OpenAI error shape).
// Routes added below the gate cannot skip authentication or the body limits.
// POST /v1/responses and /v1/chat/completions are served in front of this app by
// data-plane-path.ts, with these same steps (the functions exported below).
import express, { type NextFunction, type Request, type Response } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PolicySet } from '../policy/types.js';
import type { PolicyStore } from '../policy/store.js';
import { maskSecrets, type Logger } from '../telemetry/log.js';
import type { Metrics } from '../telemetry/metrics.js';
import { NO_REQUEST_SPAN, startRequestSpan, type RequestSpan } from '../telemetry/request-span.js';
import type { Tracing } from '../telemetry/tracing.js';
import { authenticate, authMiddleware } from './auth.js';
import { jsonBody, readJsonBody } from './body.js';
import type { LargeBodyGate } from './large-body-gate.js';
import { RouterError, sendError, sendUpstreamError, type ErrorEnvelope } from '../errors/registry.js';
import type { Lifecycle } from './lifecycle.js';
import { healthRoutes } from './routes/health.js';
import { policyRoutes } from './routes/policies.js';
import { ruleRoutes } from './routes/rules.js';
import { dataPlaneRoutes } from './routes/data-plane.js';
import { modelRoutes } from './routes/models.js';
import { providerRoutes } from './routes/providers.js';
import { explainBody, explainRoutes } from './routes/explain.js';
import { usageRoutes } from './routes/usage.js';
import { consoleRoutes } from '../console/routes.js';
import { DecisionRing } from '../console/decision-ring.js';
import type { ConversationStore } from '../state/conversations.js';
import type { LiveInputs } from '../state/live-inputs.js';
import type { SharedState } from '../state/backend.js';
import type { UpstreamClient } from '../upstream/client.js';
import type { ResilienceState } from '../upstream/resilience.js';
import { UpstreamHttpError } from '../upstream/errors.js';
import { ClientGoneError } from '../upstream/dispatch.js';

export interface AppDeps {
  store: PolicyStore;
  metrics: Metrics;
  logger: Logger;
  lifecycle: Lifecycle;
  /** True when the server listens only on a loopback address. */
  loopbackOnly: boolean;
  client: UpstreamClient;
  conversations: ConversationStore;
  resilience: ResilienceState;
  /** Live routing inputs (price sources, latency statistics, limits, cool-downs). */
  liveInputs: LiveInputs;
  /** Key limits, budgets, the usage ledger (memory or Redis). */
  state: SharedState;
  /** Turns for large request bodies: at most a few are read and worked on at once (large-body-gate.ts). */
  largeBodies: LargeBodyGate;
  /** OpenTelemetry (telemetry/tracing.ts): NO_TRACING unless the OTEL_* environment asks for it. */
  tracing: Tracing;
  /** The console's ring of recent decisions, written by the account stages (src/console/decision-ring.ts). */
  decisions?: DecisionRing;
  /** Largest number of request headers accepted (Node silently drops past its own cap). */
  maxHeaders?: number;
}

export const DEFAULT_MAX_HEADERS = 200;

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  app.use(observe(deps));
  app.use(healthRoutes(deps));
  // The console (src/console/) has its own session auth and shows even when the router is not ready.
  app.use(consoleRoutes({ ...deps, decisions: deps.decisions ?? new DecisionRing(), server: { authenticate, readJsonBody, explainBody } }));
  app.use(gate(deps));
  app.use(authMiddleware(deps.loopbackOnly));
  app.use(jsonBody(deps.largeBodies, () => deps.store.current()?.settings.maxBodyBytes ?? 20 * 1024 * 1024));
  app.use(policyRoutes(deps));
  app.use(ruleRoutes(deps));
  app.use(modelRoutes(deps));
  app.use(dataPlaneRoutes(deps));
  app.use(providerRoutes(deps));
  app.use(explainRoutes(deps));
  app.use(usageRoutes(deps));
  app.use((_req: Request, _res: Response, next: NextFunction) => next(new RouterError('unknown_route')));
  app.use(errorHandler(deps));
  return app;
}

/** Request accounting: in-flight count for drain, route-templated metrics. */
function observe(deps: AppDeps) {
  return (req: Request, res: Response, next: NextFunction): void => {
    observeRequest(deps, req, res, () => (req.route ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched'));
    next();
  };
}

/**
 * Counts the request in flight until its response finishes or its connection closes, then records its
 * metrics; starts its server span (the no-op one when tracing is off) and ends it with the status.
 */
export function observeRequest({ metrics, lifecycle, tracing }: Pick<AppDeps, 'metrics' | 'lifecycle' | 'tracing'>, req: IncomingMessage, res: ServerResponse, route: () => string, path?: string): RequestSpan {
  const start = process.hrtime.bigint();
  const span = tracing.enabled && !UNTRACED.has(req.url ?? '') ? startRequestSpan(tracing, req.method ?? 'GET', path, req.url ?? '', req.headers) : NO_REQUEST_SPAN;
  lifecycle.begin();
  if (lifecycle.draining) res.setHeader('Connection', 'close');
  let done = false;
  const finish = (): void => {
    if (done) return;
    done = true;
    lifecycle.end();
    const status = res.headersSent ? String(res.statusCode) : '499';
    const r = route();
    metrics.httpRequests.inc({ route: r, method: methodLabel(req.method ?? ''), status });
    metrics.httpDuration.observe({ route: r }, Number(process.hrtime.bigint() - start) / 1e9);
    // After the accounting that follows the answer's end (a forwarded answer's usage is read at its close).
    if (span.recording) setImmediate(() => span.end(status === '499' ? 499 : res.statusCode, path === undefined ? r : undefined));
  };
  res.once('finish', finish);
  res.once('close', finish);
  return span;
}

/** Probes and scrapes: a span every few seconds per pod would bury the traces people look for. */
const UNTRACED = new Set(['/healthz', '/readyz', '/livez', '/metrics']);

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);
function methodLabel(m: string): string {
  return METHODS.has(m) ? m : 'other';
}

/** Not ready or draining → 503; otherwise pin the policy snapshot for this request. */
function gate(deps: AppDeps) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    req.policy = admitRequest(deps, req);
    next();
  };
}

/** The gate's checks (header count, drain, readiness): the request's policy snapshot, or a RouterError. */
export function admitRequest({ store, lifecycle, maxHeaders = DEFAULT_MAX_HEADERS }: Pick<AppDeps, 'store' | 'lifecycle' | 'maxHeaders'>, req: IncomingMessage): PolicySet {
  if (req.rawHeaders.length / 2 > maxHeaders) throw new RouterError('too_many_headers');
  if (lifecycle.draining) throw new RouterError('server_draining', undefined, null, { 'retry-after': '1' });
  const set = store.current();
  if (!set) throw new RouterError('policy_not_loaded', undefined, null, { 'retry-after': '5' });
  return set;
}

function errorHandler(deps: AppDeps) {
  // Express recognises error handlers by their four parameters.
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    answerError(deps, err, res, req.route?.path ?? 'unmatched', req.policy?.settings.errors?.includeRaw === true);
  };
}

/** Any error as an answer in the OpenAI error shape; unexpected ones are counted and logged (masked). */
/** `includeRaw`: the policy's Settings.errors.includeRaw (a provider failure then carries its scrubbed raw body). */
export function answerError(
  { logger, metrics }: Pick<AppDeps, 'logger' | 'metrics'>,
  err: unknown,
  res: ServerResponse,
  route: string,
  includeRaw = false,
  /** The route's front dialect's error body (Messages: Anthropic's envelope); OpenAI's otherwise. */
  envelope?: ErrorEnvelope,
): void {
  if (err instanceof RouterError) {
    sendError(res, err, envelope);
    return;
  }
  if (err instanceof ClientGoneError) {
    res.destroy();
    return;
  }
  if (err instanceof UpstreamHttpError) {
    sendUpstreamError(res, err, includeRaw, envelope);
    return;
  }
  // Express's own client errors (e.g. a malformed %-escape in the path) carry a 4xx status: the caller's fault, not a bug.
  const status = (err as { status?: unknown; statusCode?: unknown })?.status ?? (err as { statusCode?: unknown })?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    sendError(res, new RouterError('invalid_path'), envelope);
    return;
  }
  metrics.unhandledErrors.inc();
  logger.error({ err: { message: maskSecrets(String((err as Error)?.message)), name: (err as Error)?.name }, route }, 'unhandled error');
  sendError(res, new RouterError('internal_error'), envelope);
}
