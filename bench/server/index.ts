// Server benchmark: the whole data plane under load, every target in one run
// so the ratios compare like with like.
//   upstream   provider simulators in child processes: "zero" (answers at once)
//              and "llm" (300 ms to first token, then 50 tokens/s);
//   targets    direct to the simulator; a raw Node reverse proxy (the floor);
//              the router with policies (policies.ts), each a child process,
//              router (b) with the flags that ship (DEPLOY_NODE_OPTIONS);
//   shapes     both harness shapes: Chat (/v1/chat/completions) and Responses
//              (/v1/responses), the raw proxy forwarding each to its own kind;
//   cores      with ≥ 2 cores the server under test is pinned to the last core
//              alone, simulators and the load generator share the others;
//   CPU, RSS   read from /proc/<pid> of the server process (procs.ts): CPU µs per
//              request = CPU time over the measured window / answered requests.
// Parts: closed loop (autocannon, fixed connections) and open loop at fixed rates
// for the README's latency table; side by side (the CPU targets: raw proxy, router
// b, tracing on, cache hits, peers, in alternating windows, both shapes); a lone
// stream's first byte (lone-stream.ts); TTFT at 10 concurrent (full run); idle RSS
// and 1,000 concurrent streams; body size growth. Logging at `warn`.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { rm } from 'node:fs/promises';
import { tracingRequested } from '../../src/telemetry/tracing.js';
import { closeAgent, closedLoop, openLoop, stats, streams, type LatencyStats, type LoadResult, type StreamResult } from './load.js';
import { closeLoneAgent, loneStream, type LoneStreamResult } from './lone-stream.js';
import { KEY_ENV, policyDir, VARIANTS, type Variant } from './policies.js';
import { installedPeers } from './peers.js';
import { cpuUs, DEPLOY_NODE_OPTIONS, otherCores, pin, rssMb, SERVER_CORE, start, type Served } from './procs.js';

export type Shape = 'Chat' | 'Responses';
export const SHAPES: readonly Shape[] = ['Chat', 'Responses'];

export interface ClosedRow extends LoadResult {
  target: string;
  connections: number;
  cpuUsPerRequest: number;
  rssMb: number;
}
export interface OpenRow extends LoadResult {
  target: string;
  rate: number;
  /** Not run: the target already saturated (throughput < 90% of the rate, or p99 > 1 s) at this or a lower rate, or its closed loop stayed below the rate. */
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
/** One entrant's windows in the side-by-side part, for one shape. */
export interface Windows {
  us: number[];
  rps: number[];
  medianUs: number;
  medianRps: number;
}
/** The side-by-side figures of one harness shape; ratios are ratios of the medians. */
export interface ShapeSideBySide {
  /** Every entrant's windows, by name (raw proxy, router b, tracing on, cache hits, node defaults, peers, BENCH_COMPARE builds). */
  windows: Record<string, Windows>;
  rawMedianUs: number;
  /** Router b with the shipped flags: the targets' router. */
  routerMedianUs: number;
  routerMedianRps: number;
  ratio: number;
  tracingMedianUs: number;
  tracingRatio: number;
  cacheMedianUs: number;
  /** Cache hit CPU/request over the raw proxy's request. */
  cacheRatio: number;
  /** Share of the cache entrant's measured requests that were hits (from its /metrics), %. */
  cacheHitShare: number;
  /** Router b with Node's default flags (full run only), and its ratio to the raw proxy. */
  defaultsMedianUs?: number;
  defaultsRatio?: number;
  /** Peer gateways (peers.ts): capacityRatio = peer CPU/req ÷ router b's (requests per core-second, router over peer); rpsRatio = router b req/s ÷ peer's. */
  peers: { name: string; medianUs: number; medianRps: number; capacityRatio: number; rpsRatio: number }[];
  /** BENCH_COMPARE builds: router b from another checkout; ratio = this checkout's router b ÷ that build's. */
  compare: { label: string; medianUs: number; rawRatio: number; ratio: number }[];
}
export interface ServerReport {
  benchmark: 'server';
  quick: boolean;
  node: string;
  cpu: string;
  cores: number;
  pinned: boolean;
  /** The flags router b runs with wherever a target says "with the flags that ship". */
  shippedFlags: string;
  closed: ClosedRow[];
  open: OpenRow[];
  ttft: TtftRow[];
  sideBySide?: {
    rounds: number;
    seconds: number;
    warmSeconds: number;
    connections: number;
    /** Router b's environment asks for no tracing, so the OpenTelemetry SDK is never loaded: router b is "tracing off". */
    tracingOffChecked: boolean;
    shapes: Partial<Record<Shape, ShapeSideBySide>>;
  };
  /** Peers not installed (npm run bench:peers), so not measured. */
  peersMissing?: string[];
  /** A lone stream's first byte, router b (shipped flags) against the raw proxy, per shape. */
  loneStream?: Partial<Record<Shape, LoneStreamResult>>;
  concurrentStreams: { target: string; shipped: boolean; streams: number; completed: number; idleRssMb: number; peakRssMb: number; ttft: LatencyStats; seconds: number }[];
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
/** The same request in the Responses shape. */
const RESPONSES = { model: 'auto', instructions: CHAT.messages[0]!.content, input: [{ role: 'user', content: CHAT.messages[1]!.content }], metadata: CHAT.metadata };
const body = (extra: Record<string, unknown> = {}): string => JSON.stringify({ ...CHAT, ...extra });
const bodyOf = (shape: Shape, extra: Record<string, unknown> = {}): string => (shape === 'Chat' ? body(extra) : JSON.stringify({ ...RESPONSES, ...extra }));

function prose(bytes: number): string {
  const words = 'the quarterly report shows steady growth across all regions while costs remained flat and the team shipped on time '.repeat(8);
  let out = '';
  while (out.length < bytes) out += words;
  return out.slice(0, bytes);
}

const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100;

export async function runServerBenchmark(opts: { quick?: boolean; log?: (line: string) => void } = {}): Promise<ServerReport> {
  const quick = opts.quick === true;
  const t0 = performance.now();
  // Each progress line says when it happened, so a part that runs long is easy to find.
  const say = opts.log ?? ((l: string) => console.log(l));
  const log = (l: string): void => say(`${l} [${((performance.now() - t0) / 1000).toFixed(1)} s]`);
  // Warm-up matters: the router's CPU per request falls by a third over its first
  // few thousand requests (JIT tiering), and a sidecar lives in the steady state.
  const T = quick
    ? { warm: 0.5, closed: 1, open: 1, rates: [1000], connections: 32, streams: 1000, bodyN: [20, 10, 4, 2], sbsWarm: 0.7, sbsRounds: 3, sbsSeconds: 0.4, lone: 30, loneWarm: 10 }
    : { warm: 3, closed: 3, open: 3, rates: [1000], connections: 32, streams: 1000, bodyN: [200, 100, 30, 8], sbsWarm: 2, sbsRounds: 5, sbsSeconds: 1, lone: 150, loneWarm: 50 };
  // BENCH_SBS="warm,rounds,seconds" overrides the side-by-side windows (e.g. "5,5,2", the first round's).
  const sbs = (process.env.BENCH_SBS ?? '').split(',').map(Number);
  if (sbs.length === 3 && sbs.every((x) => x > 0)) [T.sbsWarm, T.sbsRounds, T.sbsSeconds] = sbs as [number, number, number];
  // BENCH_EXTRA="a,c,info,defaults,ttft" adds rows no target needs (kept out of the 5-minute run):
  // closed-loop rows for configurations (a), (c) and (b) at info logging, router b with Node's default
  // flags side by side, and TTFT at 10 concurrent streams over the LLM-like simulator.
  const extra = new Set((process.env.BENCH_EXTRA ?? '').split(',').filter(Boolean));
  const shipped = DEPLOY_NODE_OPTIONS.split(' ');
  const pinned = pin(process.pid, otherCores());
  const report: ServerReport = { benchmark: 'server', quick, node: process.version, cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, pinned, shippedFlags: DEPLOY_NODE_OPTIONS, closed: [], open: [], ttft: [], concurrentStreams: [], bodySize: [] };
  const others = otherCores();
  const serverCore = String(SERVER_CORE);
  const sims = { zero: await start('sim-zero', 'sim', ['zero'], { core: others }), llm: await start('sim-llm', 'sim', ['llm'], { core: others }) };
  const dirs: string[] = [];
  // An OTLP/HTTP collector that accepts and drops: what tracing costs the router, not what a collector costs.
  const collector = await startSinkCollector();
  const routerEnv = (level: string, env: Record<string, string>): Record<string, string> => ({ ...KEY_ENV, TOKENROUTER_LOG_LEVEL: level, ...env });
  const router = async (variant: Variant, sim: Served, level = 'warn', flags: readonly string[] = shipped, env: Record<string, string> = {}): Promise<Served> => {
    const dir = await policyDir(sim.url, variant);
    dirs.push(dir);
    const execArgv = process.env.BENCH_CPU_PROF === variant ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR ?? 'bench/results'}`] : [];
    return start(`router-${variant}`, 'router', [dir], { env: routerEnv(level, env), core: serverCore, execArgv: [...flags, ...execArgv] });
  };
  const sim = (s: Served): boolean => s.name.startsWith('sim');
  const urlOf = (s: Served, shape: Shape): string => `${s.url}${sim(s) ? '/openai' : ''}/v1/${shape === 'Chat' ? 'chat/completions' : 'responses'}`;
  const chat = (s: Served): string => urlOf(s, 'Chat');
  const probe = async (name: string, url: string, b: string, headers: Record<string, string> = {}): Promise<void> => {
    const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: b });
    const text = await r.text();
    if (r.status !== 200) throw new Error(`${name}: probe answered ${r.status}: ${text.slice(0, 300)}`);
  };
  const shippedLabel = `router b: ${VARIANTS.b}, ${DEPLOY_NODE_OPTIONS}`;

  try {
    // ---- zero-delay upstream: closed loop, open loop, body size (the README's latency table) --
    // Not in --quick: no target reads them, and the side-by-side part loads the same two servers.
    const zeroTargets: [string, () => Promise<Served | undefined>][] = [
      ['direct', async () => undefined],
      ['raw proxy', () => start('raw', 'raw-proxy', [sims.zero.url], { core: serverCore })],
      [shippedLabel, () => router('b', sims.zero)],
      ...(['a', 'c'] as Variant[]).filter((v) => extra.has(v)).map((v): [string, () => Promise<Served>] => [`router ${v}: ${VARIANTS[v]}, ${DEPLOY_NODE_OPTIONS}`, () => router(v, sims.zero)]),
      ...(extra.has('info') ? ([['router b, info logging', () => router('b', sims.zero, 'info')]] as [string, () => Promise<Served>][]) : []),
    ];
    for (const [target, launch] of quick ? [] : zeroTargets) {
      const proc = await launch();
      const server = proc ?? sims.zero;
      const url = chat(server);
      try {
        await probe(target, url, body());
        await closedLoop(url, body(), { connections: T.connections, seconds: T.warm });
        const cpu0 = cpuUs(server.pid);
        const r = await closedLoop(url, body(), { connections: T.connections, seconds: T.closed });
        const row: ClosedRow = { target, connections: T.connections, ...r, cpuUsPerRequest: Math.round((cpuUs(server.pid) - cpu0) / Math.max(1, r.requests)), rssMb: rssMb(server.pid) };
        report.closed.push(row);
        log(`  closed  ${target}: ${row.rps} req/s, p50 ${row.latency.p50} ms, ${row.cpuUsPerRequest} µs CPU/req`);
        if (target.includes('info')) continue;
        let saturatedAt: number | undefined;
        for (const rate of T.rates) {
          // Its closed loop already fell short of this rate: an open loop would only queue (for up to 15 s).
          if (saturatedAt === undefined && row.rps < rate) saturatedAt = rate;
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
        if (target.startsWith('raw') || target === shippedLabel) {
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

    // ---- side by side: the CPU targets, alternating windows, both shapes ----------------
    // Every entrant runs at once (loaded one at a time), so slow phases of a shared machine
    // hit them alike; the headline ratios are ratios of the medians.
    {
      const { peers, missing } = installedPeers();
      report.peersMissing = missing;
      for (const m of missing) log(`  side by side: ${m} not installed (npm run bench:peers), skipped`);
      const tracingEnv = { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_TRACES_SAMPLER: 'always_on' };
      type Entrant = { name: string; served: Served; headers?: Record<string, string>; shapes: Shape[] };
      // Started together (each waits for its own ready message), so the start-ups overlap.
      const launches: [string, Promise<Served>][] = [
        ['raw proxy', start('raw', 'raw-proxy', [sims.zero.url], { core: serverCore })],
        // As shipped: `npm start`, the image and the manifest run Node with DEPLOY_NODE_OPTIONS.
        ['router b', router('b', sims.zero)],
        ['router b, tracing on', router('b', sims.zero, 'warn', shipped, tracingEnv)],
        ['router b, cache hits', router('b-cache', sims.zero)],
        // Node's default flags: the first round's other figure, not a target.
        ...(extra.has('defaults') ? ([['router b, node defaults', router('b', sims.zero, 'warn', [])]] as [string, Promise<Served>][]) : []),
      ];
      const settled = await Promise.allSettled(launches.map(([, p]) => p));
      const failed = settled.find((x): x is PromiseRejectedResult => x.status === 'rejected');
      if (failed) {
        for (const x of settled) if (x.status === 'fulfilled') await x.value.stop();
        throw failed.reason;
      }
      log(`  side by side: ${launches.length} servers started`);
      const entrants: Entrant[] = launches.map(([name], i) => ({ name, served: (settled[i] as PromiseFulfilledResult<Served>).value, shapes: [...SHAPES] }));
      // "Tracing off" is router b itself: its environment asks for no exporter, so the SDK is never imported.
      const tracingOffChecked = !tracingRequested({ ...process.env, ...routerEnv('warn', {}) }) && tracingRequested({ ...process.env, ...routerEnv('warn', tracingEnv) });
      // BENCH_COMPARE="label=/path/to/other/checkout,…": router b built from other checkouts (each with its
      // own dist/ and its own policy generator) in the same windows, for a same-run before/after ratio.
      const compare = compareCheckouts();
      for (const c of compare) {
        const { policyDir: otherPolicyDir } = (await import(pathToFileURL(path.join(c.repo, 'dist/bench/server/policies.js')).href)) as typeof import('./policies.js');
        const dir = await otherPolicyDir(sims.zero.url, 'b');
        dirs.push(dir);
        entrants.push({ name: `router b (${c.label})`, served: await start(`router-b-${c.label}`, 'router', [dir], { env: routerEnv('warn', {}), core: serverCore, execArgv: shipped, scriptDir: path.join(c.repo, 'dist/bench/server') }), shapes: [...SHAPES] });
      }
      try {
        for (const peer of peers) {
          const served = await peer.start(serverCore);
          const e: Entrant = { name: peer.name, served, headers: peer.headers(sims.zero.url), shapes: [] };
          entrants.push(e);
          // A peer without one of the shapes is measured on the other only (the table says which).
          for (const shape of SHAPES) {
            await probe(peer.name, urlOf(served, shape), bodyOf(shape), e.headers).then(
              () => e.shapes.push(shape),
              (err: Error) => log(`  side by side: ${peer.name} ${shape}: ${err.message.slice(0, 200)}; not measured`),
            );
          }
        }
        for (const e of entrants) for (const shape of e.shapes) await probe(e.name, urlOf(e.served, shape), bodyOf(shape), e.headers);
        const load = (e: Entrant, shape: Shape, seconds: number) => closedLoop(urlOf(e.served, shape), bodyOf(shape), { connections: T.connections, seconds, ...(e.headers ? { headers: e.headers } : {}) });
        for (const e of entrants) for (const shape of e.shapes) await load(e, shape, T.sbsWarm);
        log('  side by side: warmed up');
        const us: Record<string, number[]> = {};
        const rps: Record<string, number[]> = {};
        const hits: Record<Shape, { hits: number; requests: number }> = { Chat: { hits: 0, requests: 0 }, Responses: { hits: 0, requests: 0 } };
        for (let i = 0; i < T.sbsRounds; i++) {
          for (const shape of SHAPES) {
            for (const e of entrants) {
              if (!e.shapes.includes(shape)) continue;
              const cache = e.name.includes('cache');
              const h0 = cache ? await cacheHits(e.served.url) : 0;
              const c0 = cpuUs(e.served.pid);
              const r = await load(e, shape, T.sbsSeconds);
              (us[`${e.name}|${shape}`] ??= []).push(Math.round((cpuUs(e.served.pid) - c0) / Math.max(1, r.requests)));
              (rps[`${e.name}|${shape}`] ??= []).push(r.rps);
              if (cache) {
                hits[shape].hits += (await cacheHits(e.served.url)) - h0;
                hits[shape].requests += r.requests;
              }
            }
          }
        }
        const windows = (name: string, shape: Shape): Windows | undefined => {
          const u = us[`${name}|${shape}`];
          const q = rps[`${name}|${shape}`];
          return u && q ? { us: u, rps: q, medianUs: median(u), medianRps: median(q) } : undefined;
        };
        report.sideBySide = { rounds: T.sbsRounds, seconds: T.sbsSeconds, warmSeconds: T.sbsWarm, connections: T.connections, tracingOffChecked, shapes: {} };
        for (const shape of SHAPES) {
          const w: Record<string, Windows> = {};
          for (const e of entrants) {
            const x = windows(e.name, shape);
            if (x) w[e.name] = x;
          }
          const raw = w['raw proxy']!;
          const rb = w['router b']!;
          const defaults = w['router b, node defaults'];
          const s: ShapeSideBySide = {
            windows: w,
            rawMedianUs: raw.medianUs,
            routerMedianUs: rb.medianUs,
            routerMedianRps: rb.medianRps,
            ratio: ratio(rb.medianUs, raw.medianUs),
            tracingMedianUs: w['router b, tracing on']!.medianUs,
            tracingRatio: ratio(w['router b, tracing on']!.medianUs, rb.medianUs),
            cacheMedianUs: w['router b, cache hits']!.medianUs,
            cacheRatio: ratio(w['router b, cache hits']!.medianUs, raw.medianUs),
            // Requests still in flight when a window closes are counted by the router, not by the load generator.
            cacheHitShare: Math.min(100, Math.round((1000 * hits[shape].hits) / Math.max(1, hits[shape].requests)) / 10),
            ...(defaults ? { defaultsMedianUs: defaults.medianUs, defaultsRatio: ratio(defaults.medianUs, raw.medianUs) } : {}),
            peers: peers
              .filter((p) => w[p.name])
              .map((p) => ({ name: p.name, medianUs: w[p.name]!.medianUs, medianRps: w[p.name]!.medianRps, capacityRatio: ratio(w[p.name]!.medianUs, rb.medianUs), rpsRatio: ratio(rb.medianRps, w[p.name]!.medianRps) })),
            compare: compare.map((c) => {
              const m = w[`router b (${c.label})`]!.medianUs;
              return { label: c.label, medianUs: m, rawRatio: ratio(m, raw.medianUs), ratio: ratio(rb.medianUs, m) };
            }),
          };
          report.sideBySide.shapes[shape] = s;
          log(`  side by side, ${shape}: router b ${s.routerMedianUs} µs/req vs raw proxy ${s.rawMedianUs} (${s.ratio}×); tracing on ${s.tracingMedianUs} (${s.tracingRatio}×); cache hits ${s.cacheMedianUs} (${s.cacheRatio}× raw, ${s.cacheHitShare}% hits)`);
          for (const c of s.compare) log(`  side by side, ${shape}: router b (${c.label}) ${c.medianUs} µs/req = ${c.rawRatio}× the raw proxy; this checkout's router b is ${c.ratio}× its CPU per request`);
          for (const p of s.peers) log(`  side by side, ${shape}: ${p.name} ${p.medianUs} µs/req, ${p.medianRps} req/s (router b: ${p.capacityRatio}× its capacity per core)`);
        }

        // ---- a lone stream's first byte: router b (shipped flags, warmed above) against the raw proxy --
        report.loneStream = {};
        const rawProxy = entrants.find((e) => e.name === 'raw proxy')!.served;
        const routerB = entrants.find((e) => e.name === 'router b')!.served;
        for (const shape of SHAPES) {
          const l = await loneStream(urlOf(rawProxy, shape), urlOf(routerB, shape), bodyOf(shape, { stream: true }), { samples: T.lone, warmup: T.loneWarm });
          report.loneStream[shape] = l;
          log(`  lone stream, ${shape}: first byte router ${l.routerP50Ms} ms vs raw proxy ${l.rawP50Ms} ms p50; paired difference p50 ${l.addedP50Ms} ms (${l.samples} pairs)`);
        }
      } finally {
        await Promise.all(entrants.map((e) => e.served.stop()));
        log('  side by side: stopped');
      }
    }

    // ---- LLM-like upstream: TTFT at 10 concurrent (BENCH_EXTRA=ttft; the lone stream above is the target) --
    const streamBody = body({ stream: true });
    if (extra.has('ttft')) {
      const llmTargets: [string, () => Promise<Served | undefined>][] = [
        ['direct', async () => undefined],
        ['raw proxy', () => start('raw', 'raw-proxy', [sims.llm.url], { core: serverCore })],
        [shippedLabel, () => router('b', sims.llm)],
      ];
      for (const [target, launch] of llmTargets) {
        const proc = await launch();
        const server = proc ?? sims.llm;
        try {
          await streams(chat(server), streamBody, { count: 60, concurrency: 30, staggerMs: 300 });
          const result = await streams(chat(server), streamBody, { count: 60, concurrency: 10, staggerMs: 650 });
          report.ttft.push({ target, result });
          log(`  ttft    ${target}: p50 ${result.ttft.p50} ms, p99 ${result.ttft.p99} ms`);
        } finally {
          await proc?.stop();
        }
      }
    }

    // Idle RSS and 1,000 concurrent streams through router b: with the flags that ship (the targets), and
    // (BENCH_EXTRA=defaults) with Node's defaults.
    const runs: [string, string[]][] = [
      [DEPLOY_NODE_OPTIONS, shipped],
      ['node defaults', []],
    ];
    for (const [flags, execArgv] of extra.has('defaults') ? runs : runs.slice(0, 1)) {
      const server = await router('b', sims.llm, 'warn', execArgv);
      try {
        await streams(chat(server), streamBody, { count: 30, concurrency: 30 });
        // Idle: what a sidecar holds between requests, once every path has been compiled.
        await new Promise((r) => setTimeout(r, 500));
        const idle = rssMb(server.pid);
        let peak = idle;
        const sampler = setInterval(() => (peak = Math.max(peak, rssMb(server.pid))), 50);
        const s = await streams(chat(server), streamBody, { count: T.streams, concurrency: T.streams });
        clearInterval(sampler);
        peak = Math.max(peak, rssMb(server.pid));
        const target = `router b: ${VARIANTS.b}, ${flags}`;
        report.concurrentStreams.push({ target, shipped: execArgv === shipped, streams: T.streams, completed: s.completed, idleRssMb: idle, peakRssMb: peak, ttft: s.ttft, seconds: s.seconds });
        log(`  streams ${T.streams} concurrent through ${target}: ${s.completed} completed, RSS ${idle} → ${peak} MB, ttft p99 ${s.ttft.p99} ms`);
      } finally {
        await server.stop();
      }
    }
  } finally {
    await closeAgent();
    closeLoneAgent();
    await collector.close();
    await sims.zero.stop();
    await sims.llm.stop();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  }
  return report;
}

/** The router's cache hits so far, from its Prometheus metrics. */
async function cacheHits(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = /^tokenrouter_cache_requests_total\{[^}]*result="hit"[^}]*\}\s+(\d+(?:\.\d+)?)/m.exec(text);
  return m ? Number(m[1]) : 0;
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
