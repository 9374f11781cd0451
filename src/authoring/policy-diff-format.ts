// Renders a PolicyDiff as text (terminals, CI logs), markdown (a pull-request
// comment) or JSON (scripts). The output carries no paths or times, so the
// same traffic and policies always give the same report (golden-testable).
import type { Aspect, Change, PolicyDiff } from './policy-diff.js';

export type DiffFormat = 'text' | 'markdown' | 'json';
export const DIFF_FORMATS: readonly DiffFormat[] = ['text', 'markdown', 'json'];

/** Example line numbers shown per group; the JSON carries them all. */
const MAX_LINES = 10;

export function formatDiff(d: PolicyDiff, format: DiffFormat): string {
  if (format === 'json') return JSON.stringify(d, null, 2) + '\n';
  return format === 'markdown' ? markdown(d) : text(d);
}

function text(d: PolicyDiff): string {
  const out = [
    `policy diff: base ${d.base.version} → head ${d.head.version}`,
    `replayed ${d.requests} request(s): ${d.changed} changed, ${d.requests - d.changed} unchanged${d.skipped.length ? `, ${d.skipped.length} line(s) skipped` : ''}`,
    `changed by aspect: ${aspects(d)}`,
    `estimated cost: ${usd(d.cost.baseUsd)} → ${usd(d.cost.headUsd)}, ${delta(d.cost.baseUsd, d.cost.headUsd)}`,
  ];
  if (d.groups.length) out.push('', 'changes:');
  for (const g of d.groups) {
    out.push(`  ${g.lines.length} request(s), estimated cost ${delta(g.baseCostUsd, g.headCostUsd)}`);
    for (const c of g.changes) out.push(`    ${describe(c)}`);
    out.push(`    lines: ${lineList(g.lines)}`);
  }
  if (d.skipped.length) {
    out.push('', 'skipped lines:');
    for (const s of d.skipped) out.push(`  line ${s.line}: ${s.reason}`);
  }
  return out.join('\n') + '\n';
}

function markdown(d: PolicyDiff): string {
  const out = [
    '### TokenRouter policy diff',
    '',
    `Base \`${d.base.version}\` → head \`${d.head.version}\`: replayed **${d.requests}** request(s), **${d.changed} changed**, ${d.requests - d.changed} unchanged${d.skipped.length ? `, ${d.skipped.length} line(s) skipped` : ''}.`,
    '',
    `Estimated cost: ${usd(d.cost.baseUsd)} → ${usd(d.cost.headUsd)} **${delta(d.cost.baseUsd, d.cost.headUsd)}**. Changed by aspect: ${aspects(d)}.`,
  ];
  if (d.groups.length === 0) out.push('', 'No request changes its route, mode, firewall outcome or warnings.');
  else {
    out.push('', '| requests | change | est. cost change | traffic lines |', '| ---: | --- | ---: | --- |');
    for (const g of d.groups) {
      const change = g.changes.map((c) => cell(describe(c))).join('<br>');
      out.push(`| ${g.lines.length} | ${change} | ${delta(g.baseCostUsd, g.headCostUsd)} | ${lineList(g.lines)} |`);
    }
  }
  if (d.skipped.length) {
    out.push('', '<details><summary>Skipped traffic lines</summary>', '');
    for (const s of d.skipped) out.push(`- line ${s.line}: ${cell(s.reason)}`);
    out.push('', '</details>');
  }
  return out.join('\n') + '\n';
}

function describe(c: Change): string {
  return `${c.aspect}: ${c.from} → ${c.to}`;
}

function aspects(d: PolicyDiff): string {
  return (Object.entries(d.byAspect) as [Aspect, number][]).map(([a, n]) => `${a} ${n}`).join(', ');
}

function lineList(lines: number[]): string {
  const shown = lines.slice(0, MAX_LINES).join(', ');
  return lines.length > MAX_LINES ? `${shown}, … (${lines.length - MAX_LINES} more)` : shown;
}

/** Costs are small per request: six decimals keep a cheap model's difference visible. */
function usd(n: number): string {
  return `$${n.toFixed(6)}`;
}

function delta(from: number, to: number): string {
  // Rounded to a nano-dollar so float noise never prints as a change.
  const d = Math.round((to - from) * 1e9) / 1e9;
  const sign = d > 0 ? '+' : d < 0 ? '-' : '±';
  const pct = from > 0 && d !== 0 ? ` (${d > 0 ? '+' : '-'}${Math.abs((d / from) * 100).toFixed(1)}%)` : '';
  return `${sign}${usd(Math.abs(d))}${pct}`;
}

/** A markdown table cell: pipes and newlines would break the row. */
function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}
