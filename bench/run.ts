// `npm run bench`: every benchmark in one invocation, so their numbers come
// from the same machine state. `--quick` runs fewer iterations (a smoke run).
// Each benchmark prints its table and writes its JSON under bench/results/.
import { runDecisionBenchmark } from './decision.js';
import { runFirewallBenchmark } from './firewall.js';

const quick = process.argv.includes('--quick');
const started = Date.now();
await runDecisionBenchmark({ quick });
await runFirewallBenchmark({ quick });
console.log(`\nbench finished in ${((Date.now() - started) / 1000).toFixed(1)} s${quick ? ' (quick)' : ''}`);
