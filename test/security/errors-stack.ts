// The demo stack (simulators + router over demo/policies) for the error
// tests: every provider has its own key, none shaped like a known credential
// (no sk-, no Bearer in the echo), so only the router's knowledge of its own
// secrets can mask them; the caller has a key of the same kind. Every log
// line (level trace) is kept, and every request that reaches the router is
// counted per path.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import OpenAI from 'openai';
import { DEMO_KEY_ENVS, demoPolicyTemplate } from '../../src/cli/demo-stack.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { startRouter, type RunningRouter, type StartOptions } from '../../src/server/start.js';
import { createLogger } from '../../src/telemetry/log.js';
import { createMetrics } from '../../src/telemetry/metrics.js';
import { apiKeysYaml } from '../helpers/router.js';

const secret = (tag: string): string => `${tag}${randomBytes(16).toString('hex')}`;

/** One key per provider env (DEMO_OPENAI_KEY → its key), plus the caller's. */
export function makeSecrets(): { providers: Record<string, string>; caller: string } {
  return { providers: Object.fromEntries(DEMO_KEY_ENVS.map((env) => [env, secret('PROVKEY')])), caller: secret('CALLERKEY') };
}

export interface ErrorsStack {
  sim: Simulator;
  router: RunningRouter;
  /** The policy directory the router watches. */
  dir: string;
  secrets: ReturnType<typeof makeSecrets>;
  logs: string[];
  /** Requests that reached the router (through sdk()'s fetch). */
  routerRequests: string[];
  /** The official SDK against the router; its fetch counts requests. */
  sdk(opts?: { maxRetries?: number }): OpenAI;
  stop(): Promise<void>;
}

export async function startErrorsStack(opts: { start?: Partial<StartOptions>; files?: Record<string, string> } = {}): Promise<ErrorsStack> {
  const secrets = makeSecrets();
  const saved = Object.fromEntries(DEMO_KEY_ENVS.map((e) => [e, process.env[e]]));
  const sim = await startSimulator({ port: 0 });
  Object.assign(process.env, secrets.providers);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tokenrouter-errors-'));
  const template = demoPolicyTemplate();
  for (const name of await readdir(template)) {
    await writeFile(path.join(dir, name), (await readFile(path.join(template, name), 'utf8')).replaceAll('SIM_URL', sim.url));
  }
  await writeFile(path.join(dir, 'api-keys.yaml'), apiKeysYaml([{ name: 'errors-test', key: secrets.caller }]));
  for (const [name, text] of Object.entries(opts.files ?? {})) await writeFile(path.join(dir, name), text);
  const logs: string[] = [];
  const restore = (): void => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  let router: RunningRouter;
  try {
    router = await startRouter({
      policies: dir,
      port: 0,
      host: '127.0.0.1',
      logger: createLogger({ level: 'trace', destination: lineSink(logs) }),
      metrics: createMetrics(),
      resyncMs: 0,
      drainMs: 2_000,
      ...opts.start,
    });
  } catch (err) {
    await sim.close();
    restore();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const routerRequests: string[] = [];
  let stopping: Promise<void> | undefined;
  return {
    sim,
    router,
    dir,
    secrets,
    logs,
    routerRequests,
    sdk: (o = {}) =>
      new OpenAI({
        baseURL: `${router.url}/v1`,
        apiKey: secrets.caller,
        ...(o.maxRetries !== undefined ? { maxRetries: o.maxRetries } : {}),
        fetch: async (url: string | URL | Request, init?: RequestInit) => {
          routerRequests.push(`${init?.method ?? 'GET'} ${new URL(String(url)).pathname}`);
          return fetch(url, init);
        },
      }),
    stop() {
      stopping ??= (async () => {
        await router.stop();
        await sim.close();
        await rm(dir, { recursive: true, force: true });
        restore();
      })();
      return stopping;
    },
  };
}

function lineSink(into: string[]): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) into.push(line);
      done();
    },
  });
}

/** Everything an SDK error exposes to the application, as text. */
export function errorText(err: unknown): string {
  const e = err as { message?: unknown; error?: unknown; headers?: Headers; status?: unknown; code?: unknown };
  const headers = e.headers && typeof (e.headers as Headers).entries === 'function' ? JSON.stringify([...(e.headers as Headers).entries()]) : '';
  return [String(e.message ?? ''), JSON.stringify(e.error ?? null), String(e.code ?? ''), headers, String(err)].join('\n');
}

/** The SSE events of a raw streamed answer: [event name or '', parsed data]. */
export function sseEvents(text: string): Array<[string, any]> {
  const out: Array<[string, any]> = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    let name = '';
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith('event:')) name = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
    }
    if (!data.length) continue;
    const joined = data.join('\n');
    if (joined === '[DONE]') continue;
    try {
      out.push([name, JSON.parse(joined)]);
    } catch {
      out.push([name, joined]);
    }
  }
  return out;
}
