// A lone stream's first byte: what a sidecar's one user waits for. One
// streaming request at a time, alternating between the raw proxy and the
// router (which goes first flips every pair), each after an idle gap of
// 20–50 ms — the gaps a real sidecar sees, after which caches and the JIT's
// hot state have cooled a little — against a simulator that streams at once,
// so the difference is the proxy's own work. The figure is the p50 of the
// paired differences (router − raw proxy), robust to the machine's slow phases
// since both halves of a pair run within ~0.1 s of each other.
import http from 'node:http';
import { stats, type LatencyStats } from './load.js';

export interface LoneStreamResult {
  samples: number;
  gapMs: [number, number];
  /** p50 of (router TTFT − raw proxy TTFT) over the pairs, ms. */
  addedP50Ms: number;
  rawP50Ms: number;
  routerP50Ms: number;
  raw: LatencyStats;
  router: LatencyStats;
  added: LatencyStats;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

/** ms from sending to the first body byte of a streamed answer; rejects on a non-200. */
export function firstByte(url: string, body: string): Promise<number> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request(
      { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let first = -1;
        res.on('data', () => {
          if (first < 0) first = performance.now() - t0;
        });
        res.on('end', () => (res.statusCode === 200 && first >= 0 ? resolve(first) : reject(new Error(`${url} answered ${res.statusCode}`))));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function loneStream(rawUrl: string, routerUrl: string, body: string, opts: { samples: number; warmup: number; gapMs?: [number, number] }): Promise<LoneStreamResult> {
  const gap = opts.gapMs ?? [20, 50];
  for (let i = 0; i < opts.warmup; i++) {
    await firstByte(rawUrl, body);
    await firstByte(routerUrl, body);
  }
  const raw: number[] = [];
  const router: number[] = [];
  const added: number[] = [];
  for (let i = 0; i < opts.samples; i++) {
    const order = i % 2 === 0 ? (['raw', 'router'] as const) : (['router', 'raw'] as const);
    const t: Record<string, number> = {};
    for (const who of order) {
      await sleep(gap[0] + Math.random() * (gap[1] - gap[0]));
      t[who] = await firstByte(who === 'raw' ? rawUrl : routerUrl, body);
    }
    raw.push(t.raw!);
    router.push(t.router!);
    added.push(t.router! - t.raw!);
  }
  const a = stats(added);
  const r = stats(raw);
  const o = stats(router);
  return { samples: opts.samples, gapMs: gap, addedP50Ms: a.p50, rawP50Ms: r.p50, routerP50Ms: o.p50, raw: r, router: o, added: a };
}

export function closeLoneAgent(): void {
  agent.destroy();
}
