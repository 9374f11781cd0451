// Decision benchmark: the full routing decision (`decide()`, what serving
// runs: facts, rules, actions, token estimate, candidate scoring) and rule
// evaluation alone (`evaluateRules`), at 10, 100 and 1,000 rules, on a short
// chat prompt and a 20 KB prompt — each with the rule index and, from the same
// run, with every rule evaluated (the plain baseline: no index). Without a trace,
// rules are evaluated directly (src/routing/direct-eval.ts), not by an engine run.
// Prints a table and writes bench/results/decision-<timestamp>.json.
//   node dist/bench/decision.js [--quick]
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CanonicalRequest } from '../src/canonical/types.js';
import type { PolicySet } from '../src/policy/types.js';
import { decide, type DecideContext } from '../src/routing/decide.js';
import { evaluateRules } from '../src/routing/evaluate.js';
import { ruleIndexFor, unindexed, type RuleIndexStats } from '../src/routing/rule-index.js';
import { timeCalls, type Timing } from './timing.js';
import { longRequest, policySet, REPO_ROOT, shortRequest } from './workload.js';

export interface DecisionRow {
  rules: number;
  request: 'short' | 'long-20KB';
  subject: 'decide' | 'evaluateRules';
  indexed: Timing;
  plain: Timing;
  /** plain p50 / indexed p50. */
  speedup: number;
  /** Rules the index handed to the engine for this request. */
  candidates: number;
  matched: number;
}

export interface DecisionReport {
  benchmark: 'decision';
  startedAt: string;
  quick: boolean;
  node: string;
  cpu: string;
  loadavg: number[];
  index: Record<number, RuleIndexStats>;
  rows: DecisionRow[];
}

const SIZES = [10, 100, 1000];
const CTX: DecideContext = { caller: 'bench', hasCredentials: () => true };

export async function runDecisionBenchmark(opts: { quick?: boolean } = {}): Promise<{ report: DecisionReport; file: string }> {
  const quick = opts.quick === true;
  const timing = quick ? { warmup: 50, iterations: 150 } : { warmup: 500, iterations: 2000 };
  // The plain baseline costs up to tens of ms per call at 1,000 rules: same target count, capped by time.
  // 1.5 s per row keeps the whole `npm run bench` within 5 minutes; the speedup column needs no more.
  const baseline = { ...timing, budgetMs: quick ? 100 : 1500, minIterations: quick ? 10 : 100 };
  const report: DecisionReport = {
    benchmark: 'decision',
    startedAt: new Date().toISOString(),
    quick,
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    loadavg: os.loadavg(),
    index: {},
    rows: [],
  };
  const requests: [DecisionRow['request'], CanonicalRequest][] = [
    ['short', shortRequest()],
    ['long-20KB', longRequest()],
  ];
  const sets = SIZES.map((rules) => ({ rules, set: policySet(rules) }));
  // Warm every path first, so the first configuration measured is not the one that pays for the JIT.
  for (const { set } of sets) {
    for (const [, req] of requests) {
      const facts = (await decide(set, req, CTX)).facts;
      for (let i = 0; i < timing.warmup; i++) {
        await decide(set, req, CTX);
        await evaluateRules(set, facts, { trace: false });
      }
    }
  }
  for (const { rules, set } of sets) {
    const plainSet = unindexed(set);
    report.index[rules] = ruleIndexFor(set).stats;
    for (const [name, req] of requests) {
      const decision = await decide(set, req, CTX);
      await assertSameDecision(plainSet, req, decision.rules);
      const row = (subject: DecisionRow['subject'], indexed: Timing, plain: Timing): DecisionRow => ({
        rules,
        request: name,
        subject,
        indexed,
        plain,
        speedup: Math.round((plain.p50 / indexed.p50) * 10) / 10,
        candidates: ruleIndexFor(set).candidates(decision.facts).length,
        matched: decision.rules.length,
      });
      const facts = decision.facts;
      report.rows.push(
        row('decide', await timeCalls(() => decide(set, req, CTX), timing), await timeCalls(() => decide(plainSet, req, CTX), baseline)),
        row(
          'evaluateRules',
          await timeCalls(() => evaluateRules(set, facts, { trace: false }), timing),
          await timeCalls(() => evaluateRules(plainSet, facts, { trace: false }), baseline),
        ),
      );
    }
  }
  printTable(report);
  const dir = path.join(REPO_ROOT, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `decision-${report.startedAt.replace(/[:.]/g, '-')}.json`);
  await writeFile(file, JSON.stringify(report, null, 2) + '\n');
  console.log(`\nwrote ${path.relative(process.cwd(), file)}`);
  return { report, file };
}

/** The benchmark is only worth reading if both paths decide the same. */
async function assertSameDecision(plainSet: PolicySet, req: CanonicalRequest, rules: string[]): Promise<void> {
  const plain = await decide(plainSet, req, CTX);
  if (plain.rules.join() !== rules.join()) throw new Error(`indexed and plain decisions differ: ${rules.join()} vs ${plain.rules.join()}`);
}

function printTable(report: DecisionReport): void {
  const head = ['rules', 'request', 'measured', 'cand.', 'match', 'index p50', 'p99', 'mean', 'cpu', 'plain p50', 'p99', 'mean', 'cpu', 'n', 'speedup'];
  const lines = report.rows.map((r) => [
    String(r.rules),
    r.request,
    r.subject,
    String(r.candidates),
    String(r.matched),
    us(r.indexed.p50),
    us(r.indexed.p99),
    us(r.indexed.mean),
    us(r.indexed.cpu),
    us(r.plain.p50),
    us(r.plain.p99),
    us(r.plain.mean),
    us(r.plain.cpu),
    String(r.plain.iterations),
    `${r.speedup}×`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(`\nDecision time, µs per call (indexed: ${report.rows[0]?.indexed.iterations ?? 0} iterations each, plain: n; node ${report.node}; ${report.cpu}; load ${report.loadavg.map((l) => l.toFixed(1)).join(' ')})`);
  console.log('cand. = rules the index picked for evaluation, match = rules matched; cpu = process CPU per call (GC included); plain = every rule evaluated (no index)');
  console.log(fmt(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const l of lines) console.log(fmt(l));
}

function us(v: number): string {
  return v >= 1000 ? v.toFixed(0) : v.toFixed(1);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runDecisionBenchmark({ quick: process.argv.includes('--quick') });
}
