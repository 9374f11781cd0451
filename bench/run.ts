// `npm run bench`: every benchmark in one invocation, so their numbers come
// from the same machine state. `--quick` runs fewer iterations (a smoke run).
// Each benchmark prints its table; the server benchmark (bench/server/) and
// the micro-benchmarks each write their JSON under bench/results/.
//   --only=server|decision|firewall|regex|outage|hostile   run one of them
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runDecisionBenchmark } from './decision.js';
import { runFirewallBenchmark } from './firewall.js';
import { printHostileReport, runHostileBenchmark } from './hostile-bench.js';
import { runOutageBench } from './outage.js';
import { runRegexBenchmark } from './regex.js';
import { runServerBenchmark } from './server/index.js';
import { printServerReport } from './server/report.js';
import { REPO_ROOT } from './workload.js';

const quick = process.argv.includes('--quick');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const started = Date.now();
if (!only || only === 'server') {
  console.log(`server benchmark${quick ? ' (quick)' : ''}: simulators, raw proxy and router in child processes`);
  const report = await runServerBenchmark({ quick });
  printServerReport(report);
  const dir = path.join(REPO_ROOT, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `server-${new Date(started).toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(file, JSON.stringify(report, null, 2) + '\n');
  console.log(`\nwrote ${path.relative(process.cwd(), file)}`);
}
if (!only || only === 'decision') await runDecisionBenchmark({ quick });
if (!only || only === 'firewall') await runFirewallBenchmark({ quick });
if (!only || only === 'regex') await runRegexBenchmark({ quick });
if (!only || only === 'outage') {
  // The primary fails every call: success rate, attempts per request, and the latency the open breaker adds.
  const r = await runOutageBench(quick ? { samples: 100 } : {});
  console.log(
    `\noutage: ${r.succeeded}/${r.requests} succeeded via the fallback, ${r.upstreamAttempts} upstream attempts ` +
      `(${r.attemptsPerRequest.toFixed(3)} per request), circuit ${r.circuit}; with the circuit open: ` +
      `added p50 ${r.afterOpen.addedP50Ms} ms, p99 ${r.afterOpen.addedP99Ms} ms`,
  );
  const dir = path.join(REPO_ROOT, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, `outage-${new Date(started).toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify(r, null, 2) + '\n');
}
if (!only || only === 'hostile') {
  // 8 × 1 MB hostile prompts in flight: /healthz and small-request p99 (targets 50 ms and 500 ms).
  const rows = await runHostileBenchmark({ quick });
  printHostileReport(rows);
  const dir = path.join(REPO_ROOT, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, `hostile-${new Date(started).toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify(rows, null, 2) + '\n');
}
console.log(`\nbench finished in ${((Date.now() - started) / 1000).toFixed(1)} s${quick ? ' (quick)' : ''}`);
