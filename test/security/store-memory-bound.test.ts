// Finding 2, "Stored responses crash the router": the in-memory response store
// was capped by count (10,000 entries), not bytes, so 124 requests of 4 MB
// under a 512 MB heap ended in "JavaScript heap out of memory". Acceptance:
// no amount of stored traffic can take the process down — 200 requests of
// 4 MB each under a 256 MB heap leave it serving. The router runs as
// `tokenrouter serve` in a child process with --max-old-space-size=256 (the
// memory backend, Settings.state.memoryMaxBytes at its 64 MiB default), the
// provider simulators in another (`tokenrouter simulate`: on a shared 2-core
// machine this process, the router and the simulators then each get a core's
// share instead of two of them sharing one); afterwards /healthz answers, a small
// request succeeds, the newest big response can still be continued, the
// oldest was evicted (404), and tokenrouter_response_store_evictions_total
// {reason="bytes"} counts the evictions. (The byte accounting, LRU and TTL
// are unit-tested in test/unit/state/conversations-memory.test.ts.)
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { DEMO_KEY_ENVS, demoPolicyTemplate } from '../../src/cli/demo-stack.js';
import { REPO_ROOT } from '../helpers/paths.js';

const CLI = path.join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const HEAP_MB = 256;
const REQUESTS = 200;
const INPUT_BYTES = 4 * 1024 * 1024;
const CONCURRENCY = 2;
const DEFAULT_BOUND = 64 * 1024 * 1024;

const doc = (kind: string, name: string, spec: unknown): string => JSON.stringify({ apiVersion: 'tokenrouter/v1', kind, metadata: { name }, spec }) + '\n';

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** One sample's value from GET /metrics text (undefined when the series is absent). */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** A Responses body with ~4 MB of prose as input, different per request; plain ASCII, so it is its own JSON. */
function bigBody(i: number): string {
  const unit = `request ${i}: the quick brown fox jumps over the lazy dog while the lighthouse keeper counts ships. `;
  return `{"model":"openai/big","input":"${unit.repeat(Math.ceil(INPUT_BYTES / unit.length)).slice(0, INPUT_BYTES)}"}`;
}

interface Child {
  proc: ChildProcess;
  /** The last 20 kB of its stdout and stderr. */
  output(): string;
  exited(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
}

function spawnCli(nodeArgs: string[], args: string[], env: NodeJS.ProcessEnv): Child {
  const proc = spawn(process.execPath, [...nodeArgs, CLI, ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  proc.stdout!.on('data', (b: Buffer) => (output = (output + b.toString()).slice(-20_000)));
  proc.stderr!.on('data', (b: Buffer) => (output = (output + b.toString()).slice(-20_000)));
  proc.once('exit', (code, signal) => (exited = { code, signal }));
  return { proc, output: () => output, exited: () => exited };
}

async function waitUntilAnswers(c: Child, url: string, what: string): Promise<void> {
  const until = Date.now() + 20_000;
  for (;;) {
    if (c.exited()) throw new Error(`${what} exited early (${JSON.stringify(c.exited())}):\n${c.output()}`);
    const ok = await fetch(url).then(
      (r) => r.status < 500,
      () => false,
    );
    if (ok) return;
    if (Date.now() > until) throw new Error(`${what} never answered ${url}:\n${c.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('security: stored responses cannot exhaust the heap (memory backend)', function () {
  this.timeout(120_000);
  let sim: Child | undefined;
  let router: Child | undefined;
  let dir = '';
  let url = '';

  before(async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, TOKENROUTER_LOG_LEVEL: 'warn' };
    for (const k of ['PORT', 'HOST', 'REDIS_URL', 'TOKENROUTER_POLICIES', 'NODE_OPTIONS']) delete env[k];
    for (const k of DEMO_KEY_ENVS) env[k] = 'sim-key';
    const simPort = await freePort();
    const simUrl = `http://127.0.0.1:${simPort}`;
    sim = spawnCli([], ['simulate', '--port', String(simPort)], env);
    await waitUntilAnswers(sim, `${simUrl}/openai/v1/models`, 'tokenrouter simulate');

    dir = await mkdtemp(path.join(os.tmpdir(), 'tokenrouter-store-bound-'));
    const template = demoPolicyTemplate();
    for (const name of await readdir(template)) {
      await writeFile(path.join(dir, name), (await readFile(path.join(template, name), 'utf8')).replaceAll('SIM_URL', simUrl));
    }
    // No firewall rules (scanning 800 MB is not what this test measures); a model whose window fits 4 MB.
    await writeFile(path.join(dir, 'firewall.yaml'), doc('FirewallRules', 'demo-firewall', { rules: [] }));
    await writeFile(
      path.join(dir, 'zz-big.yaml'),
      doc('Models', 'big-models', {
        models: [{ name: 'big', provider: 'openai', upstreamModel: 'gpt-4o-mini', pricing: { input: 0.1, output: 0.1 }, quality: 0.5, contextWindow: 50_000_000, capabilities: ['streaming'] }],
      }),
    );
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    router = spawnCli([`--max-old-space-size=${HEAP_MB}`], ['serve', '--port', String(port), '--host', '127.0.0.1', '--policies', dir], env);
    await waitUntilAnswers(router, `${url}/readyz`, 'tokenrouter serve');
  });

  after(async () => {
    for (const c of [router, sim]) if (c && !c.exited()) c.proc.kill('SIGKILL');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it(`${REQUESTS} requests of 4 MB under a ${HEAP_MB} MB heap leave it serving; least recently used responses were evicted`, async () => {
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 60_000 });
    const ids: string[] = new Array(REQUESTS);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < REQUESTS) {
        const i = next++;
        const died = () => (router!.exited() ? ` — the router died (${JSON.stringify(router!.exited())}):\n${router!.output().slice(-3000)}` : '');
        if (router!.exited()) throw new Error(`the router is gone after ${i} requests${died()}`);
        try {
          // Plain fetch for the load (the body is built once, not re-serialised by a client); the SDK for the checks below.
          const res = await fetch(`${url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bigBody(i) });
          const answer = (await res.json()) as { id?: string };
          if (res.status !== 200) throw new Error(`HTTP ${res.status} ${JSON.stringify(answer)}`);
          ids[i] = answer.id!;
        } catch (err) {
          await new Promise((r) => setTimeout(r, 200)); // let the exit event land
          throw new Error(`request ${i} failed: ${String(err)}${died()}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    expect(router!.exited(), router!.output()).to.equal(undefined);
    expect((await fetch(`${url}/healthz`)).status).to.equal(200);
    const small = await client.responses.create({ model: 'openai/gpt-4o-mini', input: 'Still there?' });
    expect(small.status).to.equal('completed');

    // The newest big response is still stored; the oldest was evicted, so continuing it is a 404.
    const cont = await client.responses.create({ model: 'openai/big', input: 'And then?', previous_response_id: ids[REQUESTS - 1]! });
    expect(cont.status).to.equal('completed');
    const gone = await client.responses.retrieve(ids[0]!).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(gone).to.be.instanceOf(OpenAI.NotFoundError);

    const metrics = await (await fetch(`${url}/metrics`)).text();
    const evicted = sample(metrics, 'tokenrouter_response_store_evictions_total', '{reason="bytes"}');
    expect(evicted, 'evictions by bytes').to.be.greaterThan(0);
    const bytes = sample(metrics, 'tokenrouter_response_store_bytes');
    expect(bytes).to.be.greaterThan(INPUT_BYTES).and.at.most(DEFAULT_BOUND);
  });
});
