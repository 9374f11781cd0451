// Pass-through for OpenAI-compatible endpoints the router does not translate
// (POST /v1/embeddings), proxied with http-proxy-middleware over keep-alive
// agents. The provider comes from `router_provider`, a rule's set_provider, a
// `provider/model` model string, or the first OpenAI-type provider with a key.
// The caller's credentials and cookies are replaced by the provider's key; the
// body is re-serialised without router fields.
import http from 'node:http';
import https from 'node:https';
import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { RequestHandler } from 'http-proxy-middleware';
import type { AppDeps } from '../app.js';
import type { PolicySet, ProviderSpec } from '../../policy/types.js';
import { combineActions } from '../../routing/actions.js';
import { evaluateRules } from '../../routing/evaluate.js';
import { buildFacts } from '../../routing/facts.js';
import { providerAlias } from '../../routing/model-string.js';
import { providerKey } from '../../upstream/credentials.js';
import { RouterError } from '../../errors/registry.js';

interface Passthrough {
  origin: string;
  path: string;
  body: string;
  key: string;
}

declare module 'express-serve-static-core' {
  interface Request {
    passthrough?: Passthrough;
  }
}

const PASS_THROUGH = ['/v1/embeddings'] as const;

export function passthroughRoutes(_deps: AppDeps): Router {
  const r = Router();
  // Loaded on the first pass-through request: most deployments never make one, and the
  // proxy library is several MB resident.
  let proxies: Promise<Record<'http:' | 'https:', RequestHandler<Request, Response>>> | undefined;
  const loadProxies = async (): Promise<Record<'http:' | 'https:', RequestHandler<Request, Response>>> => {
    const { createProxyMiddleware } = await import('http-proxy-middleware');
    return {
      'http:': makeProxy(createProxyMiddleware, new http.Agent({ keepAlive: true, maxSockets: 256 })),
      'https:': makeProxy(createProxyMiddleware, new https.Agent({ keepAlive: true, maxSockets: 256 })),
    };
  };
  for (const path of PASS_THROUGH) {
    r.post(path, async (req: Request, res: Response, next: NextFunction) => {
      const pt = await prepare(req, path.replace(/^\/v1/, ''));
      req.passthrough = pt;
      const proxy = (await (proxies ??= loadProxies()))[new URL(pt.origin).protocol as 'http:' | 'https:'];
      await proxy(req, res, next);
    });
  }
  return r;
}

function makeProxy(createProxyMiddleware: typeof import('http-proxy-middleware').createProxyMiddleware, agent: http.Agent): RequestHandler<Request, Response> {
  return createProxyMiddleware<Request, Response>({
    router: (req) => req.passthrough!.origin,
    target: 'http://127.0.0.1:9', // replaced per request by `router`
    changeOrigin: true,
    agent,
    proxyTimeout: 120_000,
    pathRewrite: (_path, req) => req.passthrough!.path,
    on: {
      proxyReq: (proxyReq: ClientRequest, req: Request) => {
        const pt = req.passthrough!;
        for (const h of ['authorization', 'cookie', 'x-api-key', 'x-goog-api-key', 'proxy-authorization']) proxyReq.removeHeader(h);
        proxyReq.setHeader('authorization', `Bearer ${pt.key}`);
        proxyReq.setHeader('content-type', 'application/json');
        proxyReq.setHeader('content-length', Buffer.byteLength(pt.body));
        proxyReq.removeHeader('content-encoding');
        proxyReq.write(pt.body);
      },
      proxyRes: (proxyRes: IncomingMessage) => {
        delete proxyRes.headers['set-cookie'];
      },
      error: (_err: Error, _req: IncomingMessage, res: ServerResponse | import('node:net').Socket) => {
        if (!('writeHead' in res) || res.headersSent) {
          res.destroy();
          return;
        }
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'The provider could not be reached.', type: 'server_error', param: null, code: 'upstream_error' } }));
      },
    },
  });
}

async function prepare(req: Request, path: string): Promise<Passthrough> {
  const set = req.policy!;
  const body = { ...(req.body as Record<string, unknown>) };
  let provider: Readonly<ProviderSpec> | undefined;
  const requested = typeof body.router_provider === 'string' ? providerAlias(body.router_provider) : undefined;
  if (requested !== undefined) provider = known(set, requested, 'router_provider');
  if (!provider) {
    const text = typeof body.input === 'string' ? body.input : Array.isArray(body.input) ? body.input.filter((x) => typeof x === 'string').join('\n') : '';
    const { matched } = await evaluateRules(set, buildFacts({ text, mode: set.settings.defaultMode, model: String(body.model ?? ''), apiKey: req.caller?.name ?? 'anonymous' }), { trace: false });
    const forced = combineActions(matched).provider?.value;
    if (forced) provider = known(set, forced, 'model');
  }
  if (typeof body.model === 'string' && body.model.includes('/')) {
    const [p, ...rest] = body.model.split('/');
    if (!provider) provider = known(set, providerAlias(p!), 'model');
    body.model = rest.join('/');
  }
  provider ??= [...set.providers.values()].find((p) => p.enabled !== false && (p.type === 'openai' || p.type === 'openai-compatible') && providerKey(p));
  if (!provider) throw new RouterError('no_candidates', 'No OpenAI-compatible provider with credentials can serve this endpoint.');
  if (provider.type !== 'openai' && provider.type !== 'openai-compatible') {
    throw new RouterError('unsupported_parameter', `Provider "${provider.name}" (${provider.type}) does not offer this OpenAI endpoint.`, 'router_provider');
  }
  const key = providerKey(provider);
  if (!key) throw new RouterError('no_candidates', `Provider "${provider.name}" has no credentials configured.`);
  for (const k of Object.keys(body)) if (k.startsWith('router_')) delete body[k];
  const base = new URL(provider.baseUrl);
  return { origin: base.origin, path: base.pathname.replace(/\/$/, '') + path, body: JSON.stringify(body), key };
}

function known(set: PolicySet, name: string, param: string): Readonly<ProviderSpec> {
  const p = set.providers.get(name);
  if (!p) throw new RouterError('unknown_model', `Unknown provider "${name}". Valid providers: ${[...set.providers.keys()].join(', ')}.`, param);
  return p;
}
