// Load generators for the server benchmarks.
//   closedLoop: autocannon at a fixed number of connections (each sends its
//     next request when the previous answer ends): throughput. Latencies are
//     taken from autocannon's per-response event (float ms), not its 1-ms
//     histogram, so sub-millisecond differences stay visible.
//   openLoop: requests sent on a fixed schedule whatever the answers do, over
//     as many keep-alive sockets as needed, latency counted from the scheduled
//     send time (no coordinated omission). Bounded in count and time.
//   streams: concurrent streaming requests, time to the first body byte.
import http from 'node:http';
import autocannon from 'autocannon';

export interface LatencyStats {
  n: number;
  p50: number;
  p99: number;
  p999: number;
  mean: number;
}

export function stats(ms: number[]): LatencyStats {
  const s = Float64Array.from(ms).sort();
  const at = (q: number): number => round(s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN);
  return { n: s.length, p50: at(0.5), p99: at(0.99), p999: at(0.999), mean: round(s.reduce((a, b) => a + b, 0) / Math.max(1, s.length)) };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

export interface LoadResult {
  requests: number;
  errors: number;
  non2xx: number;
  seconds: number;
  rps: number;
  latency: LatencyStats;
}

export async function closedLoop(url: string, body: string, opts: { connections: number; seconds: number; headers?: Record<string, string> }): Promise<LoadResult> {
  const latencies: number[] = [];
  let non2xx = 0;
  const started = performance.now();
  const instance = autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...opts.headers },
    body,
    connections: opts.connections,
    duration: opts.seconds,
    // autocannon checks its stop flag once per sample: at the default 1 s a 0.4 s window ran 1 s.
    sampleInt: 100,
  }) as unknown as autocannon.Instance & Promise<autocannon.Result>; // without a callback it is both
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status >= 200 && status < 300) latencies.push(ms);
    else non2xx++;
  });
  const r = await instance;
  const seconds = (performance.now() - started) / 1000;
  return { requests: latencies.length, errors: r.errors + r.timeouts, non2xx, seconds: round(seconds), rps: Math.round(latencies.length / seconds), latency: stats(latencies) };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 4096 });

interface Answer {
  status: number;
  /** ms from the (scheduled) start to the first body byte and to the end. */
  firstByte: number;
  end: number;
}

function send(url: URL, body: string, t0: number): Promise<Answer> {
  return new Promise((resolve) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let first = -1;
        res.on('data', () => {
          if (first < 0) first = performance.now() - t0;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, firstByte: first, end: performance.now() - t0 }));
        res.on('error', () => resolve({ status: 0, firstByte: first, end: performance.now() - t0 }));
      },
    );
    req.on('error', () => resolve({ status: 0, firstByte: -1, end: performance.now() - t0 }));
    req.end(body);
  });
}

export async function openLoop(url: string, body: string, opts: { rate: number; seconds: number }): Promise<LoadResult> {
  const target = new URL(url);
  const total = Math.round(opts.rate * opts.seconds);
  const pending: Promise<Answer>[] = [];
  const started = performance.now();
  const interval = 1000 / opts.rate;
  // Send whatever is due, then sleep until the next slot (a timer, not a setImmediate
  // spin: spinning kept a whole core busy and starved the simulator sharing it, whose
  // stalls then showed as everyone's p99). Each request's clock starts at its slot, so
  // a late timer counts against the target, never hides its latency.
  while (pending.length < total) {
    const now = performance.now();
    while (pending.length < total && started + pending.length * interval <= now) pending.push(send(target, body, started + pending.length * interval));
    const wait = started + pending.length * interval - performance.now();
    await new Promise((r) => (wait >= 1 ? setTimeout(r, Math.floor(wait)) : setImmediate(r)));
  }
  const answers = await Promise.race([Promise.all(pending), new Promise<Answer[]>((r) => setTimeout(() => r([]), 15_000))]);
  const seconds = (performance.now() - started) / 1000;
  const ok = answers.filter((a) => a.status >= 200 && a.status < 300);
  return {
    requests: ok.length,
    errors: total - answers.length + answers.filter((a) => a.status === 0).length,
    non2xx: answers.filter((a) => a.status !== 0 && (a.status < 200 || a.status >= 300)).length,
    seconds: round(seconds),
    rps: Math.round(ok.length / seconds),
    latency: stats(ok.map((a) => a.end)),
  };
}

export interface StreamResult {
  requested: number;
  completed: number;
  /** ms to the first body byte. */
  ttft: LatencyStats;
  /** ms to the end of the stream. */
  total: LatencyStats;
  seconds: number;
}

/**
 * `count` streaming requests, at most `concurrency` at a time. `staggerMs`
 * spreads the workers' first sends over that span, so equal-length streams do
 * not keep arriving in synchronised bursts (whose queueing would be measured
 * as router latency).
 */
export async function streams(url: string, body: string, opts: { count: number; concurrency: number; staggerMs?: number }): Promise<StreamResult> {
  const target = new URL(url);
  const answers: Answer[] = [];
  let next = 0;
  const started = performance.now();
  const workers = Math.min(opts.concurrency, opts.count);
  const worker = async (i: number): Promise<void> => {
    if (opts.staggerMs) await new Promise((r) => setTimeout(r, (i * opts.staggerMs!) / workers));
    while (next < opts.count) {
      next++;
      answers.push(await send(target, body, performance.now()));
    }
  };
  await Promise.all(Array.from({ length: workers }, (_, i) => worker(i)));
  const ok = answers.filter((a) => a.status === 200 && a.firstByte >= 0);
  return { requested: opts.count, completed: ok.length, ttft: stats(ok.map((a) => a.firstByte)), total: stats(ok.map((a) => a.end)), seconds: round((performance.now() - started) / 1000) };
}

export async function closeAgent(): Promise<void> {
  agent.destroy();
}
