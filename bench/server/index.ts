// Server benchmark: the whole data plane under load, every target in one run
// so the ratios compare like with like.
//   upstream   provider simulators in child processes: "zero" (answers at once)
//              and "llm" (300 ms to first token, then 50 tokens/s);
//   targets    direct to the simulator; a raw Node reverse proxy (the floor);
//              the router with policies a/b/c (policies.ts), each a child process;
//   cores      with ≥ 2 cores the server under test is pinned to the last core
//              alone, simulators and the load generator share the others;
//   CPU, RSS   read from /proc/<pid> of the server process (procs.ts): CPU µs per
//              request = CPU time over the measured window / answered requests.
// Loads: closed loop (autocannon, fixed connections), open loop at fixed rates
// (200/1,000/2,000 req/s), TTFT of streams, 1,000 concurrent streams, body
// size growth (1 KB → 1 MB). Logging at `warn`, and once at `info` for its cost.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { rm } from 'node:fs/promises';
import { closeAgent, closedLoop, openLoop, stats, streams, type LatencyStats, type LoadResult, type StreamResult } from './load.js';
import { KEY_ENV, policyDir, VARIANTS, type Variant } from './policies.js';
import { installedPeers } from './peers.js';
import { cpuUs, DEPLOY_NODE_OPTIONS, otherCores, pin, rssMb, SERVER_CORE, start, type Served } from './procs.js';

export interface ClosedRow extends LoadResult {
  target: string;
  connections: number;
  cpuUsPerRequest: number;
  rssMb: number;
}
export interface OpenRow extends LoadResult {
  target: string;
  rate: number;
  /** Not run: the target already saturated (throughput < 90% of the rate, or p99 > 1 s) at this lower rate. */
  saturatedAt?: number;
}
export interface TtftRow {
  target: string;
  result: StreamResult;
}
export interface BodyRow {
  target: string;
  size: string;
  requests: number;
  cpuUsPerRequest: number;
  latency: LatencyStats;
}
export interface ServerReport {
  benchmark: 'server';
  quick: boolean;
  node: string;
  cpu: string;
  cores: number;
  pinned: boolean;
  closed: ClosedRow[];
  open: OpenRow[];
  ttft: TtftRow[];
  /** CPU µs/request of raw proxy and router b in alternating windows (medians, ratio). */
  sideBySide?: {
    rounds: number;
    seconds: number;
    rawUs: number[];
    routerUs: number[];
    rawMedianUs: number;
    routerMedianUs: number;
    ratio: number;
    routerRps: number[];
    routerMedianRps: number;
    /** Router b again, run with the image's NODE_OPTIONS (DEPLOY_NODE_OPTIONS). */
    imageFlagsUs: number[];
    imageFlagsMedianUs: number;
    /** Router b with OpenTelemetry on (OTLP/HTTP to a local sink, every request sampled). */
    tracingUs: number[];
    tracingMedianUs: number;
    /** Its CPU per request over router b's (tracing off). */
    tracingRatio: number;
    /** Peer gateways (peers.ts): capacityRatio = peer CPU/req ÷ router b's (requests per core-second, router over peer); rpsRatio = router b req/s ÷ peer's. */
    peers: { name: string; us: number[]; rps: number[]; medianUs: number; medianRps: number; capacityRatio: number; rpsRatio: number }[];
  };
  /** Peers not installed (npm run bench:peers), so not measured. */
  peersMissing?: string[];
  concurrentStreams: { target: string; streams: number; completed: number; idleRssMb: number; peakRssMb: number; ttft: LatencyStats; seconds: number }[];
  bodySize: BodyRow[];
}

const CHAT = {
  model: 'auto',
  messages: [
    { role: 'system', content: 'You are a helpful assistant for the support team.' },
    { role: 'user', content: 'Can you summarize the attached meeting notes and list the action items? Keep it under 200 words.' },
  ],
  metadata: { tenant: 'tenant-42', tier: 'pro', task: 'summarize', region: 'region-3' },
};
const body = (extra: Record<string, unknown> = {}): string => JSON.stringify({ ...CHAT, ...extra });

function prose(bytes: number): string {
  const words = 'the quarterly report shows steady growth across all regions while costs remained flat and the team shipped on time '.repeat(8);
  let out = '';
  while (out.length < bytes) out += words;
  return out.slice(0, bytes);
}

export async function runServerBenchmark(opts: { quick?: boolean; log?: (line: string) => void } = {}): Promise<ServerReport> {
  const quick = opts.quick === true;
  const log = opts.log ?? ((l: string) => console.log(l));
  // Warm-up matters: the router's CPU per request falls by a third over its first
  // few thousand requests (JIT tiering), and a sidecar lives in the steady state.
  const T = quick
    ? { warm: 0.5, closed: 1, open: 1, rates: [1000], connections: 32, ttft: 10, streams: 1000, bodyN: [20, 10, 4, 2], sbsRounds: 3, sbsSeconds: 0.5 }
    : { warm: 5, closed: 5, open: 3, rates: [200, 1000, 2000], connections: 32, ttft: 100, streams: 1000, bodyN: [400, 200, 60, 12], sbsRounds: 5, sbsSeconds: 2 };
  const pinned = pin(process.pid, otherCores());
  const report: ServerReport = { benchmark: 'server', quick, node: process.version, cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, pinned, closed: [], open: [], ttft: [], concurrentStreams: [], bodySize: [] };
  const others = otherCores();
  const serverCore = String(SERVER_CORE);
  const sims = { zero: await start('sim-zero', 'sim', ['zero'], { core: others }), llm: await start('sim-llm', 'sim', ['llm'], { core: others }) };
  const dirs: string[] = [];
  // An OTLP/HTTP collector that accepts and drops: what tracing costs the router, not what a collector costs.
  const collector = await startSinkCollector();
  const router = async (variant: Variant, sim: Served, level = 'warn', flags: readonly string[] = [], env: Record<string, string> = {}): Promise<Served> => {
    const dir = await policyDir(sim.url, variant);
    dirs.push(dir);
    const execArgv = process.env.BENCH_CPU_PROF === variant ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR ?? 'bench/results'}`] : [];
    return start(`router-${variant}`, 'router', [dir], { env: { ...KEY_ENV, TOKENROUTER_LOG_LEVEL: level, ...env }, core: serverCore, execArgv: [...flags, ...execArgv] });
  };
  const chat = (s: Served): string => (s.name.startsWith('sim') ? `${s.url}/openai/v1/chat/completions` : `${s.url}/v1/chat/completions`);

  try {
    // ---- zero-delay upstream: closed loop, open loop, body size ------------------
    const zeroTargets: [string, () => Promise<Served | undefined>][] = [
      ['direct', async () => undefined],
      ['raw proxy', () => start('raw', 'raw-proxy', [sims.zero.url], { core: serverCore })],
      // --quick (a smoke run): the floor and configuration (b) only.
      ...((quick ? ['b'] : ['a', 'b', 'c']) as Variant[]).map((v): [string, () => Promise<Served>] => [`router ${v}: ${VARIANTS[v]}`, () => router(v, sims.zero)]),
      ...(quick ? [] : ([['router b, info logging', () => router('b', sims.zero, 'info')]] as [string, () => Promise<Served>][])),
    ];
    for (const [target, launch] of zeroTargets) {
      const proc = await launch();
      const server = proc ?? sims.zero;
      const url = chat(server);
      try {
        const probe = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body() });
        if (probe.status !== 200) throw new Error(`${target}: probe answered ${probe.status}: ${(await probe.text()).slice(0, 300)}`);
        await probe.text();
        await closedLoop(url, body(), { connections: T.connections, seconds: T.warm });
        const cpu0 = cpuUs(server.pid);
        const r = await closedLoop(url, body(), { connections: T.connections, seconds: T.closed });
        const row: ClosedRow = { target, connections: T.connections, ...r, cpuUsPerRequest: Math.round((cpuUs(server.pid) - cpu0) / Math.max(1, r.requests)), rssMb: rssMb(server.pid) };
        report.closed.push(row);
        log(`  closed  ${target}: ${row.rps} req/s, p50 ${row.latency.p50} ms, ${row.cpuUsPerRequest} µs CPU/req`);
        if (target.includes('info')) continue;
        let saturatedAt: number | undefined;
        for (const rate of T.rates) {
          if (saturatedAt !== undefined) {
            // Past its capacity a target only queues; a higher rate would take long to say so again.
            report.open.push({ target, rate, saturatedAt, requests: 0, errors: 0, non2xx: 0, seconds: 0, rps: 0, latency: stats([]) });
            log(`  open    ${target} @ ${rate}/s: skipped, saturated at ${saturatedAt}/s`);
            continue;
          }
          const o = await openLoop(url, body(), { rate, seconds: T.open });
          report.open.push({ target, rate, ...o });
          log(`  open    ${target} @ ${rate}/s: p50 ${o.latency.p50} ms, p99 ${o.latency.p99} ms, errors ${o.errors + o.non2xx}`);
          if (o.rps < 0.9 * rate || o.latency.p99 > 1000) saturatedAt = rate;
        }
        if (target === 'direct' || target.startsWith('raw') || target.startsWith('router b')) {
          for (const [i, [size, bytes]] of ([['1 KB', 1024], ['10 KB', 10 * 1024], ['100 KB', 100 * 1024], ['1 MB', 1024 * 1024]] as const).entries()) {
            const b = body({ messages: [{ role: 'user', content: prose(bytes) }] });
            const c0 = cpuUs(server.pid);
            const s = await streams(url, b, { count: T.bodyN[i]!, concurrency: 4 });
            report.bodySize.push({ target, size, requests: s.completed, cpuUsPerRequest: Math.round((cpuUs(server.pid) - c0) / Math.max(1, s.completed)), latency: s.total });
          }
        }
      } finally {
        await proc?.stop();
      }
    }

    // ---- side by side: raw proxy, router b and installed peers, alternating windows --
    // All run at once (loaded one at a time), so slow phases of a shared machine hit
    // them alike; the headline ratio is the ratio of the medians.
    {
      const { peers, missing } = installedPeers();
      report.peersMissing = missing;
      for (const m of missing) log(`  side by side: ${m} not installed (npm run bench:peers), skipped`);
      const entrants: { name: string; served: Served; headers?: Record<string, string> }[] = [
        { name: 'raw proxy', served: await start('raw', 'raw-proxy', [sims.zero.url], { core: serverCore }) },
        { name: 'router b', served: await router('b', sims.zero) },
        // As shipped: the image and the manifest run Node with DEPLOY_NODE_OPTIONS (a smaller young generation).
        { name: 'router b, image flags', served: await router('b', sims.zero, 'warn', DEPLOY_NODE_OPTIONS.split(' ')) },
        { name: 'router b, tracing on', served: await router('b', sims.zero, 'warn', [], { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_TRACES_SAMPLER: 'always_on' }) },
      ];
      // BENCH_COMPARE="label=/path/to/other/checkout,…": router b built from other checkouts (each with its
      // own dist/ and its own policy generator) in the same windows, for a same-run before/after ratio.
      const compare = compareCheckouts();
      for (const c of compare) {
        const { policyDir: otherPolicyDir } = (await import(pathToFileURL(path.join(c.repo, 'dist/bench/server/policies.js')).href)) as typeof import('./policies.js');
        const dir = await otherPolicyDir(sims.zero.url, 'b');
        dirs.push(dir);
        entrants.push({ name: `router b (${c.label})`, served: await start(`router-b-${c.label}`, 'router', [dir], { env: { ...KEY_ENV, TOKENROUTER_LOG_LEVEL: 'warn' }, core: serverCore, scriptDir: path.join(c.repo, 'dist/bench/server') }) });
      }
      try {
        for (const peer of peers) {
          const served = await peer.start(serverCore);
          entrants.push({ name: peer.name, served, headers: peer.headers(sims.zero.url) });
          const probe = await fetch(`${served.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...peer.headers(sims.zero.url) }, body: body() });
          if (probe.status !== 200) throw new Error(`${peer.name}: probe answered ${probe.status}: ${(await probe.text()).slice(0, 300)}`);
          await probe.text();
        }
        const load = (e: (typeof entrants)[number], seconds: number) => closedLoop(chat(e.served), body(), { connections: T.connections, seconds, ...(e.headers ? { headers: e.headers } : {}) });
        for (const e of entrants) await load(e, T.warm);
        const us: Record<string, number[]> = {};
        const rps: Record<string, number[]> = {};
        for (let i = 0; i < T.sbsRounds; i++) {
          for (const e of entrants) {
            const c0 = cpuUs(e.served.pid);
            const r = await load(e, T.sbsSeconds);
            (us[e.name] ??= []).push(Math.round((cpuUs(e.served.pid) - c0) / Math.max(1, r.requests)));
            (rps[e.name] ??= []).push(r.rps);
          }
        }
        const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
        const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100;
        const routerUs = median(us['router b']!);
        const routerRps = median(rps['router b']!);
        report.sideBySide = {
          rounds: T.sbsRounds,
          seconds: T.sbsSeconds,
          rawUs: us['raw proxy']!,
          routerUs: us['router b']!,
          rawMedianUs: median(us['raw proxy']!),
          routerMedianUs: routerUs,
          ratio: ratio(routerUs, median(us['raw proxy']!)),
          routerRps: rps['router b']!,
          routerMedianRps: routerRps,
          imageFlagsUs: us['router b, image flags']!,
          imageFlagsMedianUs: median(us['router b, image flags']!),
          tracingUs: us['router b, tracing on']!,
          tracingMedianUs: median(us['router b, tracing on']!),
          tracingRatio: ratio(median(us['router b, tracing on']!), routerUs),
          peers: peers.map((p) => ({
            name: p.name,
            us: us[p.name]!,
            rps: rps[p.name]!,
            medianUs: median(us[p.name]!),
            medianRps: median(rps[p.name]!),
            capacityRatio: ratio(median(us[p.name]!), routerUs),
            rpsRatio: ratio(routerRps, median(rps[p.name]!)),
          })),
        };
        log(`  side by side: router b ${routerUs} µs/req (${report.sideBySide.imageFlagsMedianUs} with the image's flags) vs raw proxy ${report.sideBySide.rawMedianUs} µs/req (${report.sideBySide.ratio}×)`);
        for (const c of compare) {
          const name = `router b (${c.label})`;
          const m = median(us[name]!);
          log(`  side by side: ${name} ${m} µs/req [${us[name]!.join(', ')}] = ${ratio(m, median(us['raw proxy']!))}× the raw proxy; this checkout's router b is ${ratio(routerUs, m)}× its CPU per request`);
        }
        log(`  side by side: router b with tracing on (100% sampled, OTLP/HTTP) ${report.sideBySide.tracingMedianUs} µs/req = ${report.sideBySide.tracingRatio}× router b's CPU per request (+${report.sideBySide.tracingMedianUs - routerUs} µs)`);
        for (const p of report.sideBySide.peers) log(`  side by side: ${p.name} ${p.medianUs} µs/req, ${p.medianRps} req/s (router b: ${p.capacityRatio}× its capacity per core)`);
      } finally {
        for (const e of entrants) await e.served.stop();
      }
    }

    // ---- LLM-like upstream: TTFT, then 1,000 concurrent streams --------------------
    const streamBody = body({ stream: true });
    const llmTargets: [string, () => Promise<Served | undefined>][] = [
      ['direct', async () => undefined],
      ['raw proxy', () => start('raw', 'raw-proxy', [sims.llm.url], { core: serverCore })],
      ...(quick ? [] : ([['router a: shipped policies', () => router('a', sims.llm)]] as [string, () => Promise<Served>][])),
      ['router b: 100 rules + 10 fw regex', () => router('b', sims.llm)],
    ];
    for (const [target, launch] of llmTargets) {
      const proc = await launch();
      const server = proc ?? sims.llm;
      try {
        await streams(chat(server), streamBody, { count: quick ? 20 : 90, concurrency: 30, staggerMs: 300 });
        const result = await streams(chat(server), streamBody, { count: T.ttft, concurrency: 10, staggerMs: 650 });
        report.ttft.push({ target, result });
        log(`  ttft    ${target}: p50 ${result.ttft.p50} ms, p99 ${result.ttft.p99} ms`);
      } finally {
        await proc?.stop();
      }
    }

    // 1,000 concurrent streams through router b (the targets' configuration): with Node's defaults, and with the
    // V8 flags the Docker image and the Kubernetes manifest set (NODE_OPTIONS).
    const runs: [string, string[]][] = [
      ['node defaults', []],
      [DEPLOY_NODE_OPTIONS, DEPLOY_NODE_OPTIONS.split(' ')],
    ];
    for (const [flags, execArgv] of quick ? runs.slice(1) : runs) {
      const dir = await policyDir(sims.llm.url, 'b');
      dirs.push(dir);
      const server = await start('router-b', 'router', [dir], { env: { ...KEY_ENV, TOKENROUTER_LOG_LEVEL: 'warn' }, core: serverCore, execArgv: [...execArgv] });
      try {
        await streams(chat(server), streamBody, { count: 30, concurrency: 30 });
        const idle = rssMb(server.pid);
        let peak = idle;
        const sampler = setInterval(() => (peak = Math.max(peak, rssMb(server.pid))), 50);
        const s = await streams(chat(server), streamBody, { count: T.streams, concurrency: T.streams });
        clearInterval(sampler);
        peak = Math.max(peak, rssMb(server.pid));
        const target = `router b: ${VARIANTS.b}, ${flags}`;
        report.concurrentStreams.push({ target, streams: T.streams, completed: s.completed, idleRssMb: idle, peakRssMb: peak, ttft: s.ttft, seconds: s.seconds });
        log(`  streams ${T.streams} concurrent through ${target}: ${s.completed} completed, RSS ${idle} → ${peak} MB, ttft p99 ${s.ttft.p99} ms`);
      } finally {
        await server.stop();
      }
    }
  } finally {
    await closeAgent();
    await collector.close();
    await sims.zero.stop();
    await sims.llm.stop();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  }
  return report;
}

/** Other checkouts to run side by side (BENCH_COMPARE="label=/abs/path,…"). */
function compareCheckouts(): { label: string; repo: string }[] {
  return (process.env.BENCH_COMPARE ?? '')
    .split(',')
    .filter(Boolean)
    .map((entry) => {
      const eq = entry.indexOf('=');
      return { label: entry.slice(0, eq), repo: entry.slice(eq + 1) };
    });
}

/** A collector that answers every OTLP export with 200 and keeps nothing. */
async function startSinkCollector(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
