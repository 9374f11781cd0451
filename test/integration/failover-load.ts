// Bounded load through a router while its Redis fails over, with the figures
// the issue asks for: how long tokenrouter_state_backend_up read 0 (the gap),
// the slowest request, and which requests failed and when. Used by the
// Sentinel and Cluster tests; the kill itself is the caller's.
import type { DemoStack } from '../../src/cli/demo-stack.js';
import { call, startStack, waitFor, type KeyDef } from './shared-state-stack.js';

export interface Sent {
  /** ms since the load began. */
  start: number;
  end: number;
  status: number;
  code?: string;
}

export interface FailoverFigures {
  /** ms since the load began when the kill happened. */
  killedAt: number;
  /** When the gauge first read 0 after the kill, and 1 again after that (undefined: never seen). */
  downAt?: number;
  upAt?: number;
  /** upAt - killedAt: the whole gap as the router saw it (detection + promotion + reconnect). */
  gapMs?: number;
  /** Slowest request of the whole run, and of the requests before the kill (their upstream time). */
  maxLatencyMs: number;
  baselineMaxLatencyMs: number;
  sent: Sent[];
  failures: Sent[];
}

/** The keys both failover tests use: a steady one, one with rpm 5, and PROBES with rpm 3 (one per enforcement check). */
export const PROBES = 12;
export const KEYS = {
  steady: { name: 'steady', key: 'tr-steady', extra: 'rpm: 100000' },
  limited: { name: 'limited', key: 'tr-limited', extra: 'rpm: 5' },
  ...Object.fromEntries(Array.from({ length: PROBES }, (_, i) => [`probe${i}`, { name: `probe${i}`, key: `tr-probe${i}`, extra: 'rpm: 3' }])),
} as Record<string, KeyDef>;

/** Slack for the event loop and the 25 ms gauge sampling, on a shared 2-core machine. */
export const SLACK_MS = 400;

/**
 * Two routers on the same Redis shape, one fail_open and one fail_closed (`redis`: Settings.state.redis,
 * `keyPrefix` shared), each with `keys`; resolves once both can run commands.
 */
export async function startRouterPair(redis: Record<string, unknown>, keyPrefix: string, keys: readonly KeyDef[], what: string): Promise<{ open: DemoStack; closed: DemoStack }> {
  const state = (onUnavailable: string): Record<string, unknown> => ({ redis, keyPrefix, onUnavailable });
  const open = await startStack({ keys, state: state('fail_open') });
  const closed = await startStack({ keys, state: state('fail_closed') });
  await waitFor(what, () => open.router.state.up() && closed.router.state.up(), 15_000);
  return { open, closed };
}

export const gauge = async (s: DemoStack, name: string): Promise<number> => {
  const text = await s.router.metrics.registry.getSingleMetricAsString(name);
  const line = text.split('\n').find((l) => l.startsWith(name));
  return Number(line?.split(' ').at(-1));
};

/**
 * Sends `rps` requests a second with `key` for `durationMs` (each without
 * waiting for the one before), calls `kill` after `killAfterMs`, and samples
 * the up gauge every 25 ms throughout.
 */
export async function loadThroughFailover(
  stack: DemoStack,
  key: string,
  opts: { rps: number; durationMs: number; killAfterMs: number; kill: () => Promise<unknown> | unknown },
): Promise<FailoverFigures> {
  const t0 = Date.now();
  const now = (): number => Date.now() - t0;
  const sent: Promise<Sent>[] = [];
  const samples: { t: number; up: number }[] = [];
  let killedAt = Number.NaN;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      samples.push({ t: now(), up: await gauge(stack, 'tokenrouter_state_backend_up') });
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  const interval = 1000 / opts.rps;
  let killed: Promise<unknown> | undefined;
  for (let i = 0; now() < opts.durationMs; i++) {
    if (!killed && now() >= opts.killAfterMs) {
      killedAt = now();
      killed = Promise.resolve(opts.kill());
    }
    const start = now();
    sent.push(
      call(stack.router.url, key).then((a) => ({ start, end: now(), status: a.status, ...(a.status !== 200 ? { code: a.body?.error?.code } : {}) })),
    );
    const next = (i + 1) * interval;
    await new Promise((r) => setTimeout(r, Math.max(0, next - now())));
  }
  await killed;
  const all = await Promise.all(sent);
  sampling = false;
  await sampler;
  const downAt = samples.find((s) => s.t >= killedAt && s.up === 0)?.t;
  const upAt = downAt === undefined ? undefined : samples.find((s) => s.t > downAt && s.up === 1)?.t;
  const latency = (s: Sent): number => s.end - s.start;
  return {
    killedAt,
    ...(downAt !== undefined ? { downAt } : {}),
    ...(upAt !== undefined ? { upAt, gapMs: upAt - killedAt } : {}),
    maxLatencyMs: Math.max(...all.map(latency)),
    baselineMaxLatencyMs: Math.max(...all.filter((s) => s.end < killedAt).map(latency)),
    sent: all,
    failures: all.filter((s) => s.status !== 200),
  };
}

/** One line for the closing note: the measured figures. */
export function describeFigures(what: string, f: FailoverFigures): string {
  const byCode: Record<string, number> = {};
  for (const x of f.failures) byCode[`${x.status} ${x.code ?? ''}`.trim()] = (byCode[`${x.status} ${x.code ?? ''}`.trim()] ?? 0) + 1;
  return (
    `      [figures] ${what}: ${f.sent.length} requests; gap (kill → backend_up 1) ${f.gapMs ?? '?'} ms` +
    ` (backend_up 0 after ${f.downAt === undefined ? '?' : f.downAt - f.killedAt} ms); max latency ${f.maxLatencyMs} ms` +
    ` (before the kill ${f.baselineMaxLatencyMs} ms); failures ${f.failures.length}${f.failures.length ? ` ${JSON.stringify(byCode)}` : ''}`
  );
}

/**
 * Tries fresh rpm-3 keys (4 requests each, one at a time) until one gets
 * exactly 3 × 200 then 429 — the shared window works again; resolves with how
 * long that took.
 */
export async function timeUntilEnforced(stack: DemoStack, keys: readonly KeyDef[], within = 10_000): Promise<number> {
  const t0 = Date.now();
  for (const k of keys) {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await call(stack.router.url, k.key)).status);
    if (statuses.join() === '200,200,200,429') return Date.now() - t0;
    if (Date.now() - t0 > within) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the rpm limit was not enforced again within ${within} ms`);
}

/** After `killAfterMs`: waits for the router to lose and regain its backend, then times timeUntilEnforced from that moment. */
export async function enforcedAfterPromotion(stack: DemoStack, keys: readonly KeyDef[], killAfterMs: number): Promise<number> {
  await new Promise((r) => setTimeout(r, killAfterMs));
  await waitFor('the backend to go down', () => !stack.router.state.up(), 5_000);
  await waitFor('the backend to come back', () => stack.router.state.up(), 20_000);
  return timeUntilEnforced(stack, keys);
}
