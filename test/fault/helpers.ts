// Building blocks of the fault-injection suite (docs/reliability.md#suite, groups A and I):
// a demo stack (router + provider simulator) with a test's own Settings,
// routing rules and extra providers; an HTTP "front" that sits between the
// router and the simulator to inject answers the simulator cannot script and
// to see when the router closes its upstream sockets; a blackholed port (a
// real connect timeout on loopback); a Prometheus text reader; SSE parsing.
import { Writable } from 'node:stream';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { spawn } from 'node:child_process';
import net, { type AddressInfo } from 'node:net';
import { startDemoStack, type DemoStack } from '../../src/cli/demo-stack.js';
import type { SimScript } from '../../src/simulator/index.js';
import { createLogger, type Logger } from '../../src/telemetry/log.js';

// ---- the stack ------------------------------------------------------------------

/** One routing rule of the test: requests with metadata {fault: name} go to `primary`, then `fallback` in order. */
export interface FaultRoute {
  name: string;
  primary: string; // provider/model
  fallback?: string[];
}

export interface ExtraProvider {
  name: string;
  baseUrl: string;
  /** Models served by it (openai wire protocol, streaming capable). */
  models: string[];
}

export interface FaultStackOptions {
  script?: SimScript;
  /** Settings.resilience */
  resilience?: Record<string, unknown>;
  routes?: FaultRoute[];
  providers?: ExtraProvider[];
}

export interface FaultStack extends DemoStack {
  url: string;
  /** The router's JSON log lines (info and up). */
  logs: string[];
}

export async function startFaultStack(opts: FaultStackOptions = {}): Promise<FaultStack> {
  const files: Record<string, string> = {
    // The demo's email-masking regex sits near the policy loader's backtracking time limit and is
    // rejected now and then on a loaded machine; no fault test needs the firewall, so it is emptied.
    'firewall.yaml': doc('FirewallRules', 'demo-firewall', { rules: [] }),
  };
  // JSON is YAML: the documents are written as JSON to keep them exact.
  if (opts.resilience) files['zz-settings.yaml'] = doc('Settings', 'fault-settings', { resilience: opts.resilience });
  if (opts.routes?.length) {
    files['zz-fault-routing.yaml'] = doc('RoutingRules', 'fault-routing', {
      rules: opts.routes.map((r) => {
        const model = r.primary.slice(r.primary.indexOf('/') + 1);
        return {
          name: r.name,
          // Above the demo rules (outage-drill is 200): the first writer of an action wins.
          priority: 1000,
          match: { metadata_equals: { fault: r.name } },
          // set_model alone (the primary's name is unique): set_provider would forbid a fallback elsewhere.
          action: { set_model: model, ...(r.fallback ? { fallback: r.fallback } : {}) },
        };
      }),
    });
  }
  if (opts.providers?.length) {
    files['zz-fault-providers.yaml'] = doc('Providers', 'fault-providers', {
      providers: opts.providers.map((p) => ({ name: p.name, type: 'openai', baseUrl: p.baseUrl, apiKeyEnv: 'DEMO_OPENAI_KEY' })),
    });
    files['zz-fault-models.yaml'] = doc('Models', 'fault-models', {
      models: opts.providers.flatMap((p) =>
        p.models.map((name) => ({ name, provider: p.name, pricing: { input: 1, output: 1 }, quality: 0.5, contextWindow: 128000, capabilities: ['tools', 'streaming'] })),
      ),
    });
  }
  const logs: string[] = [];
  const logger: Logger = createLogger({ level: 'info', destination: lineSink(logs) });
  const stack = await startDemoStack({ ...(opts.script ? { script: opts.script } : {}), extraFiles: files, logger });
  if (!stack.router.store.current()) {
    await stack.stop();
    throw new Error(`the fault stack's policies did not load:\n${logs.join('\n')}`);
  }
  return Object.assign(stack, { url: stack.router.url, logs });
}

function doc(kind: string, name: string, spec: unknown): string {
  return JSON.stringify({ apiVersion: 'tokenrouter/v1', kind, metadata: { name }, spec }, null, 1) + '\n';
}

function lineSink(into: string[]): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) into.push(line);
      done();
    },
  });
}

// ---- requests ---------------------------------------------------------------------

export interface Sent {
  res: Response;
  ms: number;
}

/** POST JSON; `ms` is the time until the response headers. */
export async function post(url: string, body: unknown, signal?: AbortSignal): Promise<Sent> {
  const t0 = performance.now();
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), ...(signal ? { signal } : {}) });
  return { res, ms: performance.now() - t0 };
}

/** A Responses API request routed by the fault rule `fault`. */
export function responsesBody(fault: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: 'auto', input: 'Tell me a short story about a lighthouse keeper and the sea.', metadata: { fault }, ...extra };
}

/** A Chat Completions request routed by the fault rule `fault`. */
export function chatBody(fault: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: 'auto', messages: [{ role: 'user', content: 'Tell me a short story about a lighthouse keeper and the sea.' }], metadata: { fault }, ...extra };
}

/** A prompt with many words, so a simulated stream has many chunks to cut. */
export const LONG_PROMPT = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');

export interface SseFrame {
  event?: string;
  data: string;
}

export function sseFrames(text: string): SseFrame[] {
  const frames: SseFrame[] = [];
  for (const block of text.split(/\n\n/)) {
    if (!block.trim()) continue;
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    frames.push({ ...(event !== undefined ? { event } : {}), data: data.join('\n') });
  }
  return frames;
}

// ---- metrics ------------------------------------------------------------------------

/** The router's /metrics as text. */
export async function scrape(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}

/**
 * Sum of the samples of `name` whose labels include `labels` (0 when none).
 * `name` is matched exactly, so histogram parts are asked for by their full
 * name (e.g. tokenrouter_time_to_first_token_seconds_count).
 */
export function metric(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const s of samples(text)) {
    if (s.name !== name) continue;
    if (Object.entries(labels).every(([k, v]) => s.labels[k] === v)) sum += s.value;
  }
  return sum;
}

/** Whether any sample of `name` matches `labels` (to tell "absent" from 0). */
export function hasSeries(text: string, name: string, labels: Record<string, string> = {}): boolean {
  return samples(text).some((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function samples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

// ---- waiting ------------------------------------------------------------------------

export async function waitFor<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

// ---- the front: an HTTP hop between router and simulator -----------------------------------

export interface FrontCall {
  path: string;
  model: string;
  openedAt: number;
  /** When the upstream's response headers came back through the front (forwarded calls). */
  respondedAt?: number;
  /** When the router's socket for this call closed (undefined while open: keep-alive or in flight). */
  socketClosedAt?: number;
  /** When this request/response pair ended for any reason. */
  closedAt?: number;
}

/** Answer a call directly instead of forwarding it: status, headers and a JSON body. */
export interface Injected {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

export interface Front {
  url: string;
  /** Where calls are forwarded (settable: the simulator often starts after the front). */
  target: string;
  calls: FrontCall[];
  close(): Promise<void>;
}

/**
 * Forwards every request to `front.target` (the simulator), recording when
 * the router's socket closes; `inject` may answer a call itself (e.g. a 429
 * with `retry-after-ms`, which the simulator does not send).
 */
export async function startFront(inject?: (call: FrontCall, n: number) => Injected | undefined): Promise<Front> {
  const calls: FrontCall[] = [];
  let front!: Front;
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks);
      let model = '';
      try {
        model = String(JSON.parse(body.toString('utf8')).model ?? '');
      } catch {
        // not JSON: recorded without a model
      }
      const call: FrontCall = { path: req.url ?? '', model, openedAt: Date.now() };
      calls.push(call);
      req.socket.once('close', () => (call.socketClosedAt ??= Date.now()));
      res.once('close', () => (call.closedAt ??= Date.now()));
      const injected = inject?.(call, calls.length);
      if (injected) {
        const text = JSON.stringify(injected.body);
        res.writeHead(injected.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...injected.headers });
        res.end(text);
        return;
      }
      const headers = { ...req.headers };
      delete headers.host;
      const up = http.request(`${front.target}${req.url ?? ''}`, { method: req.method, headers }, (upRes) => {
        call.respondedAt = Date.now();
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
        upRes.on('error', () => res.destroy());
        upRes.on('aborted', () => res.destroy());
      });
      up.on('error', () => res.destroy());
      // The router went away: stop the simulator's answer too.
      res.once('close', () => up.destroy());
      up.end(body);
    })();
  });
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  front = {
    url: `http://127.0.0.1:${port}`,
    target: '',
    calls,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return front;
}

/** A loopback port nothing listens on (bound, noted, closed): connections to it are refused. */
export async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

export interface Blackhole {
  port: number;
  close(): void;
}

/**
 * A loopback port that swallows connection attempts (a SYN gets no answer),
 * i.e. a real connect timeout: a child process listens with a backlog of 1
 * and is stopped (SIGSTOP), so it never accepts; once filler connections
 * fill its accept queue, Linux drops further SYNs and connect() hangs.
 */
export async function startBlackhole(): Promise<Blackhole> {
  const child = spawn(process.execPath, ['-e', "const s=require('net').createServer();s.listen({port:0,host:'127.0.0.1',backlog:1},()=>process.stdout.write(s.address().port+'\\n'))"], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
  });
  process.kill(child.pid!, 'SIGSTOP');
  const fillers: net.Socket[] = [];
  const close = (): void => {
    for (const f of fillers) f.destroy();
    child.kill('SIGKILL');
  };
  for (let i = 0; i < 32; i++) {
    const socket = net.connect(port, '127.0.0.1');
    fillers.push(socket);
    socket.on('error', () => undefined);
    const connected = await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), 300);
      socket.once('connect', () => {
        clearTimeout(t);
        resolve(true);
      });
    });
    if (!connected) return { port, close };
  }
  close();
  throw new Error('could not build a blackhole: every connection was accepted (a kernel that does not drop SYNs on a full accept queue?)');
}
