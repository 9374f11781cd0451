// Real redis-server processes for the Sentinel and Cluster tests, on free
// loopback ports, each in its own temp directory (nothing persisted: --save ""
// --appendonly no). stop() kills every process it started and removes the
// directories. Where redis-server or redis-cli is missing, redisBinaries()
// says so and the callers skip with a visible message (.ci/run installs them).
//
//   startRedisSentinel()  a primary, one replica (--replicaof) and three
//                         sentinels (quorum 2, down-after 1 s, failover-timeout 3 s)
//   startRedisCluster()   N primaries + N×replicas (--cluster-enabled, node
//                         timeout 1 s), joined by redis-cli --cluster create
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface RedisBinaries {
  ok: boolean;
  /** Why not, when !ok. */
  missing?: string;
}

let binaries: RedisBinaries | undefined;

/** Whether redis-server and redis-cli can run here (checked once). */
export function redisBinaries(): RedisBinaries {
  if (binaries) return binaries;
  for (const bin of ['redis-server', 'redis-cli']) {
    const r = spawnSync(bin, ['--version'], { stdio: 'ignore' });
    if (r.error || r.status !== 0) return (binaries = { ok: false, missing: bin });
  }
  return (binaries = { ok: true });
}

/** Skips the calling suite (this.skip()) with a console message when redis-server or redis-cli is missing. */
export function requireRedisBinaries(ctx: Mocha.Context, what: string): void {
  const b = redisBinaries();
  if (b.ok) return;
  console.log(`      [skipped] ${what}: ${b.missing} is not installed (apt-get install redis-server; .ci/run does)`);
  ctx.skip();
}

/** A free loopback port (bound then released: good enough for tests that start at once). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Several distinct free ports (a cluster node also uses port + 10000 for its bus: kept under 55535). */
async function freePorts(n: number): Promise<number[]> {
  const out = new Set<number>();
  while (out.size < n) {
    const p = await freePort();
    if (p < 55_535) out.add(p);
  }
  return [...out];
}

class Procs {
  readonly byPort = new Map<number, ChildProcess>();
  readonly dirs: string[] = [];

  async dir(tag: string): Promise<string> {
    const d = await mkdtemp(path.join(os.tmpdir(), `tr-redis-${tag}-`));
    this.dirs.push(d);
    return d;
  }

  /** redis-server on `port` with `args`, its stdout/stderr kept for a failure's message. */
  start(port: number, args: string[], cwd: string): void {
    const child = spawn('redis-server', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const keep = (b: Buffer): void => {
      out = (out + b.toString('utf8')).slice(-4000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.on('exit', (code) => {
      if (code && code !== 0 && this.byPort.get(port) === child) process.stderr.write(`redis-server :${port} exited ${code}\n${out}\n`);
    });
    this.byPort.set(port, child);
  }

  kill(port: number): void {
    const child = this.byPort.get(port);
    if (!child) throw new Error(`no redis process on port ${port}`);
    this.byPort.delete(port);
    child.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    const exits = [...this.byPort.values()].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGKILL');
        }),
    );
    this.byPort.clear();
    await Promise.all(exits);
    await Promise.all(this.dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  }
}

const BASE = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'];

/** Runs redis-cli with `args`; resolves with stdout (rejects on a non-zero exit). */
export function redisCli(args: string[], timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-cli', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`redis-cli ${args.join(' ')} exited ${code}: ${err || out}`));
    });
  });
}

async function until(what: string, cond: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      if (await cond()) return;
    } catch {
      // not yet
    }
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const cli = (port: number, ...args: string[]): Promise<string> => redisCli(['-h', '127.0.0.1', '-p', String(port), ...args], 3000);

export interface RedisSentinelSet {
  /** host:port of each sentinel (Settings.state.redis.nodes in sentinel mode). */
  sentinels: string[];
  /** The name the sentinels monitor the primary under. */
  name: string;
  /** The port of the primary when started (after killPrimary, of the dead one). */
  primaryPort: number;
  replicaPort: number;
  /** SIGKILLs the current primary (as the sentinels see it); resolves with its port. */
  killPrimary(): Promise<number>;
  /** The port the sentinels currently name as primary. */
  currentPrimaryPort(): Promise<number>;
  stop(): Promise<void>;
}

/** A primary, one replica and three sentinels (quorum 2) on loopback; resolves when the sentinels see the replica. */
export async function startRedisSentinel(opts: { name?: string } = {}): Promise<RedisSentinelSet> {
  const name = opts.name ?? 'trmaster';
  const procs = new Procs();
  try {
    const [primaryPort, replicaPort, ...sentinelPorts] = await freePorts(5);
    procs.start(primaryPort!, ['--port', String(primaryPort), ...BASE], await procs.dir('primary'));
    procs.start(replicaPort!, ['--port', String(replicaPort), ...BASE, '--replicaof', '127.0.0.1', String(primaryPort)], await procs.dir('replica'));
    await until('the primary and replica to answer', async () => (await cli(primaryPort!, 'ping')).trim() === 'PONG' && (await cli(replicaPort!, 'ping')).trim() === 'PONG', 10_000);
    await until('the replica to sync', async () => /master_link_status:up/.test(await cli(replicaPort!, 'info', 'replication')), 15_000);
    for (const port of sentinelPorts) {
      const dir = await procs.dir('sentinel');
      const conf = path.join(dir, 'sentinel.conf');
      // The sentinel rewrites its config file (it must be writable): one per sentinel.
      await writeFile(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          'protected-mode no',
          `dir ${dir}`,
          `sentinel monitor ${name} 127.0.0.1 ${primaryPort} 2`,
          `sentinel down-after-milliseconds ${name} 1000`,
          `sentinel failover-timeout ${name} 3000`,
          `sentinel parallel-syncs ${name} 1`,
          '',
        ].join('\n'),
      );
      procs.start(port, [conf, '--sentinel'], dir);
    }
    await until(
      'the sentinels to know the primary, its replica and each other',
      async () => {
        for (const port of sentinelPorts) {
          const info = await cli(port, 'sentinel', 'master', name);
          const field = (k: string): number => Number(info.split('\n').map((l) => l.trim()).find((_, i, a) => a[i - 1] === k) ?? NaN);
          if (field('num-slaves') < 1 || field('num-other-sentinels') < 2) return false;
        }
        return true;
      },
      20_000,
    );
    const currentPrimaryPort = async (): Promise<number> => {
      const out = await cli(sentinelPorts[0]!, 'sentinel', 'get-master-addr-by-name', name);
      return Number(out.trim().split('\n')[1]);
    };
    return {
      sentinels: sentinelPorts.map((p) => `127.0.0.1:${p}`),
      name,
      primaryPort: primaryPort!,
      replicaPort: replicaPort!,
      currentPrimaryPort,
      async killPrimary() {
        const port = await currentPrimaryPort();
        procs.kill(port);
        return port;
      },
      stop: () => procs.stop(),
    };
  } catch (err) {
    await procs.stop();
    throw err;
  }
}

export interface RedisClusterSet {
  /** host:port of every node, primaries first (Settings.state.redis.nodes in cluster mode). */
  nodes: string[];
  /** Ports of the nodes that are primaries now. */
  primaryPorts(): Promise<number[]>;
  /** SIGKILLs the node on `port` (its replica is promoted after the node timeout, 1 s). */
  kill(port: number): void;
  /** Resolves when CLUSTER INFO on a live node says cluster_state:ok and every slot is served. */
  waitOk(ms?: number): Promise<void>;
  stop(): Promise<void>;
}

/** A Redis Cluster of `primaries` primaries, each with `replicasPerPrimary` replicas; resolves at cluster_state:ok. */
export async function startRedisCluster(opts: { primaries?: number; replicasPerPrimary?: number } = {}): Promise<RedisClusterSet> {
  const primaries = opts.primaries ?? 3;
  const replicas = opts.replicasPerPrimary ?? 1;
  const procs = new Procs();
  try {
    const ports = await freePorts(primaries * (1 + replicas));
    for (const port of ports) {
      const dir = await procs.dir(`cluster-${port}`);
      procs.start(
        port,
        ['--port', String(port), ...BASE, '--cluster-enabled', 'yes', '--cluster-config-file', path.join(dir, 'nodes.conf'), '--cluster-node-timeout', '1000', '--dir', dir],
        dir,
      );
    }
    await until('every cluster node to answer', async () => (await Promise.all(ports.map((p) => cli(p, 'ping')))).every((o) => o.trim() === 'PONG'), 10_000);
    // redis-cli assigns the first `primaries` addresses as primaries and the rest as their replicas.
    await redisCli(['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', String(replicas), '--cluster-yes'], 30_000);
    const live = (): number[] => ports.filter((p) => procs.byPort.has(p));
    const waitOk = async (ms = 20_000): Promise<void> => {
      await until(
        'cluster_state:ok on every live node',
        async () => {
          for (const p of live()) {
            const info = await cli(p, 'cluster', 'info');
            if (!/cluster_state:ok/.test(info) || !/cluster_slots_ok:16384/.test(info)) return false;
          }
          return true;
        },
        ms,
      );
    };
    await waitOk();
    // Replicas must have synced before a failover can promote them.
    await until('every replica to sync', async () => {
      for (const p of live()) {
        const info = await cli(p, 'info', 'replication');
        if (/role:slave/.test(info) && !/master_link_status:up/.test(info)) return false;
      }
      return true;
    }, 20_000);
    return {
      nodes: ports.map((p) => `127.0.0.1:${p}`),
      async primaryPorts() {
        const out = await cli(live()[0]!, 'cluster', 'nodes');
        return out
          .split('\n')
          .filter((l) => /\bmaster\b/.test(l) && !/\bfail\b/.test(l) && / connected( |$)/.test(l) && l.trim().split(' ').length > 8)
          .map((l) => Number(l.split(' ')[1]!.split('@')[0]!.split(':')[1]));
      },
      kill: (port) => procs.kill(port),
      waitOk,
      stop: () => procs.stop(),
    };
  } catch (err) {
    await procs.stop();
    throw err;
  }
}
