// Latency sampling for micro-benchmarks: warm up (so the JIT has compiled the
// hot path), then time each call separately and report percentiles, because a
// mean alone hides the GC pauses and promise-scheduling tails users feel.

export interface Timing {
  iterations: number;
  /** Microseconds per call. */
  p50: number;
  p99: number;
  mean: number;
  min: number;
  /** Process CPU time (all threads, GC included) per call: steadier than wall time on a busy machine. */
  cpu: number;
}

export interface TimingOptions {
  warmup: number;
  iterations: number;
  /**
   * Stop early once this many milliseconds were spent (after at least
   * `minIterations`): for baselines that cost milliseconds per call, so the
   * whole suite stays within a few minutes. `iterations` in the result is the
   * count actually timed.
   */
  budgetMs?: number;
  minIterations?: number;
}

export async function timeCalls(fn: () => unknown, opts: TimingOptions): Promise<Timing> {
  const budgetUs = (opts.budgetMs ?? Infinity) * 1000;
  let warm = 0;
  for (let i = 0; i < opts.warmup && warm < budgetUs / 10; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    warm += Number(process.hrtime.bigint() - t0) / 1000;
  }
  const all = new Float64Array(opts.iterations);
  const cpu0 = process.cpuUsage();
  let n = 0;
  let spent = 0;
  while (n < opts.iterations && (spent < budgetUs || n < (opts.minIterations ?? 0))) {
    const t0 = process.hrtime.bigint();
    await fn();
    all[n] = Number(process.hrtime.bigint() - t0) / 1000;
    spent += all[n++]!;
  }
  const cpu = process.cpuUsage(cpu0);
  const samples = all.subarray(0, n);
  samples.sort();
  const at = (q: number): number => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
  return {
    iterations: n,
    p50: round(at(0.5)),
    p99: round(at(0.99)),
    mean: round(samples.reduce((a, b) => a + b, 0) / samples.length),
    min: round(samples[0]!),
    cpu: round((cpu.user + cpu.system) / n),
  };
}

function round(us: number): number {
  return Math.round(us * 10) / 10;
}
