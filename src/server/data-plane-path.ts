// The front door of the data plane: every POST that reaches a provider —
// /v1/responses, /v1/chat/completions, /v1/messages (the pipeline,
// src/pipeline.ts, in each route's front dialect, api/dialects.ts) and the
// forwarded /v1/embeddings (stages/forward.ts) — enters here, in any spelling
// (letter case, a trailing slash, a query such as Anthropic's ?beta=true), and
// takes the same steps in the same order: observe → gate → authenticate →
// wait for a large body's turn → bounded JSON body → exchange → error in the
// route's envelope (OpenAI's, or Anthropic's for /v1/messages). Express serves every other
// route (admin, read-only, explain, replay) and never a data-plane one.
//
// Why not Express for these: its per-request work — re-prototyping req and
// res, walking the middleware and router layers, decorating the response —
// was measured at a quarter of the router's CPU per request (README,
// Performance); none of it changes what these routes do.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { dialectOf } from '../api/dialects.js';
import type { Api } from '../canonical/types.js';
import type { ErrorEnvelope } from '../errors/registry.js';
import { errorSummary, UpstreamHttpError } from '../upstream/errors.js';
import { admitRequest, answerError, observeRequest, type AppDeps } from './app.js';
import { authenticate, presentedKey, type Caller } from './auth.js';
import { readJsonBody } from './body.js';
import { FORWARDED, serveForward } from './forward-proxy.js';
import { serveExchange } from './exchange.js';
import { serveCountTokens } from './count-tokens-route.js';
import type { PolicySet } from '../policy/types.js';
import type { RequestSpan } from '../telemetry/request-span.js';

/** How one data-plane route is served, from the body on. */
type Serve = (deps: AppDeps, body: unknown, policy: PolicySet, caller: Caller, req: IncomingMessage, res: ServerResponse, workDone: () => void, span: RequestSpan) => Promise<void>;

const pipeline =
  (api: Api): Serve =>
  (deps, body, policy, caller, req, res, workDone, span) =>
    serveExchange(deps, api, body, policy, caller, res, workDone, req.headers, span);
const forward =
  (endpoint: string): Serve =>
  (deps, body, policy, caller, req, res, workDone, span) =>
    serveForward(deps, endpoint, body, policy, caller, req, res, workDone, span);

/** The front dialect of each pipeline route (api/dialects.ts): its body, answers and error envelope. */
const DIALECT_ROUTES = new Map<string, Api>([
  ['/v1/responses', 'responses'],
  ['/v1/chat/completions', 'chat'],
  ['/v1/messages', 'messages'],
]);

/** Route (its metric label) → how it is served. */
const ROUTES = new Map<string, Serve>([
  ...[...DIALECT_ROUTES].map(([path, api]): [string, Serve] => [path, pipeline(api)]),
  ['/v1/messages/count_tokens', (deps, body, policy, caller, _req, res, workDone, span) => serveCountTokens(deps, body, policy, caller, res, workDone, span)],
  ...[...FORWARDED].map(([path, endpoint]): [string, Serve] => [path, forward(endpoint)]),
]);

/** The error envelope a route's clients expect, from the first refusal on (authentication included). */
const ERRORS_IN_DIALECT = new Map<string, Api>([...DIALECT_ROUTES, ['/v1/messages/count_tokens', 'messages']]);
function envelopeOf(path: string): ErrorEnvelope | undefined {
  const api = ERRORS_IN_DIALECT.get(path);
  return api === undefined ? undefined : dialectOf(api).errorEnvelope;
}

/** The route a path names, spelled as Express would match it: any letter case, one optional trailing slash. */
function routeOf(url: string): string {
  const q = url.indexOf('?');
  let path = q < 0 ? url : url.slice(0, q);
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  return ROUTES.has(path) ? path : path.toLowerCase();
}

/** The server's request listener; `.app` is the Express app behind it (tests walk its routes). */
export function withDataPlanePath<A extends RequestListener>(deps: AppDeps, app: A): RequestListener & { app: A } {
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method === 'POST') {
      const route = routeOf(req.url ?? '');
      const serve = ROUTES.get(route);
      if (serve !== undefined) {
        void enter(deps, route, serve, req, res);
        return;
      }
    }
    app(req, res);
  };
  return Object.assign(listener, { app });
}

async function enter(deps: AppDeps, path: string, serve: Serve, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // As in Express, a request refused before its route handler runs is labelled 'unmatched'.
  let route = 'unmatched';
  let includeRaw = false;
  const span = observeRequest(deps, req, res, () => route, path);
  try {
    const policy = admitRequest(deps, req);
    includeRaw = policy.settings.errors?.includeRaw === true;
    const caller = authenticate(policy, presentedKey(req.headers), deps.loopbackOnly);
    if (span.recording) span.set({ 'tokenrouter.caller': caller.name, 'tokenrouter.policy_version': policy.version });
    // A large body waits for its turn before it is read (large-body-gate.ts); the pipeline ends the turn
    // once the prompt is screened, and the response's end ends it in any case.
    const release = await deps.largeBodies.enter(req);
    res.once('close', release);
    const body = await readJsonBody(req, policy.settings.maxBodyBytes);
    route = path;
    await serve(deps, body?.value, policy, caller, req, res, release, span);
  } catch (err) {
    if (span.recording) span.set({ 'error.type': errorType(err) });
    answerError(deps, err, res, route, includeRaw, envelopeOf(path));
  }
}

/** The error.type of a refused or failed request: its OpenAI error code (a provider failure without one: its type), else its class. */
function errorType(err: unknown): string {
  return errorSummary(err)?.code ?? (err instanceof UpstreamHttpError ? err.mapped.type : ((err as Error)?.name ?? 'error'));
}
