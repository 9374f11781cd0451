// /console: the read-only web console. Mounted before the readiness gate and
// the data plane's key check (app.ts): the static files are public (they hold
// no data) and show even on a router that is not ready; every /console/api
// route but login needs a session (sessions.ts) — or none at all when the
// router serves anonymous loopback callers (no ApiKeys, listening on loopback).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { IncomingMessage } from 'node:http';
import { Router, type NextFunction, type Request, type Response } from 'express';
import { RouterError, sendError, type ErrorCode } from '../errors/registry.js';
import type { PolicySet } from '../policy/types.js';
import type { Caller } from '../server/auth.js';
import type { AppDeps } from '../server/app.js';
import type { ConsoleServerParts } from './server-parts.js';
import { groupUsage } from '../state/usage-ledger.js';
import { DecisionRing, DEFAULT_DECISIONS } from './decision-ring.js';
import { detail, listDecisions, parseFilter } from './decision-views.js';
import { LiveStreams } from './live-stream.js';
import { liveStats } from './live-stats.js';
import { LoginLimit } from './login-limit.js';
import { overviewView } from './overview.js';
import { providersView } from './provider-views.js';
import { rulesView } from './rule-views.js';
import { setSecurityHeaders } from './security-headers.js';
import { clearCookie, ConsoleSessions, sessionCookie, setCookie } from './sessions.js';
import { assetPath, consoleDir, contentType, loadVendorFiles } from './static-files.js';

export type ConsoleDeps = Pick<AppDeps, 'store' | 'metrics' | 'lifecycle' | 'loopbackOnly' | 'resilience' | 'liveInputs' | 'state' | 'conversations'> & {
  decisions: DecisionRing;
  /** The server's own key check, body reader and explain (app.ts passes them: the console sits above no server code). */
  server: ConsoleServerParts;
  /** Where the UI's files are (default: console/ at the repository root). */
  consoleDir?: string;
};

const MAX_LOGIN_BODY = 4096;
const MAX_USAGE_DAYS = 366;

declare module 'express-serve-static-core' {
  interface Request {
    consoleCaller?: Caller;
  }
}

/** A console refusal in the router's one error shape (errors/registry.ts). */
function consoleError(res: Response, code: ErrorCode, message?: string): void {
  sendError(res, new RouterError(code, message));
}

/** Anonymous loopback: the data plane's own condition (auth.ts) for serving callers without a key, loopback only. */
function anonymousLoopback(set: PolicySet | undefined, loopbackOnly: boolean): boolean {
  return loopbackOnly && (set === undefined || set.apiKeys.length === 0);
}

function secure(req: IncomingMessage): boolean {
  return (req.socket as { encrypted?: boolean }).encrypted === true || String(req.headers['x-forwarded-proto'] ?? '').split(',')[0]!.trim() === 'https';
}

export function consoleRoutes(deps: ConsoleDeps): Router {
  const r = Router();
  const { authenticate, readJsonBody, explainBody } = deps.server;
  const ring = deps.decisions;
  const sessions = new ConsoleSessions();
  const logins = new LoginLimit();
  const vendor = loadVendorFiles();
  const dir = deps.consoleDir ?? consoleDir();
  // The console's own open requests (its SSE streams above all) are not the router's traffic.
  let ownInFlight = 0;
  const stats = () => liveStats(ring, deps.state, deps.lifecycle.inFlight - ownInFlight);
  const live = new LiveStreams(ring, stats, undefined, () => deps.lifecycle.draining);
  // The ring follows Settings.console.decisions of the live set.
  const resize = (): void => ring.resize(deps.store.current()?.settings.console?.decisions ?? DEFAULT_DECISIONS);
  resize();
  deps.store.onReload(resize);

  r.use((req: Request, res: Response, next: NextFunction) => {
    if (req.path !== '/console' && !req.path.startsWith('/console/')) return next();
    setSecurityHeaders(res);
    if (deps.store.current()?.settings.console?.enabled === false) return next(new RouterError('unknown_route'));
    ownInFlight++;
    let done = false;
    const end = (): void => {
      if (!done) ownInFlight--;
      done = true;
    };
    res.once('finish', end);
    res.once('close', end);
    next();
  });

  // ---- static files (public) ----
  const sendFile = (res: Response, file: string | undefined): void => {
    if (!file || !existsSync(file)) throw new RouterError('unknown_route');
    res.setHeader('content-type', contentType(file) ?? 'application/octet-stream');
    res.setHeader('cache-control', 'no-cache');
    res.end(readFileSync(file));
  };
  r.get(['/console', '/console/'], (_req, res) => sendFile(res, path.join(dir, 'index.html')));
  r.get('/console/assets/:file', (req, res) => sendFile(res, assetPath(dir, req.params.file!)));
  r.get('/console/vendor/:file', (req, res) => {
    const f = vendor.get(req.params.file!);
    if (!f) throw new RouterError('unknown_route');
    res.setHeader('content-type', f.type);
    res.setHeader('cache-control', 'no-cache');
    res.end(f.body);
  });

  // ---- session ----
  r.post('/console/api/session', async (req, res) => {
    const address = req.socket.remoteAddress ?? 'unknown';
    if (!logins.allowed(address)) {
      res.setHeader('retry-after', '60');
      return consoleError(res, 'rate_limit_exceeded', 'Too many failed console logins from this address; retry in a minute.');
    }
    const body = (await readJsonBody(req, MAX_LOGIN_BODY))?.value;
    const key = typeof body?.key === 'string' && body.key !== '' ? body.key : undefined;
    const set = deps.store.current();
    if (!set) throw new RouterError('policy_not_loaded');
    let caller: Caller | undefined;
    try {
      // The data plane's check, constant-time over every stored hash; no keys configured means no key is valid.
      caller = set.apiKeys.length > 0 ? authenticate(set, key, deps.loopbackOnly) : undefined;
    } catch {
      caller = undefined;
    }
    if (!caller) {
      logins.failed(address);
      return consoleError(res, 'invalid_api_key', 'Unknown API key.');
    }
    if (!caller.admin) {
      logins.failed(address);
      return consoleError(res, 'console_admin_required');
    }
    res.setHeader('set-cookie', setCookie(sessions.create(caller.name), secure(req)));
    res.status(204).end();
  });
  r.delete('/console/api/session', (req, res) => {
    sessions.delete(sessionCookie(req.headers.cookie));
    res.setHeader('set-cookie', clearCookie(secure(req)));
    res.status(204).end();
  });

  /** The console caller: anonymous loopback, or the session's key; undefined when a login is needed. */
  const who = (req: Request): Caller | undefined => {
    const set = deps.store.current();
    if (anonymousLoopback(set, deps.loopbackOnly)) return { name: 'anonymous', anonymous: true, admin: true };
    const key = set ? sessions.check(sessionCookie(req.headers.cookie), set) : undefined;
    return key !== undefined ? { name: key, anonymous: false, admin: true } : undefined;
  };

  r.get('/console/api/me', (req, res) => {
    const c = who(req);
    res.json({ anonymous: c?.anonymous === true, key: c && !c.anonymous ? c.name : null, loginRequired: c === undefined });
  });

  r.use('/console/api', (req: Request, res: Response, next: NextFunction) => {
    const c = who(req);
    if (!c) return consoleError(res, 'console_session_required');
    req.consoleCaller = c;
    next();
  });

  // ---- data ----
  r.get('/console/api/overview', async (_req, res) => {
    res.json(overviewView(deps.store, deps.store.ready() && !deps.lifecycle.draining, await stats()));
  });

  /** The live set, or 503 (only the overview answers on a router that is not ready). */
  const policy = (): PolicySet => {
    const set = deps.store.current();
    if (!set) throw new RouterError('policy_not_loaded');
    return set;
  };

  r.get('/console/api/rules', async (_req, res) => {
    res.json(await rulesView(policy(), deps.metrics, deps.store.warnings()));
  });
  r.get('/console/api/providers', (_req, res) => {
    res.json(providersView(policy(), deps.resilience, deps.liveInputs));
  });
  r.get('/console/api/decisions', (req, res) => {
    const f = parseFilter(req.query as Record<string, unknown>);
    if (typeof f === 'string') throw new RouterError('invalid_parameter', f, 'limit');
    res.json({ data: listDecisions(ring.newestFirst(), f) });
  });
  r.get('/console/api/decisions/:id', (req, res) => {
    const d = ring.find(req.params.id!);
    if (!d) return consoleError(res, 'decision_not_found');
    res.json(detail(d));
  });
  r.get('/console/api/usage', async (req, res) => {
    const days = req.query.days === undefined || req.query.days === '' ? 7 : Number(req.query.days);
    if (!Number.isInteger(days) || days < 1 || days > MAX_USAGE_DAYS) throw new RouterError('invalid_parameter', `\`days\` must be an integer from 1 to ${MAX_USAGE_DAYS}.`, 'days');
    const now = Date.now();
    const to = new Date(now).toISOString().slice(0, 10);
    const from = new Date(now - (days - 1) * 86_400_000).toISOString().slice(0, 10);
    const rows = await deps.state.queryUsage({ from, to });
    res.json({
      days: groupUsage(rows, ['day', 'key', 'provider', 'model']).map((g) => ({
        day: g.day!,
        key: g.key!,
        provider: g.provider!,
        model: g.model!,
        requests: g.requests,
        inputTokens: g.input_tokens,
        outputTokens: g.output_tokens,
        costUsd: g.cost_usd,
      })),
    });
  });
  r.post('/console/api/explain', async (req, res) => {
    const set = policy();
    const body = (await readJsonBody(req, set.settings.maxBodyBytes))?.value;
    res.json(await explainBody(deps, set, req.consoleCaller!, body as Record<string, any> | undefined));
  });
  r.get('/console/api/live', (req, res) => {
    if (!live.start(res)) consoleError(res, 'too_many_live_streams');
  });

  // Anything else under /console: 404 here, before the data plane's gate and key check.
  r.use((req: Request, _res: Response, next: NextFunction) => {
    if (req.path === '/console' || req.path.startsWith('/console/')) return next(new RouterError('unknown_route'));
    next();
  });
  return r;
}
