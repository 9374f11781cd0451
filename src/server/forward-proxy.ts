// OpenAI endpoints the router forwards without translating (POST
// /v1/embeddings). This file is the dispatch step only, never a way in:
//   front door (data-plane-path.ts, the one importer): gate → authenticate →
//     large-body turn → bounded body → serveForward(caller)
//   forward pipeline (stages/forward.ts): key rpm/tpm → key scope → provider
//     filters → prompt firewall → budget → send() → account
// The proxy below runs only inside send(), which the forward pipeline calls
// after every check has passed, with the target it built; it carries that
// prepared request with http-proxy-middleware over keep-alive agents and
// reports what came back. test/security/every-route-admission.test.ts and
// embeddings-pipeline.test.ts hold each stage to it.
//
// Upstream headers are an allow-list: exactly the ones the pipeline built (the
// provider's key, its configured headers, content type and length). Nothing
// the caller sent travels — not its credentials or cookies, and not
// OpenAI-Organization, OpenAI-Project, X-Forwarded-For or any other x-*
// header, which would let a caller choose whose account the router's key bills.
import http from 'node:http';
import https from 'node:https';
import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'http-proxy-middleware';
import { wireId } from '../api/ids.js';
import { RouterError } from '../errors/registry.js';
import type { PolicySet } from '../policy/types.js';
import { runForwardPipeline, type ForwardOutcome, type ForwardTarget } from '../stages/forward.js';
import type { PipelineDeps } from '../stages/types.js';
import type { RequestSpan } from '../telemetry/request-span.js';
import type { SecretScrubber } from '../telemetry/secrets.js';
import { secretsFor } from '../upstream/secrets.js';
import type { Caller } from './auth.js';

/** Forwarded routes: the router's path → the provider's path under its base URL. */
export const FORWARDED = new Map<string, string>([['/v1/embeddings', '/embeddings']]);
/** The provider's answer ends with its usage: this much of its tail is kept to read it (bounded, whatever the size). */
const TAIL_BYTES = 4096;

/** What one forwarded exchange carries from the pipeline to the proxy's hooks. */
interface InFlight {
  target: ForwardTarget;
  secrets: SecretScrubber;
  tail: Buffer;
}
const inFlight = new WeakMap<IncomingMessage, InFlight>();

type Proxy = RequestHandler<IncomingMessage, ServerResponse>;
type Proxies = Record<'http:' | 'https:', Proxy>;
// Loaded on the first forwarded request: most deployments never make one, and the
// proxy library is several MB resident.
let proxies: Promise<Proxies> | undefined;
async function loadProxies(): Promise<Proxies> {
  const { createProxyMiddleware } = await import('http-proxy-middleware');
  return {
    'http:': makeProxy(createProxyMiddleware, new http.Agent({ keepAlive: true, maxSockets: 256 })),
    'https:': makeProxy(createProxyMiddleware, new https.Agent({ keepAlive: true, maxSockets: 256 })),
  };
}

/** One forwarded request, over plain Node objects. */
export async function serveForward(
  deps: PipelineDeps,
  endpoint: string,
  body: unknown,
  policy: PolicySet,
  caller: Caller,
  req: IncomingMessage,
  res: ServerResponse,
  workDone: () => void,
  span: RequestSpan,
): Promise<void> {
  if (body === undefined) throw new RouterError('invalid_body', 'A JSON request body is required.');
  const requestId = wireId('req_');
  res.setHeader('x-request-id', requestId);
  await runForwardPipeline(deps, {
    api: 'embeddings',
    endpoint,
    body: body as Record<string, unknown>,
    policy,
    caller: caller.name,
    requestId,
    workDone,
    span,
    send: async (target) => {
      const flight: InFlight = { target, secrets: secretsFor(policy), tail: Buffer.alloc(0) };
      inFlight.set(req, flight);
      const proxy = (await (proxies ??= loadProxies()))[new URL(target.origin).protocol as 'http:' | 'https:'];
      const answered = outcomeOf(res, flight);
      await proxy(req, res, () => {});
      return answered;
    },
  });
}

/** Resolves when the answer to the client has ended: its status and the usage read from its tail. */
function outcomeOf(res: ServerResponse, flight: InFlight): Promise<ForwardOutcome> {
  return new Promise((resolve) => {
    res.once('close', () => {
      const m = /"prompt_tokens"\s*:\s*(\d+)/.exec(flight.tail.toString('utf8'));
      resolve({ status: res.headersSent ? res.statusCode : 502, ...(m ? { inputTokens: Number(m[1]) } : {}) });
    });
  });
}

/** The forwarded exchange `req` belongs to (set by serveForward before the proxy runs). */
function flightOf(req: IncomingMessage): InFlight {
  const f = inFlight.get(req);
  if (!f) throw new Error('a forwarded request without its pipeline target');
  return f;
}

function makeProxy(createProxyMiddleware: typeof import('http-proxy-middleware').createProxyMiddleware, agent: http.Agent): Proxy {
  return createProxyMiddleware<IncomingMessage, ServerResponse>({
    router: (req) => flightOf(req).target.origin,
    target: 'http://127.0.0.1:9', // replaced per request by `router`
    changeOrigin: true,
    agent,
    proxyTimeout: 120_000,
    pathRewrite: (_path, req) => flightOf(req).target.path,
    on: {
      proxyReq: (proxyReq: ClientRequest, req: IncomingMessage) => {
        const target = flightOf(req).target;
        // The allow-list: drop everything http-proxy copied from the caller, then set the pipeline's headers.
        for (const name of proxyReq.getHeaderNames()) if (name !== 'host') proxyReq.removeHeader(name);
        for (const [name, value] of Object.entries(target.headers)) proxyReq.setHeader(name, value);
        proxyReq.write(target.body);
      },
      proxyRes: (proxyRes: IncomingMessage, req: IncomingMessage, res: ServerResponse) => {
        const flight = flightOf(req);
        delete proxyRes.headers['set-cookie'];
        if ((proxyRes.statusCode ?? 502) >= 400) scrubbedErrorBody(proxyRes, res, flight.secrets, flight.target.provider.name);
        // Keep only the last TAIL_BYTES of the answer: where an OpenAI-compatible provider puts `usage`.
        proxyRes.on('data', (chunk: Buffer) => {
          const tail = flight.tail;
          flight.tail = tail.length + chunk.length <= TAIL_BYTES ? Buffer.concat([tail, chunk]) : Buffer.concat([tail, chunk]).subarray(-TAIL_BYTES);
        });
      },
      error: (_err: Error, _req: IncomingMessage, res: ServerResponse | import('node:net').Socket) => {
        if (!('writeHead' in res) || res.headersSent) {
          res.destroy();
          return;
        }
        res.writeHead(502, { 'content-type': 'application/json' });
        const provider = inFlight.get(_req)?.target.provider.name ?? null;
        res.end(JSON.stringify({ error: { message: 'The provider could not be reached.', type: 'server_error', param: null, code: 'upstream_error', provider, http_status: 502 } }));
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
function scrubbedErrorBody(proxyRes: IncomingMessage, res: ServerResponse, secrets: SecretScrubber, provider: string): void {
  const status = proxyRes.statusCode ?? 502;
  delete proxyRes.headers['content-length'];
  const chunks: Buffer[] = [];
  let size = 0;
  const keep = (chunk: unknown): void => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function' || size >= MAX_ERROR_BODY) return;
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    chunks.push(b);
    size += b.length;
  };
  const end = res.end.bind(res) as (chunk?: unknown) => ServerResponse;
  res.write = ((chunk: unknown) => {
    keep(chunk);
    return true;
  }) as ServerResponse['write'];
  res.end = ((chunk?: unknown) => {
    keep(chunk);
    return end(withEnvelopeFields(secrets.scrub(Buffer.concat(chunks).subarray(0, MAX_ERROR_BODY).toString('utf8')), provider, status));
  }) as ServerResponse['end'];
}

/**
 * A provider's `{error: {…}}` body gains the router's envelope fields (docs/clients/hosted-contract.md):
 * `provider` and `http_status` (the router's values win over any the provider sent). Any other body
 * (not JSON, another shape) passes as it came.
 */
function withEnvelopeFields(text: string, provider: string, status: number): string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return text;
  }
  const error = (body as { error?: unknown } | null)?.error;
  if (!error || typeof error !== 'object' || Array.isArray(error)) return text;
  return JSON.stringify({ ...(body as object), error: { ...error, provider, http_status: status } });
}
