// Firewall benchmark: what screening costs.
//   prompt:  10 regex rules (the kinds deployments write: cards, e-mails,
//            phones, SSNs, keys, hosts, passwords), then the 15 built-in
//            detectors, over 1 KB, 100 KB and 1 MB prompts of prose with
//            personal data sprinkled in;
//   hostile: 1 MB of one letter against the seed product's own e-mail regex
//            (quadratic on a run of letters in a backtracking engine; linear on
//            the router's engine, so it is scanned to the end: bench/regex.ts);
//   stream:  added time per streamed chunk with the same 10 rules in the
//            response scope (a 20 KB answer in 4-character deltas, the size
//            of a token), against the pass-through with no response rules.
// Prints a table and writes bench/results/firewall-<timestamp>.json.
//   node dist/bench/firewall.js [--quick]
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CanonicalEvent, CanonicalRequest } from '../src/canonical/types.js';
import { screenPrompt } from '../src/firewall/prompt.js';
import { ResponseStreamScreen } from '../src/firewall/response-stream.js';
import { activeRules, type ActiveRule } from '../src/firewall/rules.js';
import { ScanBudget } from '../src/firewall/scan.js';
import { buildFromSnapshot, formatProblem } from '../src/policy/load.js';
import type { PolicySet } from '../src/policy/types.js';
import { FIREWALL_DETECTORS } from '../src/policy/vocabulary.js';
import { buildFacts } from '../src/routing/facts.js';
import { timeCalls, type Timing } from './timing.js';
import { REPO_ROOT } from './workload.js';

export const REGEX_RULES: [string, string][] = [
  ['cards', String.raw`\b\d{4}[\s-]?\d{4}[\s-]?\d{4}[\s-]?\d{4}\b`],
  ['emails', String.raw`[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}`],
  ['phones', String.raw`\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}`],
  ['ssns', String.raw`\b\d{3}-\d{2}-\d{4}\b`],
  ['aws-keys', String.raw`/AKIA[0-9A-Z]{16}/`],
  ['openai-keys', String.raw`/sk-[A-Za-z0-9_-]{20,}/`],
  ['internal-hosts', String.raw`[a-z0-9-]+\.internal\.example\.com`],
  ['passwords', String.raw`password\s*[:=]\s*\S+`],
  ['ipv4', String.raw`\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b`],
  ['bearer', String.raw`bearer\s+[a-z0-9._-]{20,}`],
];

export interface FirewallRow {
  workload: string;
  size: string;
  rules: string;
  timing: Timing;
  /** Characters screened per microsecond (p50). */
  charsPerUs?: number;
}

export interface StreamRow {
  rules: string;
  chunks: number;
  /** Microseconds per chunk: the whole stream's p50 divided by its chunks. */
  perChunkUs: number;
  timing: Timing;
}

export interface FirewallReport {
  benchmark: 'firewall';
  startedAt: string;
  quick: boolean;
  node: string;
  cpu: string;
  loadavg: number[];
  prompt: FirewallRow[];
  hostile: { size: string; rule: string; budgetMs: number; blocked: boolean; ms: number };
  stream: StreamRow[];
}

function policy(rules: unknown[], firewall?: Record<string, unknown>): PolicySet {
  const doc = (kind: string, spec: unknown): string => JSON.stringify({ apiVersion: 'tokenrouter/v1', kind, metadata: { name: kind.toLowerCase() }, spec });
  const files = [
    { name: 'firewall.yaml', text: doc('FirewallRules', { rules }) },
    { name: 'providers.yaml', text: doc('Providers', { providers: [{ name: 'p', type: 'openai', baseUrl: 'http://127.0.0.1:9/v1', apiKeyEnv: 'P_KEY' }] }) },
    { name: 'models.yaml', text: doc('Models', { models: [{ name: 'm', provider: 'p', pricing: { input: 1, output: 1 }, quality: 0.5, contextWindow: 8192, capabilities: [] }] }) },
    ...(firewall ? [{ name: 'settings.yaml', text: doc('Settings', { firewall }) }] : []),
  ];
  const r = buildFromSnapshot({ directory: 'bench', resolvedDirectory: 'bench', files, hash: 'bench', bytes: 0 });
  if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
  return r.set;
}

const regexRules = (scope: string, action: string) => REGEX_RULES.map(([name, pattern]) => ({ name, scope, type: 'regex', pattern, action }));
const detectorRules = (scope: string) => Object.keys(FIREWALL_DETECTORS).map((d) => ({ name: d.replace(/_/g, '-'), scope, type: 'detector', pattern: d, action: 'mask' }));

/** Prose with a card, an e-mail, a phone number, a key and an internal host every ~1 KB. */
function prose(chars: number): string {
  const words = 'the quarterly report shows steady growth across all regions while costs remained flat and the team shipped'.split(' ');
  let out = '';
  for (let i = 0; out.length < chars; i++) {
    out += words[i % words.length] + ' ';
    if (i % 160 === 80) out += 'contact jane.doe@example.org or (415) 555-2671 about card 4111 1111 1111 1111 on db1.internal.example.com ';
  }
  return out.slice(0, chars);
}

function request(text: string): CanonicalRequest {
  return { api: 'responses', model: 'm', items: [{ type: 'message', role: 'user', content: [{ type: 'text', text }] }], tools: [], stream: false };
}

async function rulesOf(set: PolicySet): Promise<{ prompt: readonly ActiveRule[]; response: readonly ActiveRule[] }> {
  return activeRules(set, buildFacts({ text: '', mode: 'balance' }));
}

export async function runFirewallBenchmark(opts: { quick?: boolean } = {}): Promise<{ report: FirewallReport; file: string }> {
  const quick = opts.quick === true;
  const report: FirewallReport = {
    benchmark: 'firewall',
    startedAt: new Date().toISOString(),
    quick,
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    loadavg: os.loadavg(),
    prompt: [],
    hostile: { size: '1 MB', rule: 'emails', budgetMs: 0, blocked: false, ms: 0 },
    stream: [],
  };

  // ---- prompts -----------------------------------------------------------------
  const sets: [string, PolicySet][] = [
    ['10 regex (mask)', policy(regexRules('prompt', 'mask'))],
    ['15 detectors (mask)', policy(detectorRules('prompt'))],
  ];
  const sizes: [string, number, number][] = [
    ['1 KB', 1024, quick ? 200 : 2000],
    ['100 KB', 100 * 1024, quick ? 10 : 100],
    ['1 MB', 1024 * 1024, quick ? 3 : 20],
  ];
  for (const [rulesName, set] of sets) {
    const { prompt } = await rulesOf(set);
    for (const [size, chars, iterations] of sizes) {
      const req = request(prose(chars));
      const timing = await timeCalls(() => screenPrompt(set, req, prompt), { warmup: Math.max(2, iterations / 10), iterations });
      report.prompt.push({ workload: 'prompt', size, rules: rulesName, timing, charsPerUs: Math.round(chars / timing.p50) });
    }
  }

  // ---- hostile input: once quadratic, now linear (the budget still bounds the total) ---
  {
    const budgetMs = 1000;
    const set = policy([{ name: 'emails', scope: 'prompt', type: 'regex', pattern: REGEX_RULES[1]![1], action: 'mask' }], { scanBudgetMs: budgetMs });
    const { prompt } = await rulesOf(set);
    const t0 = performance.now();
    const s = screenPrompt(set, request('a'.repeat(1024 * 1024)), prompt);
    report.hostile = { size: '1 MB of "a"', rule: 'emails', budgetMs, blocked: s.blockedBy === 'emails', ms: Math.round(performance.now() - t0) };
  }

  // ---- streams: added time per chunk -------------------------------------------------
  const answer = prose(20 * 1024);
  const chunks: CanonicalEvent[] = [];
  for (let i = 0; i < answer.length; i += 4) chunks.push({ type: 'text_delta', text: answer.slice(i, i + 4) });
  const streamSets: [string, PolicySet][] = [
    ['none (pass-through)', policy([])],
    ['10 regex (mask)', policy(regexRules('response', 'mask'))],
    ['15 detectors (mask)', policy(detectorRules('response'))],
  ];
  for (const [rulesName, set] of streamSets) {
    const { response } = await rulesOf(set);
    const run = (): void => {
      const screen = new ResponseStreamScreen(response, { budget: new ScanBudget(60_000), blockMessage: () => '', report: () => {} });
      for (const e of chunks) screen.push(e);
      screen.push({ type: 'finish', reason: 'stop' });
      screen.end();
    };
    const timing = await timeCalls(run, { warmup: quick ? 2 : 5, iterations: quick ? 10 : 50 });
    report.stream.push({ rules: rulesName, chunks: chunks.length, perChunkUs: Math.round((timing.p50 / chunks.length) * 100) / 100, timing });
  }

  printTables(report);
  const dir = path.join(REPO_ROOT, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `firewall-${report.startedAt.replace(/[:.]/g, '-')}.json`);
  await writeFile(file, JSON.stringify(report, null, 2) + '\n');
  console.log(`\nwrote ${path.relative(process.cwd(), file)}`);
  return { report, file };
}

function printTables(r: FirewallReport): void {
  const ms = (us: number): string => (us / 1000).toFixed(us >= 100_000 ? 0 : 2);
  console.log(`\nFirewall: prompt screening, ms per prompt (node ${r.node}; ${r.cpu}; load ${r.loadavg.map((l) => l.toFixed(1)).join(' ')})`);
  table(
    ['rules', 'prompt', 'p50 ms', 'p99 ms', 'mean ms', 'cpu ms', 'n', 'chars/µs'],
    r.prompt.map((p) => [p.rules, p.size, ms(p.timing.p50), ms(p.timing.p99), ms(p.timing.mean), ms(p.timing.cpu), String(p.timing.iterations), String(p.charsPerUs)]),
  );
  console.log(`\nHostile input: ${r.hostile.size} against "${r.hostile.rule}": ${r.hostile.blocked ? 'blocked by the scan budget' : 'scanned to the end'} after ${r.hostile.ms} ms (scanBudgetMs ${r.hostile.budgetMs})`);
  console.log('\nFirewall: streaming, a 20 KB answer in 4-character deltas');
  table(
    ['response rules', 'chunks', 'µs/chunk', 'stream p50 ms', 'p99 ms'],
    r.stream.map((s) => [s.rules, String(s.chunks), s.perChunkUs.toFixed(2), ms(s.timing.p50), ms(s.timing.p99)]),
  );
}

function table(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(fmt(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const l of rows) console.log(fmt(l));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runFirewallBenchmark({ quick: process.argv.includes('--quick') });
}
