// The CLI as a real child process (serve, validate, SIGTERM) and graceful
// shutdown: in-flight requests finish within the grace period, new
// connections are refused, and an expired grace period is reported.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import type express from 'express';
import { loadPolicyDirectory } from '../../src/policy/load.js';
import { Lifecycle } from '../../src/server/lifecycle.js';
import { listen, shutdown } from '../../src/server/listen.js';
import { makePolicyDir, REPO_ROOT, SHIPPED_POLICIES, startTestRouter, type PolicyDir } from '../helpers/router.js';

const CLI = path.join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TOKENROUTER_LOG_LEVEL: 'warn', ...extra };
  for (const k of ['PORT', 'HOST', 'TOKENROUTER_DRAIN_MS']) delete env[k];
  return env;
}

interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], env: NodeJS.ProcessEnv = childEnv()): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** Resolves with the connect error (the test expects one), or rejects if the connection succeeded. */
function connectError(port: number): Promise<NodeJS.ErrnoException> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      reject(new Error(`connected to ${port}; expected the connection to be refused`));
    });
    s.once('error', (err) => resolve(err));
  });
}

interface Outcome {
  status?: number;
  body?: string;
  headers?: http.IncomingHttpHeaders;
  error?: NodeJS.ErrnoException;
}

/** One request on its own connection; never rejects (a reset is an outcome). */
function request(port: number, opts: { path?: string; method?: string; headers?: http.OutgoingHttpHeaders; chunks?: AsyncIterable<Buffer> } = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path: opts.path ?? '/', method: opts.method ?? 'GET', headers: opts.headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
      res.on('error', (error) => resolve({ error }));
    });
    req.on('error', (error) => resolve({ error }));
    if (opts.chunks) {
      void (async () => {
        for await (const c of opts.chunks!) req.write(c);
        req.end();
      })();
    } else req.end();
  });
}

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('CLI as a child process', function () {
  this.timeout(20_000);
  let policies: PolicyDir;
  let port: number;
  let child: ChildProcess | undefined;
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  let output = '';

  before(async () => {
    policies = await makePolicyDir();
    port = await freePort();
    const c = spawn(process.execPath, [CLI, 'serve', '--port', String(port), '--host', '127.0.0.1'], {
      cwd: REPO_ROOT,
      env: childEnv({ TOKENROUTER_POLICIES: policies.dir }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = c;
    c.stdout!.on('data', (b: Buffer) => (output += b.toString()));
    c.stderr!.on('data', (b: Buffer) => (output += b.toString()));
    exited = new Promise((resolve) => c.once('exit', (code, signal) => resolve({ code, signal })));
    let gone = false;
    void exited.then(() => (gone = true));
    await waitFor(
      async () => {
        if (gone) throw new Error(`tokenrouter serve exited early:\n${output}`);
        try {
          return (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200;
        } catch {
          return false;
        }
      },
      10_000,
      `/readyz on ${port}\n${output}`,
    );
  });

  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await policies?.cleanup();
  });

  it('serve: /readyz is 200 with the version `validate` reports for the same directory', async () => {
    const ready = (await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()) as { status: string; policy_version: string };
    expect(ready.status).to.equal('ready');
    expect(ready.policy_version).to.match(/^[0-9a-f]{16}$/);
    const v = await runCli(['validate', policies.dir]);
    expect(v.code).to.equal(0);
    expect(v.stdout).to.include(`version ${ready.policy_version}:`);
  });

  it('validate: exit 0 on the shipped policies', async () => {
    const r = await runCli(['validate', SHIPPED_POLICIES]);
    expect(r.code, r.stderr).to.equal(0);
    const loaded = await loadPolicyDirectory(SHIPPED_POLICIES);
    if (!loaded.ok) throw new Error('shipped policies do not load in-process');
    const s = loaded.set;
    expect(r.stdout).to.equal(
      `ok: ${s.files.length} file(s), version ${s.version}: ${s.providers.size} providers, ${s.models.size} models, ` +
        `${s.routingRules.length} routing rules, ${s.firewallRules.length} firewall rules, 0 API keys\n`,
    );
    expect(s.files.length).to.be.greaterThan(0);
    expect(s.models.size).to.be.greaterThan(0);
  });

  it('validate: exit 3 listing a typo key, an unknown model and an unsafe regex as sorted file:line:col lines', async () => {
    const bad = await makePolicyDir();
    try {
      const edit = async (file: string, from: string | RegExp, to: string): Promise<string> => {
        const p = path.join(bad.dir, file);
        const before = await fs.readFile(p, 'utf8');
        const after = before.replace(from, () => to); // a function: `$'` in `to` is literal
        expect(after, `edit of ${file}`).not.to.equal(before);
        await fs.writeFile(p, after);
        return after;
      };
      await edit('routing.yaml', '      description: Coding questions', '      descripton: Coding questions');
      const routing = await edit('routing.yaml', '        set_mode: cost', '        set_model: gpt-9');
      const firewall = await edit('firewall.yaml', /^ {6}pattern: '\\b\\d\{4\}.*$/m, "      pattern: '(a)\\1'");

      /** 1-based line and column of `needle` in `text`. */
      const at = (text: string, needle: string): string => {
        const i = text.indexOf(needle);
        expect(i, needle).to.be.greaterThan(-1);
        const lines = text.slice(0, i).split('\n');
        return `${lines.length}:${lines[lines.length - 1]!.length + 1}`;
      };
      const expected = [
        `firewall.yaml:${at(firewall, "'(a)\\1'")}: /spec/rules/0/pattern regex "(a)\\1" cannot be used: it uses a backreference (\\1 or \\k<name>), which the router's linear-time regex engine (RE2) cannot run`,
        `routing.yaml:${at(routing, 'descripton:')}: /spec/rules/0/descripton unknown property "descripton" (did you mean "description"?)`,
        `routing.yaml:${at(routing, 'gpt-9')}: /spec/rules/1/action/set_model unknown model "gpt-9"`,
      ];

      const r = await runCli(['validate', bad.dir]);
      expect(r.code).to.equal(3);
      const lines = r.stdout.split('\n').filter((l) => l !== '');
      expect(lines).to.deep.equal(expected);
      expect(r.stdout.endsWith('\n')).to.equal(true);
      expect(r.stderr).to.include('3 problem(s)');
    } finally {
      await bad.cleanup();
    }
  });

  it('SIGTERM on an idle server: exits 0 within a few seconds and releases the port', async () => {
    // Leave an idle keep-alive connection open: it must not hold the shutdown.
    const agent = new http.Agent({ keepAlive: true });
    const warm = await new Promise<number>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/healthz', agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      }).on('error', reject);
    });
    expect(warm).to.equal(200);

    const t0 = Date.now();
    expect(child!.kill('SIGTERM')).to.equal(true);
    const { code, signal } = await exited;
    const elapsed = Date.now() - t0;
    agent.destroy();
    expect({ code, signal }, output).to.deep.equal({ code: 0, signal: null });
    expect(elapsed).to.be.lessThan(5_000);
    expect((await connectError(port)).code).to.equal('ECONNREFUSED');
  });
});

describe('graceful shutdown (listen.ts shutdown())', function () {
  this.timeout(10_000);

  interface Slow {
    server: http.Server;
    port: number;
    lifecycle: Lifecycle;
    /** Resolves when the handler has received a request. */
    arrived: Promise<void>;
    timers: Set<NodeJS.Timeout>;
  }

  /** A plain handler that answers 200 after delayMs, counting itself in the lifecycle like the app does. */
  async function slowServer(delayMs: number): Promise<Slow> {
    const lifecycle = new Lifecycle();
    const timers = new Set<NodeJS.Timeout>();
    let arrivedResolve!: () => void;
    const arrived = new Promise<void>((r) => (arrivedResolve = r));
    const handler = (_req: http.IncomingMessage, res: http.ServerResponse): void => {
      lifecycle.begin();
      let done = false;
      const end = (): void => {
        if (done) return;
        done = true;
        lifecycle.end();
      };
      res.once('finish', end);
      res.once('close', end);
      const t = setTimeout(() => {
        timers.delete(t);
        res.writeHead(200, { 'content-type': 'text/plain' }).end('slow done');
      }, delayMs);
      timers.add(t);
      res.once('close', () => {
        clearTimeout(t);
        timers.delete(t);
      });
      arrivedResolve();
    };
    const server = await listen(handler as unknown as express.Express, { port: 0, host: '127.0.0.1' });
    return { server, port: (server.address() as AddressInfo).port, lifecycle, arrived, timers };
  }

  const servers: Slow[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) {
      for (const t of s.timers) clearTimeout(t);
      if (s.server.listening) s.server.close();
      s.server.closeAllConnections();
    }
  });

  it('lets an in-flight request finish (200), refuses new connections, resolves {clean:true}', async () => {
    const s = await slowServer(500);
    servers.push(s);
    const inflight = request(s.port, { path: '/slow' });
    await s.arrived;
    expect(s.lifecycle.inFlight).to.equal(1);

    const t0 = Date.now();
    let settled = false;
    const result = shutdown(s.server, s.lifecycle, 5_000).then((r) => {
      settled = true;
      return r;
    });
    expect(s.lifecycle.draining).to.equal(true);
    expect((await connectError(s.port)).code).to.equal('ECONNREFUSED');
    expect(settled, 'shutdown must wait for the in-flight request').to.equal(false);

    const res = await inflight;
    expect(res.error, String(res.error)).to.equal(undefined);
    expect(res.status).to.equal(200);
    expect(res.body).to.equal('slow done');
    expect(await result).to.deep.equal({ clean: true });
    const elapsed = Date.now() - t0;
    expect(elapsed).to.be.within(300, 2_500);
    expect(s.lifecycle.inFlight).to.equal(0);
    expect(s.server.listening).to.equal(false);
  });

  it('with graceMs 100 and a 2 s handler: resolves {clean:false} promptly and cuts the request', async () => {
    const s = await slowServer(2_000);
    servers.push(s);
    const inflight = request(s.port, { path: '/slow' });
    await s.arrived;

    const t0 = Date.now();
    const result = await shutdown(s.server, s.lifecycle, 100);
    const elapsed = Date.now() - t0;
    expect(result).to.deep.equal({ clean: false });
    expect(elapsed).to.be.within(90, 1_500);

    const res = await inflight;
    expect(res.status, 'the cut request must not look successful').to.equal(undefined);
    expect(res.error?.code).to.be.oneOf(['ECONNRESET', 'EPIPE']);
    expect(s.server.listening).to.equal(false);
  });

  it('idle keep-alive connections do not hold the shutdown', async () => {
    const s = await slowServer(0);
    servers.push(s);
    const agent = new http.Agent({ keepAlive: true });
    try {
      const status = await new Promise<number>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port: s.port, path: '/', agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode!));
        }).on('error', reject);
      });
      expect(status).to.equal(200);
      await waitFor(() => s.lifecycle.inFlight === 0, 1_000, 'the request to finish');
      const t0 = Date.now();
      expect(await shutdown(s.server, s.lifecycle, 5_000)).to.deep.equal({ clean: true });
      expect(Date.now() - t0).to.be.lessThan(1_000);
    } finally {
      agent.destroy();
    }
  });

  it('router.stop() lets an in-flight upload through the real app finish, then stops cleanly', async () => {
    const t = await startTestRouter({ start: { drainMs: 5_000 } });
    try {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      async function* body(): AsyncGenerator<Buffer> {
        yield Buffer.from('{"a":');
        await gate;
        yield Buffer.from('"done"}');
      }
      // A chunked POST whose body arrives slowly: the app has passed the readiness gate and is reading it.
      const inflight = request(t.router.port, { method: 'POST', path: '/v1/policies', headers: { 'content-type': 'application/json' }, chunks: body() });
      await waitFor(() => t.router.lifecycle.inFlight === 1, 2_000, 'the upload to be in flight');

      let settled = false;
      const stopped = t.router.stop().then((r) => {
        settled = true;
        return r;
      });
      await waitFor(() => t.router.lifecycle.draining, 2_000, 'draining to start');
      await waitFor(() => !t.router.server.listening, 2_000, 'the listener to close');
      expect((await connectError(t.router.port)).code).to.equal('ECONNREFUSED');
      await new Promise((r) => setTimeout(r, 100));
      expect(settled, 'stop() must wait for the upload').to.equal(false);

      release();
      const res = await inflight;
      expect(res.error, String(res.error)).to.equal(undefined);
      // The body was read and parsed (POST /v1/policies has no handler → 404 unknown_route), not cut off.
      expect(res.status).to.equal(404);
      expect(JSON.parse(res.body!).error.code).to.equal('unknown_route');
      expect(await stopped).to.deep.equal({ clean: true });
    } finally {
      await t.cleanup();
    }
  });
});
