// `npm run bench`: every benchmark in one invocation, so their numbers come
// from the same machine state. `--quick` runs fewer iterations (a smoke run).
// Each benchmark prints its table; the server benchmark (bench/server/) and
// the micro-benchmarks each write their JSON under bench/results/.
//   --only=server|decision|firewall   run one of them
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runDecisionBenchmark } from './decision.js';
import { runFirewallBenchmark } from './firewall.js';
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
console.log(`\nbench finished in ${((Date.now() - started) / 1000).toFixed(1)} s${quick ? ' (quick)' : ''}`);
