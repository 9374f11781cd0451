// `npm run bench`: every benchmark in one invocation, so their numbers come
// from the same machine state. `--quick` runs fewer iterations (a smoke run).
// Each benchmark prints its table; the server benchmark (bench/server/) and
// the micro-benchmarks each write their JSON under bench/results/. The run
// ends with one table of every target of issue 23 (bench/targets.ts), its
// figure from this run and met/missed, also written as targets-<time>.json,
// and the total time on the last line (docs/performance.md).
//   --only=server|decision|firewall|regex|outage|hostile   run one of them
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runDecisionBenchmark, type DecisionReport } from './decision.js';
import { runFirewallBenchmark, type FirewallReport } from './firewall.js';
import { printHostileReport, runHostileBenchmark } from './hostile-bench.js';
import { runOutageBench } from './outage.js';
import { runRegexBenchmark } from './regex.js';
import { runServerBenchmark } from './server/index.js';
import { printServerReport } from './server/report.js';
import type { ServerReport } from './server/index.js';
import { collectTargets, formatTargets } from './targets.js';
import { REPO_ROOT } from './workload.js';

const quick = process.argv.includes('--quick');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const started = Date.now();
const stamp = new Date(started).toISOString().replace(/[:.]/g, '-');
/** Seconds each part took, printed with the targets so a slow part is easy to find. */
const parts: Record<string, number> = {};
let partStart = Date.now();
const done = (part: string): void => {
  parts[part] = Math.round((Date.now() - partStart) / 100) / 10;
  partStart = Date.now();
};
let server: ServerReport | undefined;
let decision: DecisionReport | undefined;
let firewall: FirewallReport | undefined;
if (!only || only === 'server') {
  console.log(`server benchmark${quick ? ' (quick)' : ''}: simulators, raw proxy and router in child processes`);
  const report = await runServerBenchmark({ quick });
  server = report;
  printServerReport(report);
  const dir = path.join(REPO_ROOT, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `server-${stamp}.json`);
  await writeFile(file, JSON.stringify(report, null, 2) + '\n');
  console.log(`\nwrote ${path.relative(process.cwd(), file)}`);
  done('server');
}
if (!only || only === 'decision') {
  decision = (await runDecisionBenchmark({ quick })).report;
  done('decision');
}
if (!only || only === 'firewall') {
  firewall = (await runFirewallBenchmark({ quick })).report;
  done('firewall');
}
// The regex engines' table (docs/security/regex.md) serves no issue-23 target: the full run only (or --only=regex).
if (only === 'regex' || (!only && !quick)) {
  await runRegexBenchmark({ quick });
  done('regex');
} else if (!only) console.log('\nregex engines: full run only (`--only=regex --quick` for a smoke run)');
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
  await writeFile(path.join(dir, `outage-${stamp}.json`), JSON.stringify(r, null, 2) + '\n');
  done('outage');
}
if (!only || only === 'hostile') {
  // 8 × 1 MB hostile prompts in flight: /healthz and small-request p99 (targets 50 ms and 500 ms).
  const rows = await runHostileBenchmark({ quick });
  printHostileReport(rows);
  const dir = path.join(REPO_ROOT, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, `hostile-${stamp}.json`), JSON.stringify(rows, null, 2) + '\n');
  done('hostile');
}
// ---- every target of issue 23, from this run's figures --------------------------------
const seconds = Math.round((Date.now() - started) / 100) / 10;
const targets = collectTargets({ ...(server ? { server } : {}), ...(decision ? { decision } : {}), ...(firewall ? { firewall } : {}), seconds, quick, whole: !only });
console.log(`\nTargets (issue 23; router b = 100 rules + 10 firewall regexes, ${server?.shippedFlags ?? 'the shipped flags'}, server pinned to one core; every figure from this run)`);
for (const line of formatTargets(targets)) console.log(line);
const dir = path.join(REPO_ROOT, 'bench', 'results');
await mkdir(dir, { recursive: true });
const targetsFile = path.join(dir, `targets-${stamp}.json`);
await writeFile(targetsFile, JSON.stringify({ benchmark: 'targets', startedAt: new Date(started).toISOString(), quick, only: only ?? null, seconds, parts, targets }, null, 2) + '\n');
console.log(`parts (s): ${Object.entries(parts).map(([k, v]) => `${k} ${v}`).join(', ')}; wrote ${path.relative(process.cwd(), targetsFile)}`);
console.log(`\nbench finished in ${seconds.toFixed(1)} s${quick ? ' (quick)' : ''}`);
