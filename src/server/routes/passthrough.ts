// OpenAI endpoints the router forwards without translating (POST
// /v1/embeddings). Every stage — key limits, scope, provider filters, prompt
// firewall, budget, accounting — is the forward pipeline's
// (stages/forward.ts); this route only carries the prepared request with
// http-proxy-middleware over keep-alive agents and reports what came back.
//
// Upstream headers are an allow-list: exactly the ones the pipeline built (the
// provider's key, its configured headers, content type and length). Nothing
// the caller sent travels — not its credentials or cookies, and not
// OpenAI-Organization, OpenAI-Project, X-Forwarded-For or any other x-*
// header, which would let a caller choose whose account the router's key bills.
import http from 'node:http';
import https from 'node:https';
import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { RequestHandler } from 'http-proxy-middleware';
import { wireId } from '../../api/ids.js';
import { RouterError } from '../../errors/registry.js';
import { runForwardPipeline, type ForwardOutcome, type ForwardTarget } from '../../stages/forward.js';
import type { PipelineDeps } from '../../stages/types.js';
import type { SecretScrubber } from '../../telemetry/secrets.js';
import { secretsFor } from '../../upstream/secrets.js';

declare module 'express-serve-static-core' {
  interface Request {
    forward?: ForwardTarget;
  }
}

const FORWARDED = [['/v1/embeddings', '/embeddings']] as const;
/** The provider's answer ends with its usage: this much of its tail is kept to read it (bounded, whatever the size). */
const TAIL_BYTES = 4096;

type Proxies = Record<'http:' | 'https:', RequestHandler<Request, Response>>;

export function passthroughRoutes(deps: PipelineDeps): Router {
  const r = Router();
  // Loaded on the first forwarded request: most deployments never make one, and the
  // proxy library is several MB resident.
  let proxies: Promise<Proxies> | undefined;
  const loadProxies = async (): Promise<Proxies> => {
    const { createProxyMiddleware } = await import('http-proxy-middleware');
    return {
      'http:': makeProxy(createProxyMiddleware, new http.Agent({ keepAlive: true, maxSockets: 256 })),
      'https:': makeProxy(createProxyMiddleware, new https.Agent({ keepAlive: true, maxSockets: 256 })),
    };
  };
  for (const [path, endpoint] of FORWARDED) {
    r.post(path, async (req: Request, res: Response, next: NextFunction) => {
      if (req.body === undefined) throw new RouterError('invalid_body', 'A JSON request body is required.');
      const requestId = wireId('req_');
      res.setHeader('x-request-id', requestId);
      await runForwardPipeline(deps, {
        api: 'embeddings',
        endpoint,
        body: req.body as Record<string, unknown>,
        policy: req.policy!,
        caller: req.caller?.name ?? 'anonymous',
        requestId,
        workDone: () => {},
        send: async (target) => {
          req.forward = target;
          const proxy = (await (proxies ??= loadProxies()))[new URL(target.origin).protocol as 'http:' | 'https:'];
          const answered = outcomeOf(res);
          await proxy(req, res, next);
          return answered;
        },
      });
    });
  }
  return r;
}

/** Resolves when the answer to the client has ended: its status and the usage read from its tail. */
function outcomeOf(res: Response): Promise<ForwardOutcome> {
  return new Promise((resolve) => {
    res.once('close', () => {
      const tail = (res.locals.forwardTail as Buffer | undefined)?.toString('utf8') ?? '';
      const m = /"prompt_tokens"\s*:\s*(\d+)/.exec(tail);
      resolve({ status: res.headersSent ? res.statusCode : 502, ...(m ? { inputTokens: Number(m[1]) } : {}) });
    });
  });
}

function makeProxy(createProxyMiddleware: typeof import('http-proxy-middleware').createProxyMiddleware, agent: http.Agent): RequestHandler<Request, Response> {
  return createProxyMiddleware<Request, Response>({
    router: (req) => req.forward!.origin,
    target: 'http://127.0.0.1:9', // replaced per request by `router`
    changeOrigin: true,
    agent,
    proxyTimeout: 120_000,
    pathRewrite: (_path, req) => req.forward!.path,
    on: {
      proxyReq: (proxyReq: ClientRequest, req: Request) => {
        const target = req.forward!;
        // The allow-list: drop everything http-proxy copied from the caller, then set the pipeline's headers.
        for (const name of proxyReq.getHeaderNames()) if (name !== 'host') proxyReq.removeHeader(name);
        for (const [name, value] of Object.entries(target.headers)) proxyReq.setHeader(name, value);
        proxyReq.write(target.body);
      },
      proxyRes: (proxyRes: IncomingMessage, req: Request, res: Response) => {
        delete proxyRes.headers['set-cookie'];
        if ((proxyRes.statusCode ?? 502) >= 400) scrubbedErrorBody(proxyRes, res, secretsFor(req.policy));
        // Keep only the last TAIL_BYTES of the answer: where an OpenAI-compatible provider puts `usage`.
        let tail = Buffer.alloc(0);
        proxyRes.on('data', (chunk: Buffer) => {
          tail = tail.length + chunk.length <= TAIL_BYTES ? Buffer.concat([tail, chunk]) : Buffer.concat([tail, chunk]).subarray(-TAIL_BYTES);
          res.locals.forwardTail = tail;
        });
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

/** An upstream error body is read whole (up to this much) so it can be scrubbed before the client sees it. */
const MAX_ERROR_BODY = 64 * 1024;

/**
 * A provider's error answer passes the policy set's secret scrubber (a
 * provider may quote the key it was sent): its length header is dropped (the
 * scrubbed body is sent chunked) and what http-proxy pipes into the response
 * is held until the end, then written scrubbed. Success bodies stream as
 * they are.
 */
function scrubbedErrorBody(proxyRes: IncomingMessage, res: Response, secrets: SecretScrubber): void {
  delete proxyRes.headers['content-length'];
  const chunks: Buffer[] = [];
  let size = 0;
  const keep = (chunk: unknown): void => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function' || size >= MAX_ERROR_BODY) return;
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    chunks.push(b);
    size += b.length;
  };
  const end = res.end.bind(res) as (chunk?: unknown) => Response;
  res.write = ((chunk: unknown) => {
    keep(chunk);
    return true;
  }) as Response['write'];
  res.end = ((chunk?: unknown) => {
    keep(chunk);
    return end(secrets.scrub(Buffer.concat(chunks).subarray(0, MAX_ERROR_BODY).toString('utf8')));
  }) as Response['end'];
}
