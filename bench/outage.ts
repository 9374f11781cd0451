// Outage benchmark (resilience issue): the primary fails every call; 200
// concurrent requests must all succeed through the fallback, upstream attempts
// must stay within the retry budget, and once the breaker is open the added
// latency must be small. Compares, in one run, requests that would hit the
// dead primary (skipped by its open circuit) with requests sent straight to
// the fallback.
import { startDemoStack } from '../src/cli/demo-stack.js';

interface OutageResult {
  requests: number;
  succeeded: number;
  upstreamAttempts: number;
  attemptsPerRequest: number;
  circuit: string;
  afterOpen: { viaOutage: Stats; direct: Stats; addedP50Ms: number; addedP99Ms: number };
}

interface Stats {
  p50: number;
  p99: number;
  mean: number;
}

export async function runOutageBench(opts: { concurrency?: number; samples?: number } = {}): Promise<OutageResult> {
  const concurrency = opts.concurrency ?? 200;
  const samples = opts.samples ?? 500;
  const stack = await startDemoStack({ script: { models: { 'gpt-4.1': { fail: { status: 503 } } } } });
  const url = `${stack.router.url}/v1/chat/completions`;
  const post = (body: unknown): Promise<Response> => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const outage = { model: 'auto', metadata: { drill: 'outage' }, messages: [{ role: 'user', content: 'hello' }] };
  const direct = { model: 'anthropic/claude-3-haiku', messages: [{ role: 'user', content: 'hello' }] };
  try {
    // Phase 1: the burst that finds the primary down.
    const results = await Promise.all(Array.from({ length: concurrency }, () => post(outage).then(async (r) => (await r.text(), r.status))));
    const succeeded = results.filter((s) => s === 200).length;
    const upstreamAttempts = stack.sim.calls.length;
    const circuit = stack.router.resilience.breakers.state('openai/gpt-4.1');
    // Phase 2: latency with the circuit open, interleaved with direct requests.
    const viaOutage: number[] = [];
    const straight: number[] = [];
    for (let i = 0; i < samples; i++) {
      for (const [body, into] of [
        [outage, viaOutage],
        [direct, straight],
      ] as const) {
        const t = process.hrtime.bigint();
        const r = await post(body);
        await r.text();
        into.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    }
    const a = stats(viaOutage);
    const b = stats(straight);
    return {
      requests: concurrency,
      succeeded,
      upstreamAttempts,
      attemptsPerRequest: upstreamAttempts / concurrency,
      circuit,
      afterOpen: { viaOutage: a, direct: b, addedP50Ms: round(a.p50 - b.p50), addedP99Ms: round(a.p99 - b.p99) },
    };
  } finally {
    await stack.stop();
  }
}

function stats(xs: number[]): Stats {
  const s = [...xs].sort((x, y) => x - y);
  const q = (p: number): number => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return { p50: round(q(0.5)), p99: round(q(0.99)), mean: round(s.reduce((x, y) => x + y, 0) / s.length) };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // Run on its own: node dist/bench/outage.js [--quick]
  const quick = process.argv.includes('--quick');
  const r = await runOutageBench(quick ? { concurrency: 200, samples: 100 } : {});
  console.log(JSON.stringify(r, null, 2));
}
