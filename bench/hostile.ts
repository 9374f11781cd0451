// Hostile input against a running router: `inFlight` large prompts kept in
// flight (each answered request is replaced at once) while /healthz is polled
// on a fixed period and small requests keep flowing. What it reports is what a
// liveness probe and an ordinary tenant see while an attacker (or a careless
// client) sends megabytes of text the firewall and the token counter must read.
// Used by the security test (test/security/hostile-input.test.ts) and by
// `npm run bench` (bench/hostile-bench.ts), so both measure the same thing.
import http from 'node:http';

export interface HostileLoadOptions {
  url: string;
  /** Bearer key for the data-plane requests (none: anonymous). */
  key?: string;
  /** Path the hostile prompts go to: /v1/responses or /v1/route/explain. */
  path: string;
  /** The hostile prompt text. */
  text: string;
  inFlight: number;
  durationMs: number;
  /** /healthz period. */
  pollMs: number;
  /** Small /v1/responses requests kept in flight beside the hostile ones. */
  smallInFlight: number;
  /** Model of every request (a `provider/model` or `auto:*`). */
  model?: string;
}

export interface LatencySummary {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

export interface HostileLoadResult {
  healthz: LatencySummary;
  small: LatencySummary & { failed: number };
  hostile: { answered: number; statuses: Record<string, number> };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function post(url: string, path: string, body: Buffer, key?: string): Promise<number> {
  return send(url, path, 'POST', body, key);
}

function send(url: string, path: string, method: string, body: Buffer | undefined, key?: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request(
      new URL(path, url),
      {
        method,
        agent,
        headers: {
          ...(body !== undefined ? { 'content-type': 'application/json', 'content-length': body.length } : {}),
          ...(key ? { authorization: `Bearer ${key}` } : {}),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

export function summarize(ms: number[]): LatencySummary {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number): number => (s.length ? s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]! : 0);
  const round = (x: number): number => Math.round(x * 10) / 10;
  return { n: s.length, p50: round(at(0.5)), p99: round(at(0.99)), max: round(s.at(-1) ?? 0) };
}

export async function hostileLoad(o: HostileLoadOptions): Promise<HostileLoadResult> {
  const model = o.model ?? 'auto';
  // Encoded once: the load generator's own time must not show up as the router's latency.
  const hostileBody = Buffer.from(JSON.stringify({ model, input: o.text }));
  const smallBody = Buffer.from(JSON.stringify({ model, input: 'Say hello' }));
  const deadline = performance.now() + o.durationMs;
  const statuses: Record<string, number> = {};
  let answered = 0;
  const hostileLoop = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const status = await post(o.url, o.path, hostileBody, o.key);
      statuses[status] = (statuses[status] ?? 0) + 1;
      answered++;
    }
  };
  const small: number[] = [];
  let smallFailed = 0;
  const smallLoop = async (): Promise<void> => {
    // Starts once the hostile requests are on their way.
    await new Promise((r) => setTimeout(r, 50));
    while (performance.now() < deadline) {
      const t0 = performance.now();
      const status = await post(o.url, '/v1/responses', smallBody, o.key);
      small.push(performance.now() - t0);
      if (status !== 200) smallFailed++;
    }
  };
  const healthz: number[] = [];
  const pollLoop = async (): Promise<void> => {
    await new Promise((r) => setTimeout(r, 50));
    const pending: Promise<void>[] = [];
    // A fixed schedule: a probe is sent every pollMs whether or not the last one answered.
    for (let next = performance.now(); next < deadline; next += o.pollMs) {
      const wait = next - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const t0 = performance.now();
      pending.push(send(o.url, '/healthz', 'GET', undefined).then(() => void healthz.push(performance.now() - t0)));
    }
    await Promise.all(pending);
  };
  await Promise.all([
    ...Array.from({ length: o.inFlight }, hostileLoop),
    ...Array.from({ length: o.smallInFlight }, smallLoop),
    pollLoop(),
  ]);
  return { healthz: summarize(healthz), small: { ...summarize(small), failed: smallFailed }, hostile: { answered, statuses } };
}

/** The hostile texts: one letter repeated (worst case for backtracking regexes and BPE merges), and CJK with emoji. */
export function hostileTexts(bytes: number): Record<'letter' | 'cjk_emoji', string> {
  const unit = '漢字テスト한국어😀🎉👍🏽';
  return { letter: 'a'.repeat(bytes), cjk_emoji: unit.repeat(Math.ceil(bytes / Buffer.byteLength(unit))).slice(0, bytes / 3) };
}
