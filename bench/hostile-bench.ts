// Hostile-input benchmark: the router (its own process, pinned to one core,
// the image's V8 flags) serves the shipped firewall (with its e-mail regex)
// over the demo catalog, while 8 × 1 MB prompts are kept in flight for 3 s —
// one letter repeated, and CJK with emoji — on /v1/responses and on
// /v1/route/explain. Reported: /healthz p99 polled every 20 ms, and the p99 of
// small requests sent meanwhile. Targets: healthz p99 ≤ 50 ms, small p99 ≤ 500 ms.
//   node dist/bench/hostile-bench.js [--quick]
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { hostileLoad, hostileTexts, type HostileLoadResult } from './hostile.js';
import { KEY_ENV, policyDir } from './server/policies.js';
import { DEPLOY_NODE_OPTIONS, otherCores, SERVER_CORE, start } from './server/procs.js';
import { REPO_ROOT } from './workload.js';

export interface HostileRow {
  path: string;
  text: string;
  result: HostileLoadResult;
}

export async function runHostileBenchmark(opts: { quick?: boolean } = {}): Promise<HostileRow[]> {
  const sim = await start('sim-zero', 'sim', ['zero'], { core: otherCores() });
  const dir = await policyDir(sim.url, 'a');
  // The shipped firewall (its e-mail regex is the quadratic one the finding names) over the demo catalog.
  const shipped = await readFile(path.join(REPO_ROOT, 'policies', 'firewall.yaml'), 'utf8');
  await writeFile(path.join(dir, 'firewall.yaml'), shipped);
  const router = await start('router-hostile', 'router', [dir], {
    env: { ...KEY_ENV, TOKENROUTER_LOG_LEVEL: 'warn' },
    core: String(SERVER_CORE),
    execArgv: DEPLOY_NODE_OPTIONS.split(' '),
  });
  const rows: HostileRow[] = [];
  try {
    const texts = hostileTexts(1024 * 1024);
    // A sidecar lives in the steady state: one short unmeasured round per text first, so the first
    // measured row is not the one that pays for compiling the code paths.
    for (const text of Object.values(texts)) await hostileLoad({ url: router.url, path: '/v1/responses', text, inFlight: 8, durationMs: opts.quick ? 300 : 500, pollMs: 20, smallInFlight: 2 });
    for (const p of ['/v1/responses', '/v1/route/explain']) {
      for (const [name, text] of Object.entries(texts)) {
        const result = await hostileLoad({ url: router.url, path: p, text, inFlight: 8, durationMs: opts.quick ? 1000 : 3000, pollMs: 20, smallInFlight: 2 });
        rows.push({ path: p, text: name, result });
      }
    }
  } finally {
    await router.stop();
    await sim.stop();
  }
  return rows;
}

export function printHostileReport(rows: readonly HostileRow[]): void {
  console.log('\nhostile input: 8 × 1 MB prompts in flight, /healthz every 20 ms, 2 small requests in flight (targets: healthz p99 ≤ 50 ms, small p99 ≤ 500 ms)');
  console.log('| route | prompt | hostile answered (status: count) | /healthz p50 / p99 / max ms | small p50 / p99 ms (failed) |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const { path: p, text, result: r } of rows) {
    const statuses = Object.entries(r.hostile.statuses).map(([s, n]) => `${s}: ${n}`).join(', ');
    console.log(`| ${p} | ${text} | ${r.hostile.answered} (${statuses}) | ${r.healthz.p50} / ${r.healthz.p99} / ${r.healthz.max} (n=${r.healthz.n}) | ${r.small.p50} / ${r.small.p99} (${r.small.failed} of ${r.small.n}) |`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]!).href) {
  printHostileReport(await runHostileBenchmark({ quick: process.argv.includes('--quick') }));
}
