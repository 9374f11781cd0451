// Child processes for the server benchmarks, and what they cost, read from
// outside: each server (simulator, raw proxy, router) runs in its own Node
// process, so its CPU time and RSS can be read from /proc/<pid>/task/*/schedstat
// and /proc/<pid>/status (Linux) without any code inside the measured process.
// CPU is the run time of all the process's threads (GC and libuv pool included).
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

export interface Served {
  name: string;
  url: string;
  pid: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * The V8 flags the Docker image and deploy/kubernetes set in NODE_OPTIONS: a
 * 4 MB young-generation semi-space (Node's default grows to 16 MB) keeps
 * ~20-25 MB less resident, for 0-20% more CPU per request: V8 collects the
 * router's short-lived per-request garbage more often (README, Performance).
 */
export const DEPLOY_NODE_OPTIONS = '--max-semi-space-size=4';

/** Cores: with ≥ 2, servers under test get the last core alone; load generator and simulator share the rest. */
export const CORES = os.cpus().length;
const canPin = CORES >= 2 && existsSync('/usr/bin/taskset');
export const SERVER_CORE = CORES - 1;

export function pin(pid: number, cores: string): boolean {
  if (!canPin) return false;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', cores, String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Cores other than the server's, as a taskset list. */
export function otherCores(): string {
  return CORES >= 2 ? `0-${SERVER_CORE - 1}` : '0';
}

/**
 * Forks dist/bench/server/<script>.js, waits for its {url} message. stdout is
 * discarded (the router's log lines still get serialised and written: that is
 * part of its cost); stderr is kept so a crash is visible.
 */
export async function start(name: string, script: string, args: string[], opts: { env?: Record<string, string>; execArgv?: string[]; core?: string; scriptDir?: string } = {}): Promise<Served> {
  const child = fork(path.join(opts.scriptDir ?? HERE, `${script}.js`), args, {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: { ...process.env, ...opts.env },
    execArgv: opts.execArgv ?? [],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 20 s`)), 20_000);
    child.once('message', (m: { url?: string; error?: string }) => {
      clearTimeout(timer);
      if (m.url) resolve(m.url);
      else reject(new Error(`${name}: ${m.error}`));
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
  });
  if (opts.core !== undefined) pin(child.pid!, opts.core);
  // SIGINT lets a --cpu-prof child write its profile.
  return served(name, url, child, 'SIGINT');
}

/** A started child as Served: stop() sends `signal`, then SIGKILL after 5 s. */
function served(name: string, url: string, child: ChildProcess, signal: NodeJS.Signals): Served {
  return {
    name,
    url,
    pid: child.pid!,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}

/**
 * CPU time of a process so far, µs: the sum over its threads of
 * /proc/<pid>/task/<tid>/schedstat (ns precision; /proc/<pid>/stat counts in
 * 10 ms ticks, too coarse for a few large requests).
 */
export function cpuUs(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended meanwhile
    }
  }
  return ns / 1000;
}

/** Resident set size, MB. */
export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : 0;
}

/**
 * Forks a program that does not report its address (a peer gateway): it is
 * given a free port and polled until it answers HTTP. `probe` is any request
 * the server answers once it is up.
 */
export async function startOnPort(name: string, script: string, args: (port: number) => string[], opts: { env?: Record<string, string>; core?: string } = {}): Promise<Served> {
  const port = await freePort();
  const child = fork(script, args(port), { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: { ...process.env, ...opts.env } });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    const up = await fetch(url).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not answer on ${url} within 20 s`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (opts.core !== undefined) pin(child.pid!, opts.core);
  return served(name, url, child, 'SIGTERM');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}
