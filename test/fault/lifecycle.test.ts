// Fault injection, docs/reliability.md#group-i (process lifecycle). I1 and I3
// run the real CLI (`node dist/src/cli/main.js serve`) as a child process in
// front of a provider simulator started here; I2 runs in-process; I4 reads
// package-lock.json.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { DEMO_KEY_ENVS, DEMO_PROVIDER_KEY, demoPolicyTemplate } from '../../src/cli/demo-stack.js';
import { processFaultHandler } from '../../src/cli/serve.js';
import { maskSecrets } from '../../src/telemetry/log.js';
import { startSimulator, type SimScript, type Simulator } from '../../src/simulator/index.js';
import { createLogger } from '../../src/telemetry/log.js';
import { createMetrics } from '../../src/telemetry/metrics.js';
import { assertValid, validateChatCompletionChunk, validateResponseStreamEvent, warmUpOpenApiValidators } from '../helpers/openapi.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { closedPort, LONG_PROMPT, metric, scrape, sseFrames, startFaultStack, waitFor, type FaultStack } from './helpers.js';

const CLI = path.join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

/** `tokenrouter serve` in a child process, against the demo policies pointed at `sim`. */
interface Served {
  child: ChildProcess;
  port: number;
  url: string;
  output: () => string;
  /** The child's JSON log lines. */
  logs: () => Record<string, unknown>[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  dir: string;
}

async function serve(sim: Simulator, opts: { env?: Record<string, string>; nodeArgs?: string[] } = {}): Promise<Served> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tokenrouter-lifecycle-'));
  const template = demoPolicyTemplate();
  for (const name of await readdir(template)) {
    await writeFile(path.join(dir, name), (await readFile(path.join(template, name), 'utf8')).replaceAll('SIM_URL', sim.url));
  }
  // The demo's email regex is near the loader's backtracking time limit (flaky on a loaded box); not needed here.
  await writeFile(path.join(dir, 'firewall.yaml'), 'apiVersion: tokenrouter/v1\nkind: FirewallRules\nmetadata:\n  name: demo-firewall\nspec:\n  rules: []\n');
  const port = await closedPort();
  const env: NodeJS.ProcessEnv = { ...process.env, TOKENROUTER_LOG_LEVEL: 'info', TOKENROUTER_POLICIES: dir, ...opts.env };
  for (const k of ['PORT', 'HOST']) delete env[k];
  for (const k of DEMO_KEY_ENVS) env[k] = DEMO_PROVIDER_KEY;
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), CLI, 'serve', '--port', String(port), '--host', '127.0.0.1'], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  let gone = false;
  void exited.then(() => (gone = true));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (gone) throw new Error(`tokenrouter serve exited early:\n${output}`);
      try {
        return (await fetch(`${url}/readyz`)).status === 200;
      } catch {
        return false;
      }
    },
    10_000,
    `/readyz of the child\n${output}`,
  );
  const logs = (): Record<string, unknown>[] =>
    output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { child, port, url, output: () => output, logs, exited, dir };
}

async function stopServed(s: Served | undefined): Promise<void> {
  if (!s) return;
  if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
  await s.exited;
  await rm(s.dir, { recursive: true, force: true });
}

interface Reply {
  status?: number;
  headers?: http.IncomingHttpHeaders;
  body: string;
  /** When the first body byte arrived. */
  firstByteAt?: number;
  endedAt?: number;
  error?: string;
}

/** One request on its own connection, body collected; never rejects. */
function request(port: number, pathName: string, body: unknown, onFirstByte?: () => void): Promise<Reply> {
  return new Promise((resolve) => {
    const text = JSON.stringify(body);
    const reply: Reply = { body: '' };
    const req = http.request(
      { host: '127.0.0.1', port, path: pathName, method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } },
      (res) => {
        reply.status = res.statusCode!;
        reply.headers = res.headers;
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          if (reply.firstByteAt === undefined) {
            reply.firstByteAt = Date.now();
            onFirstByte?.();
          }
          reply.body += c;
        });
        res.on('end', () => resolve({ ...reply, endedAt: Date.now() }));
        res.on('error', (e) => resolve({ ...reply, error: e.message, endedAt: Date.now() }));
      },
    );
    req.on('error', (e) => resolve({ ...reply, error: e.message, endedAt: Date.now() }));
    req.end(text);
  });
}

function connectRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
}

describe('fault injection: process lifecycle (docs/reliability.md#group-i)', function () {
  this.timeout(30_000);
  before(() => warmUpOpenApiValidators());

  describe('I1 SIGTERM with 10 requests in flight (5 streaming)', () => {
    let sim: Simulator | undefined;
    let served: Served | undefined;
    after(async () => {
      await stopServed(served);
      await sim?.close();
    });

    it('/readyz 503 at once, no new connections, non-stream requests finish, streams end with a failure event after the drain timeout, exit 0 before the grace period', async () => {
      const DRAIN_MS = 1_500;
      const script: SimScript = { models: { 'gpt-4o': { latencyMs: 900 }, 'claude-sonnet-4-5': { tokensPerSecond: 4 } } };
      sim = await startSimulator({ port: 0, requireKey: DEMO_PROVIDER_KEY, script });
      served = await serve(sim, { env: { TOKENROUTER_DRAIN_MS: String(DRAIN_MS) } });
      const s = served;

      // Streams first (slow: ~4 words a second for ~70 words), each on its own connection.
      let streaming = 0;
      const started = (): void => void streaming++;
      const streams = [
        ...[0, 1, 2].map(() => request(s.port, '/v1/responses', { model: 'anthropic/claude-sonnet-4-5', input: LONG_PROMPT, stream: true }, started)),
        ...[0, 1].map(() => request(s.port, '/v1/chat/completions', { model: 'anthropic/claude-sonnet-4-5', messages: [{ role: 'user', content: LONG_PROMPT }], stream: true }, started)),
      ];
      await waitFor(() => streaming === 5, 5_000, 'the five streams to start');
      // Then the non-stream ones: the simulator holds each for 900 ms, well inside the drain timeout.
      const unary = [
        ...[0, 1, 2].map(() => request(s.port, '/v1/responses', { model: 'openai/gpt-4o', input: 'hello' })),
        ...[0, 1].map(() => request(s.port, '/v1/chat/completions', { model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hello' }] })),
      ];
      await waitFor(() => sim!.calls.length === 10, 5_000, 'ten upstream calls in flight');

      // A readiness probe already on the wire: its last header line is sent once draining has begun.
      const probe = net.connect(s.port, '127.0.0.1');
      await new Promise<void>((r) => probe.once('connect', () => r()));
      probe.write('GET /readyz HTTP/1.1\r\nHost: tokenrouter\r\n');
      let probeReply = '';
      probe.on('data', (b: Buffer) => (probeReply += b.toString()));
      await new Promise((r) => setTimeout(r, 50));

      const termAt = Date.now();
      expect(s.child.kill('SIGTERM')).to.equal(true);
      await waitFor(() => connectRefused(s.port), 1_000, 'new connections to be refused');
      const refusedAfter = Date.now() - termAt;
      expect(refusedAfter, 'the listener closes at once').to.be.lessThan(500);
      probe.write('\r\n');
      await waitFor(() => /\r\n\r\n\{.*\}/s.test(probeReply), 2_000, 'the readiness probe reply');
      probe.destroy();
      expect(probeReply).to.match(/^HTTP\/1\.1 503 /);
      expect(probeReply).to.include('"status":"draining"');

      // Non-stream requests finish normally.
      for (const r of await Promise.all(unary)) {
        expect(r.error, r.error).to.equal(undefined);
        expect(r.status).to.equal(200);
        const body = JSON.parse(r.body) as Record<string, unknown>;
        assertValid(body.object === 'response' ? 'Response' : 'ChatCompletion', body);
        expect(r.endedAt! - termAt).to.be.lessThan(DRAIN_MS);
      }

      // Streams get the drain timeout, then an explicit failure: never a clean-looking end.
      const results = await Promise.all(streams);
      for (const [i, r] of results.entries()) {
        expect(r.status).to.equal(200);
        expect(r.endedAt! - termAt, `stream ${i} ended at the drain timeout`).to.be.within(DRAIN_MS - 100, DRAIN_MS + 1_000);
        const frames = sseFrames(r.body);
        if (i < 3) {
          for (const f of frames) expect(validateResponseStreamEvent(JSON.parse(f.data)).errors).to.deep.equal([]);
          expect(frames.map((f) => f.event)).to.include('response.output_text.delta');
          expect(frames.slice(-2).map((f) => f.event)).to.deep.equal(['error', 'response.failed']);
          expect(frames.at(-2)!.data).to.include('shutting down');
        } else {
          const datas = frames.map((f) => f.data);
          expect(datas).to.not.include('[DONE]');
          for (const d of datas.slice(0, -1)) expect(validateChatCompletionChunk(JSON.parse(d)).errors).to.deep.equal([]);
          expect(JSON.parse(datas.at(-1)!)).to.have.nested.property('error.code', 'server_error');
        }
      }

      // Exits cleanly, right after the drain timeout — before any orchestrator grace period (30 s by default).
      const { code, signal, at } = await s.exited;
      expect({ code, signal }, s.output()).to.deep.equal({ code: 0, signal: null });
      expect(at - termAt).to.be.lessThan(DRAIN_MS + 1_500);
      const decisions = s.logs().filter((l) => l.msg === 'decision');
      expect(decisions.filter((d) => d.outcome === 'success')).to.have.length(5);
      expect(decisions.filter((d) => d.outcome === 'drained')).to.have.length(5);
    });
  });

  describe('I2 /livez stays 200', () => {
    let stack: FaultStack | undefined;
    afterEach(async () => {
      await stack?.stop();
      stack = undefined;
    });

    it('through a provider outage (every call fails)', async () => {
      stack = await startFaultStack({ script: { default: { fail: { status: 503 } } } });
      for (let i = 0; i < 10; i++) {
        const res = await fetch(`${stack.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'openai/gpt-4o', input: 'hi' }) });
        expect(res.status).to.equal(503);
        await res.text();
      }
      for (const probe of ['/livez', '/healthz']) {
        const res = await fetch(`${stack.url}${probe}`);
        expect(res.status, probe).to.equal(200);
        expect(await res.json()).to.deep.equal({ status: 'ok' });
      }
      // Readiness is about the router, not its providers: an incident must not take every replica out.
      expect((await fetch(`${stack.url}/readyz`)).status).to.equal(200);
    });

    it('through an invalid policy push (the last good set keeps serving)', async () => {
      stack = await startFaultStack();
      const s = stack;
      const before = (await (await fetch(`${s.url}/readyz`)).json()) as { policy_version: string };
      await writeFile(path.join(s.policyDir, 'routing.yaml'), 'apiVersion: tokenrouter/v1\nkind: RoutingRules\nmetadata: { name: demo-routing }\nspec:\n  rules:\n    - name: broken\n      action: { set_model: no-such-model }\n');
      await waitFor(async () => metric(await scrape(s.url), 'tokenrouter_policy_reload_total', { result: 'error' }) >= 1, 10_000, 'the bad push to be rejected');
      expect((await fetch(`${s.url}/livez`)).status).to.equal(200);
      const ready = await fetch(`${s.url}/readyz`);
      expect(ready.status).to.equal(200);
      expect(((await ready.json()) as { policy_version: string }).policy_version).to.equal(before.policy_version);
      const res = await fetch(`${s.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'openai/gpt-4o', input: 'hi' }) });
      expect(res.status).to.equal(200);
      assertValid('Response', await res.json());
    });
  });

  describe('I3 an unhandled rejection or exception does not kill the process', () => {
    let sim: Simulator | undefined;
    let served: Served | undefined;
    let preloadDir: string | undefined;
    after(async () => {
      await stopServed(served);
      await sim?.close();
      if (preloadDir) await rm(preloadDir, { recursive: true, force: true });
    });

    it('in the served process: logged (masked) and counted in tokenrouter_unhandled_errors_total; still serving', async () => {
      // A stand-in for a dependency that misbehaves at run time: on SIGUSR2 it rejects a promise
      // nobody awaits and throws from a timer callback. Loaded with --import; no route involved.
      preloadDir = await mkdtemp(path.join(os.tmpdir(), 'tokenrouter-preload-'));
      const preload = path.join(preloadDir, 'faulty-dependency.mjs');
      await writeFile(
        preload,
        [
          "process.on('SIGUSR2', () => {",
          "  Promise.reject(new Error('dependency failed with key sk-live-ABCDEF1234567890'));",
          "  setTimeout(() => { throw new TypeError('callback failed: Authorization: Bearer tok_SECRET_987654'); }, 0);",
          '});',
        ].join('\n'),
      );
      sim = await startSimulator({ port: 0, requireKey: DEMO_PROVIDER_KEY });
      served = await serve(sim, { nodeArgs: ['--import', preload] });
      const s = served;
      expect(metric(await scrape(s.url), 'tokenrouter_unhandled_errors_total')).to.equal(0);

      s.child.kill('SIGUSR2');
      await waitFor(async () => metric(await scrape(s.url), 'tokenrouter_unhandled_errors_total') === 2, 5_000, 'both faults to be counted');
      expect(s.child.exitCode).to.equal(null);
      expect((await fetch(`${s.url}/livez`)).status).to.equal(200);
      const res = await fetch(`${s.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'openai/gpt-4o', input: 'hi' }) });
      expect(res.status).to.equal(200);
      assertValid('Response', await res.json());

      const faults = s.logs().filter((l) => l.kind === 'unhandledRejection' || l.kind === 'uncaughtException');
      expect(faults.map((l) => l.kind).sort()).to.deep.equal(['uncaughtException', 'unhandledRejection']);
      expect(faults.every((l) => l.level === 50)).to.equal(true);
      const out = s.output();
      expect(out).to.include('dependency failed with key sk-[redacted]');
      expect(out).to.not.include('ABCDEF1234567890');
      expect(out).to.not.include('tok_SECRET_987654');
    });

    it('the handler itself: counts, logs name/message/frames with credentials masked, never the raw value', async () => {
      const metrics = createMetrics({ defaultMetrics: false });
      const lines: string[] = [];
      const logger = createLogger({ level: 'info', destination: new Writable({ write: (c: Buffer, _e, done) => (lines.push(c.toString()), done()) }) });
      const handle = processFaultHandler(metrics, logger);
      handle('unhandledRejection', new Error('GET https://example.test/v1?key=AIzaSyDUMMY123&alt=sse failed'));
      handle('unhandledRejection', { apiKey: 'sk-proj-RAWOBJECTVALUE' });
      handle('uncaughtException', new RangeError('x-api-key: sk-ant-api03-QWERTY123456'));
      expect((await metrics.unhandledErrors.get()).values[0]!.value).to.equal(3);
      const logged = lines.join('');
      expect(logged).to.include('key=[redacted]&alt=sse');
      expect(logged).to.not.include('AIzaSyDUMMY123');
      expect(logged).to.not.include('RAWOBJECTVALUE');
      expect(logged).to.not.include('QWERTY123456');
      expect(logged).to.include('"name":"RangeError"');
      expect(maskSecrets('Bearer abc.def-ghi and sk-1234567890')).to.equal('Bearer [redacted] and sk-[redacted]');
    });

    it('a dependency throwing inside a request: 500 internal_error (no detail leaked), counted, and the next request is served', async () => {
      const stack = await startFaultStack();
      try {
        // The policy store stands in for any dependency on the request path; it fails exactly once.
        const store = stack.router.store;
        const real = store.current.bind(store);
        let armed = true;
        store.current = () => {
          if (!armed) return real();
          armed = false;
          throw new TypeError('policy backend exploded');
        };
        const res = await fetch(`${stack.url}/v1/models`);
        expect(res.status).to.equal(500);
        const body = (await res.json()) as { error: { code: string } };
        assertValid('ErrorResponse', body);
        expect(body.error.code).to.equal('internal_error');
        expect(JSON.stringify(body)).to.not.include('exploded');
        expect(metric(await scrape(stack.url), 'tokenrouter_unhandled_errors_total')).to.equal(1);
        expect((await fetch(`${stack.url}/v1/models`)).status).to.equal(200);
      } finally {
        await stack.stop();
      }
    });
  });

  describe('I4 dependency floor (docs/reliability.md#dependency-floor)', () => {
    // Each package: the version ranges docs/reliability.md#dependency-floor allows (any one of them);
    // that table and this one change together.
    const FLOOR: Record<string, string[][]> = {
      express: [['5.3.0', '5.4.0']],
      'http-proxy-middleware': [['3.0.5', '4.0.0']],
      'json-rules-engine': [['7.3.1']],
      'jsonpath-plus': [['10.3.0']],
      chokidar: [['5.0.0', '6.0.0'], ['4.0.3', '5.0.0']],
      'prom-client': [['15.1.0', '15.2.0']],
      yaml: [['2.0.0', '3.0.0']],
      ajv: [['8.0.0', '9.0.0']],
    };

    it('every installed copy in package-lock.json is within its floor', async () => {
      const lock = JSON.parse(await readFile(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
      for (const [name, ranges] of Object.entries(FLOOR)) {
        const copies = Object.entries(lock.packages).filter(([where]) => where === `node_modules/${name}` || where.endsWith(`/node_modules/${name}`));
        expect(copies, `${name} is installed`).to.not.be.empty;
        for (const [where, { version }] of copies) {
          const ok = ranges.some(([min, below]) => compareSemver(version!, min!) >= 0 && (below === undefined || compareSemver(version!, below) < 0));
          expect(ok, `${where}@${version} is outside ${ranges.map(([a, b]) => `>=${a}${b ? ` <${b}` : ''}`).join(' || ')}`).to.equal(true);
        }
      }
    });

    it('the semver comparison orders releases and pre-releases', () => {
      expect(compareSemver('5.3.0', '5.3.0')).to.equal(0);
      expect(compareSemver('5.10.0', '5.9.9')).to.equal(1);
      expect(compareSemver('10.3.0', '9.99.99')).to.equal(1);
      expect(compareSemver('3.0.5-beta.1', '3.0.5')).to.equal(-1);
      expect(compareSemver('3.0.4', '3.0.5')).to.equal(-1);
    });
  });
});

/** -1, 0 or 1, by major.minor.patch; a pre-release sorts before its release (enough for a floor check). */
function compareSemver(a: string, b: string): number {
  const parse = (v: string): [number[], boolean] => {
    const m = /^(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?(?:\+.*)?$/.exec(v.trim());
    if (!m) throw new Error(`not a semver version: ${v}`);
    return [[Number(m[1]), Number(m[2]), Number(m[3])], m[4] !== undefined];
  };
  const [x, xPre] = parse(a);
  const [y, yPre] = parse(b);
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  if (xPre !== yPre) return xPre ? -1 : 1;
  return 0;
}
