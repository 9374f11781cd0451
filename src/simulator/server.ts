// The simulator's HTTP server (node:http only): path routing, auth, call
// recording, scripted faults, then the protocol module answers.

import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { anthropic, countTokens, countTokensInvalid } from './anthropic.js';
import { azureAuthError, azureAuthorized, azureNoApiVersion, azureRoute } from './azure.js';
import { bedrock } from './bedrock.js';
import { authError, kindError, nativeError, type ErrorFamily, type NativeError } from './errors.js';
import { gemini } from './gemini.js';
import { VertexAuth, vertexAnthropicBody, vertexRoute, vertexUnauthenticated } from './vertex.js';
import { openaiChat } from './openai-chat.js';
import { openaiResponses } from './openai-responses.js';
import { planAnswer, withCache } from './plan.js';
import type { ProtocolContext, WireProtocol } from './protocol.js';
import { ReasoningLedger } from './reasoning.js';
import { verifySigV4 } from './sigv4.js';
import { ScriptState, type Selected } from './script.js';
import { countWords, embeddingBase64, embeddingFor, IdGen } from './text.js';
import type { RecordedCall, SimProtocol, SimProvider, Simulator, SimulatorOptions, SimScript } from './types.js';
import { sendAnswerJson, sendJson, sendStream, sleep, type Exchange } from './wire.js';

interface Route {
  protocol: SimProtocol | 'models';
  provider: SimProvider;
  /** Gemini: model from the URL. */
  model?: string;
  /** Gemini: streamGenerateContent. */
  stream?: boolean;
  /** Azure deployments API: the deployment from the path. */
  deployment?: string;
}

function route(method: string, pathname: string): Route | undefined {
  let m = /^\/(openai|mistral|deepseek|llama)(?:\/v1)?\/(chat\/completions|embeddings|models|responses)$/.exec(pathname);
  if (m) {
    const provider = m[1] as SimProvider;
    const what = m[2]!;
    if (what === 'models') return method === 'GET' ? { protocol: 'models', provider } : undefined;
    if (method !== 'POST') return undefined;
    if (what === 'responses') return provider === 'openai' ? { protocol: 'openai-responses', provider } : undefined;
    return { protocol: what === 'embeddings' ? 'openai-embeddings' : 'openai-chat', provider };
  }
  if (method !== 'POST') return undefined;
  const azure = azureRoute(pathname);
  if (azure) return { protocol: azure.protocol, provider: 'azure', ...(azure.deployment !== undefined ? { model: azure.deployment, deployment: azure.deployment } : {}) };
  const vertex = vertexRoute(pathname);
  if (vertex) return { protocol: vertex.publisher === 'google' ? 'gemini' : 'anthropic', provider: 'vertex', model: vertex.model, stream: vertex.stream };
  if (pathname === '/anthropic/v1/messages') return { protocol: 'anthropic', provider: 'anthropic' };
  if (pathname === '/anthropic/v1/messages/count_tokens') return { protocol: 'anthropic-count-tokens', provider: 'anthropic' };
  m = /^\/gemini\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent)$/.exec(pathname);
  if (m) return { protocol: 'gemini', provider: 'gemini', model: decodeURIComponent(m[1]!), stream: m[2] === 'streamGenerateContent' };
  m = /^\/bedrock\/model\/([^/]+)\/(converse|converse-stream)$/.exec(pathname);
  if (m) return { protocol: 'bedrock', provider: 'bedrock', model: decodeURIComponent(m[1]!), stream: m[2] === 'converse-stream' };
  return undefined;
}

function family(provider: SimProvider): ErrorFamily {
  return provider === 'anthropic' ? 'anthropic' : provider === 'gemini' || provider === 'vertex' ? 'gemini' : provider === 'bedrock' ? 'bedrock' : provider === 'mistral' ? 'mistral' : 'openai';
}

const PROTOCOLS: Record<'openai-responses' | 'openai-chat' | 'anthropic' | 'gemini' | 'bedrock', WireProtocol> = {
  'openai-responses': openaiResponses,
  'openai-chat': openaiChat,
  anthropic,
  gemini,
  bedrock,
};

function authorized(provider: SimProvider, headers: Record<string, string>, url: URL, key: string): boolean {
  if (provider === 'azure') return azureAuthorized(headers, { key });
  if (provider === 'anthropic') return headers['x-api-key'] === key;
  if (provider === 'gemini') return headers['x-goog-api-key'] === key || url.searchParams.get('key') === key;
  return headers['authorization'] === `Bearer ${key}`;
}

/** The key the request carried, wherever its protocol puts it (for echoCredentials). */
function credentialOf(provider: SimProvider, headers: Record<string, string>, url: URL): string {
  if (provider === 'anthropic') return headers['x-api-key'] ?? '';
  if (provider === 'gemini') return headers['x-goog-api-key'] ?? url.searchParams.get('key') ?? '';
  if (provider === 'azure' && headers['api-key'] !== undefined) return headers['api-key'];
  if (provider === 'bedrock') return headers['authorization'] ?? '';
  return (headers['authorization'] ?? '').replace(/^Bearer\s+/i, '');
}

/** A message that quotes the request's key, bare, as a careless upstream would. */
function echoed(message: string | undefined, echo: boolean | undefined, credential: string): string | undefined {
  if (!echo) return message;
  return `${message ?? 'The request was rejected.'} (the request carried ${credential})`;
}

function lowerHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const MODEL_LIST = ['gpt-4o-mini', 'gpt-4.1', 'gpt-5-mini', 'text-embedding-3-small'];

export class SimulatorServer implements Simulator {
  url = '';
  port = 0;
  readonly calls: RecordedCall[] = [];
  baseUrls = { openai: '', anthropic: '', gemini: '', bedrock: '', mistral: '', deepseek: '', llama: '', azure: '', vertex: '' };
  /** The Vertex OAuth endpoint's state (issued tokens; tests expire them). */
  readonly vertexAuth: VertexAuth;

  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  /** One controller per in-flight answer; close() aborts them all (pending sleeps end at once). */
  private readonly inFlight = new Set<AbortController>();
  private closed = false;
  private readonly script: ScriptState;
  private readonly ids = new IdGen();
  private readonly ledger = new ReasoningLedger();
  private requests = 0;

  constructor(private readonly opts: SimulatorOptions = {}) {
    this.script = new ScriptState(opts.script ?? {});
    this.vertexAuth = new VertexAuth(opts.vertex ?? {});
    this.server = http.createServer({ noDelay: true }, (req, res) => {
      this.handle(req, res).catch((err: Error) => {
        if (!res.headersSent) sendJson(res, 500, { error: { message: `simulator: ${err.message}`, type: 'server_error', param: null, code: null } });
        else res.destroy();
      });
    });
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  async listen(): Promise<this> {
    const host = this.opts.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port ?? 0, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
    const shown = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
    this.url = `http://${shown.includes(':') ? `[${shown}]` : shown}:${this.port}`;
    this.baseUrls = {
      openai: `${this.url}/openai/v1`,
      anthropic: `${this.url}/anthropic/v1`,
      gemini: `${this.url}/gemini/v1beta`,
      bedrock: `${this.url}/bedrock`,
      mistral: `${this.url}/mistral/v1`,
      deepseek: `${this.url}/deepseek/v1`,
      llama: `${this.url}/llama/v1`,
      // The resource endpoint: the router appends /openai/v1/… or /openai/deployments/….
      azure: `${this.url}/azure`,
      // The Vertex host: the router appends /v1/projects/…; the OAuth token_uri is `${url}/vertex/token`.
      vertex: `${this.url}/vertex`,
    };
    return this;
  }

  setScript(s: SimScript): void {
    this.script.set(s);
  }

  reset(): void {
    this.calls.length = 0;
    this.script.resetCounters();
    this.ids.reset();
    this.ledger.reset();
    this.requests = 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const c of this.inFlight) c.abort();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  private record(call: RecordedCall): void {
    const max = this.opts.maxCalls ?? 10_000;
    if (max <= 0) return;
    this.calls.push(call);
    if (this.calls.length > max) this.calls.splice(0, this.calls.length - max);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    if (req.method === 'POST' && url.pathname === '/vertex/token') {
      const answer = this.vertexAuth.token(await readBody(req), `${this.url}/vertex/token`);
      return sendJson(res, answer.status, answer.body);
    }
    const r = route(req.method ?? 'GET', url.pathname);
    if (!r) {
      req.resume();
      return sendJson(res, 404, { error: { message: `simulator: no route for ${req.method} ${url.pathname}`, type: 'invalid_request_error', param: null, code: 'not_found' } });
    }
    const headers = lowerHeaders(req);
    const fam = family(r.provider);
    this.requests += 1;
    const requestId = `req_sim${String(this.requests).padStart(6, '0')}`;
    const replyHeaders: Record<string, string> =
      fam === 'anthropic' ? { 'request-id': requestId } : fam === 'gemini' ? {} : fam === 'bedrock' ? { 'x-amzn-requestid': requestId } : { 'x-request-id': requestId };
    const sendError = (e: NativeError, extra: Record<string, string> = {}): void => sendJson(res, e.status, e.body, { ...replyHeaders, ...e.headers, ...extra });

    if (r.protocol === 'models') {
      req.resume();
      if (this.opts.requireKey !== undefined && !authorized(r.provider, headers, url, this.opts.requireKey)) return sendError(authError(fam, requestId));
      const ids = [...new Set([...MODEL_LIST, ...Object.keys(this.script.script.models ?? {})])];
      return sendJson(res, 200, { object: 'list', data: ids.map((id) => ({ id, object: 'model', created: 1767225600, owned_by: 'simulator' })) }, replyHeaders);
    }

    const raw = await readBody(req);
    let body: any = raw;
    let json = true;
    try {
      body = JSON.parse(raw);
    } catch {
      json = false;
    }
    const isObj = json && body !== null && typeof body === 'object' && !Array.isArray(body);
    const model = r.model ?? (isObj && typeof body.model === 'string' ? body.model : '');
    const stream = r.protocol === 'gemini' || r.protocol === 'bedrock' || r.provider === 'vertex' ? r.stream === true : isObj && body.stream === true;
    this.record({ protocol: r.protocol, provider: r.provider, path: url.pathname + url.search, headers, body, model, stream, at: Date.now() });

    let protoHeaders = headers;
    if (r.provider === 'azure') {
      // Azure checks its credential on every call, configured or not (azure.ts).
      const key = this.opts.azureKey ?? this.opts.requireKey;
      const auth = { ...(key !== undefined ? { key } : {}), ...(this.opts.azureToken !== undefined ? { token: this.opts.azureToken } : {}) };
      if (!azureAuthorized(headers, auth)) return sendError(azureAuthError(headers['authorization'] !== undefined));
      if (r.deployment !== undefined && !url.searchParams.get('api-version')) return sendError(azureNoApiVersion());
    } else if (r.protocol === 'bedrock') {
      // Every Bedrock call is SigV4-signed; the simulator recomputes the signature with aws4.
      const refused = this.opts.aws ? verifySigV4({ method: req.method ?? 'POST', path: req.url ?? '/', headers, body: raw }, this.opts.aws) : undefined;
      if (refused) return sendError(refused);
    } else if (r.provider === 'vertex') {
      // Vertex checks the OAuth bearer token on every call (vertex.ts).
      if (!this.vertexAuth.authorized(headers)) return sendError(vertexUnauthenticated());
      if (r.protocol === 'anthropic' && isObj) {
        const v = vertexAnthropicBody(body, model);
        if (v.error) return sendError(v.error);
        body = v.body;
        protoHeaders = { ...headers, 'anthropic-version': v.version! }; // the recorded call keeps what was sent
      }
    } else if (this.opts.requireKey !== undefined && !authorized(r.provider, headers, url, this.opts.requireKey)) return sendError(authError(fam, requestId));
    if (!isObj) return sendError(nativeError(fam, 400, json ? 'The request body must be a JSON object.' : 'We could not parse the JSON body of your request.', requestId));

    const ctx: ProtocolContext = {
      provider: r.provider,
      model,
      body,
      headers: protoHeaders,
      ids: this.ids,
      ledger: this.ledger,
      created: Math.floor(Date.now() / 1000),
      sse: url.searchParams.get('alt') === 'sse',
    };
    // Token counting: validated, then the script's latency and faults as for any call, then a count (nothing generated).
    const counting = r.protocol === 'anthropic-count-tokens';
    const proto = r.protocol === 'openai-embeddings' || r.protocol === 'anthropic-count-tokens' ? undefined : PROTOCOLS[r.protocol];
    if (this.opts.validate !== false) {
      const invalid = counting ? countTokensInvalid(ctx) : proto ? proto.validate?.(ctx) : validateEmbeddings(body);
      if (invalid) return sendError(invalid);
    }

    const sel: Selected = this.script.select(model);
    const local = new AbortController();
    if (this.closed) local.abort();
    this.inFlight.add(local);
    res.on('close', () => {
      local.abort();
      this.inFlight.delete(local);
    });
    const signal = local.signal;
    if (!(await sleep(sel.behaviour.latencyMs, signal))) return;
    if (this.script.takeReset(sel)) {
      const socket = req.socket as Socket & { resetAndDestroy?: () => void };
      if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
      else socket.destroy();
      return;
    }
    const credential = credentialOf(r.provider, headers, url);
    if (this.script.takeFail(sel)) {
      const f = sel.behaviour.fail!;
      const message = echoed(f.message, f.echoCredentials, credential);
      const e = f.kind ? kindError(fam, { kind: f.kind, ...(message !== undefined ? { message } : {}) }, requestId) : nativeError(fam, f.status, message, requestId);
      const extra: Record<string, string> = f.retryAfter !== undefined ? { 'retry-after': String(f.retryAfter) } : {};
      if (f.retryAfterMs !== undefined) extra['retry-after-ms'] = String(f.retryAfterMs);
      return sendJson(res, e.status, f.body !== undefined ? f.body : e.body, { ...replyHeaders, ...e.headers, ...extra });
    }

    if (counting) return sendJson(res, 200, countTokens(ctx), replyHeaders);

    const ib = sel.behaviour.inBandError;
    const ibMessage = echoed(ib?.message, ib?.echoCredentials, credential);
    const ex: Exchange = {
      res,
      behaviour: sel.behaviour,
      signal,
      headers: replyHeaders,
      ...(ib ? { inBand: { kind: ib.kind ?? 'server_error', ...(ibMessage !== undefined ? { message: ibMessage } : {}), ...(ib.retryAfter !== undefined ? { retryAfter: ib.retryAfter } : {}) } } : {}),
    };
    if (!proto) {
      const { body: out, tokens } = embeddings(body, model);
      return sendAnswerJson(ex, out, tokens);
    }
    const label = r.provider === 'openai' ? r.protocol : r.provider;
    const answer = withCache(planAnswer(label, model, proto.parse(ctx)), sel.behaviour.cachedInputTokens, sel.behaviour.cacheWriteTokens);
    if (stream) return sendStream(ex, proto.stream(answer, ctx));
    return sendAnswerJson(ex, proto.render(answer, ctx), answer.outputTokens);
  }
}

function validateEmbeddings(body: any): NativeError | undefined {
  const input = body.input;
  const ok = typeof input === 'string' || (Array.isArray(input) && input.length > 0);
  return ok ? undefined : nativeError('openai', 400, "'input' is a required property");
}

function embeddings(body: any, model: string): { body: unknown; tokens: number } {
  const input = body.input;
  // A token array (number[]) is one input; a string[] / number[][] is several.
  const items: unknown[] = typeof input === 'string' || (Array.isArray(input) && typeof input[0] === 'number') ? [input] : (input as unknown[]);
  let tokens = 0;
  const data = items.map((item, index) => {
    const text = typeof item === 'string' ? item : JSON.stringify(item);
    tokens += typeof item === 'string' ? countWords(item) : Array.isArray(item) ? item.length : 1;
    const values = embeddingFor(text);
    return { object: 'embedding', index, embedding: body.encoding_format === 'base64' ? embeddingBase64(values) : values };
  });
  tokens = Math.max(1, tokens);
  return { body: { object: 'list', data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } }, tokens: 0 };
}

