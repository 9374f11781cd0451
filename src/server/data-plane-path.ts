// The lean path for the two hot routes, POST /v1/responses and POST
// /v1/chat/completions: the same steps as the Express stack in app.ts, in the
// same order (observe → gate → authenticate → bounded JSON body → exchange →
// error in the OpenAI shape), called directly on Node's request and response.
// Express stays the server for every other route, and for these paths in any
// other spelling (trailing slash, other case), where its router decides.
//
// Why: Express's per-request work — re-prototyping req and res, walking the
// middleware and router layers, decorating the response — was measured at a
// quarter of the router's CPU per request (README, Performance); none of it
// changes what these two routes do.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Api } from '../canonical/types.js';
import { admitRequest, answerError, observeRequest, type AppDeps } from './app.js';
import { authenticate } from './auth.js';
import { readJsonBody } from './body.js';
import { serveExchange } from './routes/data-plane.js';

const ROUTES = new Map<string, Api>([
  ['/v1/responses', 'responses'],
  ['/v1/chat/completions', 'chat'],
]);

/** The server's request listener; `.app` is the Express app behind it (tests walk its routes). */
export function withDataPlanePath<A extends RequestListener>(deps: AppDeps, app: A): RequestListener & { app: A } {
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method === 'POST') {
      const url = req.url ?? '';
      const q = url.indexOf('?');
      const path = q < 0 ? url : url.slice(0, q);
      const api = ROUTES.get(path);
      if (api !== undefined) {
        void serve(deps, api, path, req, res);
        return;
      }
    }
    app(req, res);
  };
  return Object.assign(listener, { app });
}

async function serve(deps: AppDeps, api: Api, path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // As in Express, a request refused before its route handler runs is labelled 'unmatched'.
  let route = 'unmatched';
  observeRequest(deps, req, res, () => route);
  try {
    const policy = admitRequest(deps, req);
    const caller = authenticate(policy, req.headers.authorization, deps.loopbackOnly);
    // A large body waits for its turn before it is read (large-body-gate.ts); the pipeline ends the turn
    // once the prompt is screened, and the response's end ends it in any case.
    const release = await deps.largeBodies.enter(req);
    res.once('close', release);
    const body = await readJsonBody(req, policy.settings.maxBodyBytes);
    route = path;
    await serveExchange(deps, api, body?.value, policy, caller, res, release);
  } catch (err) {
    answerError(deps, err, res, route);
  }
}
