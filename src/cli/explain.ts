// `tokenrouter explain --request FILE [--policies DIR] [--json] [--assume-credentials] [--caller NAME]`:
// how the router would serve a request body (Responses, Chat when it has
// `messages`, Messages when it says `api: messages`) under a policy directory, without calling any provider — the
// same explanation `POST /v1/route/explain` returns, as a readable report or
// as that JSON. Exit 0 explained, 1 the router would reject the request
// (unknown model, no candidates, invalid body), 2 usage, 3 invalid policy.
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { formatProblem, loadPolicyDirectory } from '../policy/load.js';
import { explainRequest, normalizeAnyRequest, type Explanation } from '../authoring/explain.js';
import { RouterError, wireError } from '../errors/registry.js';
import { hasCredentials } from '../upstream/credentials.js';

export const EXPLAIN_EXIT = { ok: 0, rejected: 1, usage: 2, invalid: 3 } as const;

export interface ExplainArgs {
  request?: string;
  policies: string;
  json?: boolean;
  assumeCredentials?: boolean;
  caller?: string;
}

export async function explainCommand(args: ExplainArgs, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  if (!args.request) {
    err.write('explain: --request FILE is required (a JSON or YAML request body)\n');
    return EXPLAIN_EXIT.usage;
  }
  let body: unknown;
  try {
    const text = await readFile(args.request, 'utf8');
    body = /\.ya?ml$/i.test(args.request) ? parseYaml(text, { maxAliasCount: 100 }) : JSON.parse(text);
  } catch (e) {
    err.write(`explain: cannot read request ${args.request}: ${(e as Error).message}\n`);
    return EXPLAIN_EXIT.usage;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    err.write(`explain: ${args.request} must hold a request body object\n`);
    return EXPLAIN_EXIT.usage;
  }
  const loaded = await loadPolicyDirectory(args.policies);
  if (!loaded.ok) {
    for (const p of loaded.problems) err.write(formatProblem(p) + '\n');
    err.write(`${loaded.problems.length} problem(s) in ${args.policies}\n`);
    return EXPLAIN_EXIT.invalid;
  }
  try {
    const req = normalizeAnyRequest(body as Record<string, any>);
    const ex = await explainRequest(loaded.set, req, {
      caller: args.caller ?? 'anonymous',
      hasCredentials,
      assumeCredentials: args.assumeCredentials ?? false,
    });
    out.write(args.json ? JSON.stringify(ex, null, 2) + '\n' : formatExplanation(ex, args.policies));
    return EXPLAIN_EXIT.ok;
  } catch (e) {
    if (!(e instanceof RouterError)) throw e;
    // The same error a client would get, so a script can tell them apart.
    if (args.json) out.write(JSON.stringify({ status: e.status, ...wireError(e) }, null, 2) + '\n');
    else out.write(`rejected: HTTP ${e.status} ${e.code}: ${e.message}\n`);
    return EXPLAIN_EXIT.rejected;
  }
}

export function formatExplanation(ex: Explanation, directory: string): string {
  const d = ex.decision;
  const w = d.weights;
  const scored = ex.candidates.filter((c) => c.via === 'score').length;
  const lines = [
    `policy ${ex.policy_version} (${directory})`,
    `request: model=${ex.request.model} api=${ex.request.api} mode requested=${ex.request.mode_requested ?? '-'} estimated input tokens=${ex.estimated_input_tokens}`,
    '',
    `chosen: ${d.provider}/${d.model}`,
    `  why: ${scored > 1 ? `highest score of ${scored} candidates` : 'the only candidate'} in mode ${d.mode}` + (d.rules.length ? `, under rules ${d.rules.join(', ')}` : ', no rule matched'),
    `  mode: ${d.mode} (${d.mode_source === 'rule' ? 'set by a rule' : d.mode_source === 'request' ? 'asked by the request' : 'the default'}); weights cost ${w.cost} / quality ${w.quality} / latency ${w.latency}; confidence ${d.confidence}`,
    `  warnings: ${d.warnings.length ? d.warnings.map((x) => JSON.stringify(x)).join(', ') : 'none'}`,
    `  fallback chain: ${d.fallback_chain.join(' → ') || 'none'}`,
    `  firewall: ${ex.firewall.action}${ex.firewall.rules.length ? ` (${ex.firewall.rules.join(', ')})` : ''}`,
    ...ex.balancing.groups.map((g) => `  deployments of ${g.model} (balancing ${ex.balancing.strategy}, picked per request): ${g.deployments.map((x) => `${x.provider} (weight ${x.weight})`).join(', ')}`),
    '',
    'candidates:',
    ...table(
      ['#', 'provider/model', 'via', 'cost_usd', 'latency_ms', 'quality', 'cost', 'latency', 'quality_term', 'score'],
      ex.candidates.map((c, i) => {
        const t = c.terms;
        const id = [String(i + 1), `${c.provider}/${c.model}`, c.via];
        if (!t) return [...id, '-', '-', '-', '-', '-', '-', '-'];
        return [...id, t.cost_usd.toFixed(6), `${t.latency_ms}${t.latency_source === 'live' ? '*' : ''}`, String(t.quality), String(t.cost), String(t.latency), String(t.quality_term), String(t.score)];
      }),
    ),
    `  (cost_usd, latency_ms, quality: estimates; cost, latency, quality_term: normalised 0..1, 1 best; score: weighted; * live latency)`,
    '',
    `excluded (${ex.excluded.length}):`,
    ...(ex.excluded.length ? ex.excluded.map((e) => `  ${e.model}  [${e.filter}] ${e.reason}`) : ['  none']),
    '',
    'rules (evaluation order):',
  ];
  for (const r of ex.rules) {
    lines.push(`  ${r.matched ? 'yes' : 'no '}  ${r.name} (priority ${r.priority})${r.note ? `  ${r.note}` : ''}`);
    if (r.enabled) lines.push(...conditionLines(r.conditions, 4));
  }
  return lines.join('\n') + '\n';
}

/** A json-rules-engine condition tree: all/any/not nodes, then leaves with the fact value and result. */
function conditionLines(node: unknown, indent: number): string[] {
  if (typeof node !== 'object' || node === null) return [];
  const n = node as Record<string, unknown>;
  const pad = ' '.repeat(indent);
  for (const op of ['all', 'any'] as const) {
    if (Array.isArray(n[op])) {
      const kids = n[op] as unknown[];
      // The compiled rule wraps everything in one `all`; skip that level when it holds one condition.
      if (indent === 4 && op === 'all' && kids.length === 1) return conditionLines(kids[0], indent);
      return [`${pad}${op}:`, ...kids.flatMap((k) => conditionLines(k, indent + 2))];
    }
  }
  if (n.not !== undefined) return [`${pad}not:`, ...conditionLines(n.not, indent + 2)];
  if (typeof n.fact !== 'string') return [];
  const fact = `${n.fact}${typeof n.path === 'string' ? ` ${n.path}` : ''}`;
  const verdict = 'result' in n ? `fact=${clip(JSON.stringify(n.factResult) ?? 'undefined')} → ${n.result ? 'true' : 'false'}` : 'not evaluated';
  return [`${pad}${fact} ${String(n.operator)} ${JSON.stringify(n.value)}   ${verdict}`];
}

function clip(s: string, max = 72): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function table(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => '  ' + cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(head), ...rows.map(line)];
}
