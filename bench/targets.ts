// The one table `npm run bench` ends with: every target of issue 23, the
// figure this run measured for it, and whether it was met. The figures come
// from the parts' reports of the same run; a part not run (--only=…) leaves
// its rows "not measured" rather than dropping them, so the table always
// lists every target.
import type { DecisionReport } from './decision.js';
import type { FirewallReport } from './firewall.js';
import type { ServerReport } from './server/index.js';

/** How the figure must relate to the limit: at most, at least, or strictly below. */
export type Comparison = '<=' | '>=' | '<';
export type Status = 'met' | 'missed' | 'not measured';

export interface TargetRow {
  target: string;
  /** The measured value in `unit`; undefined when this run did not measure it. */
  value?: number;
  cmp: Comparison;
  limit: number;
  unit: string;
  /** What the figure is made of (the two sides of a ratio, the spread), for the reader. */
  detail?: string;
  status: Status;
}

export function judge(value: number | undefined, cmp: Comparison, limit: number): Status {
  if (value === undefined || !Number.isFinite(value)) return 'not measured';
  const ok = cmp === '<=' ? value <= limit : cmp === '>=' ? value >= limit : value < limit;
  return ok ? 'met' : 'missed';
}

export function row(target: string, value: number | undefined, cmp: Comparison, limit: number, unit: string, detail?: string): TargetRow {
  return { target, ...(value !== undefined ? { value } : {}), cmp, limit, unit, ...(detail ? { detail } : {}), status: judge(value, cmp, limit) };
}

const SYMBOL: Record<Comparison, string> = { '<=': '≤', '>=': '≥', '<': '<' };

function number(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
}

export function figure(r: TargetRow): string {
  if (r.value === undefined) return '-';
  const v = `${number(r.value)}${r.unit === '×' ? '×' : ` ${r.unit}`}`;
  return r.detail ? `${v} (${r.detail})` : v;
}

/** The table as text lines: target (with its limit) | figure | met/missed. */
export function formatTargets(rows: readonly TargetRow[]): string[] {
  const cells = rows.map((r) => [`${r.target} ${SYMBOL[r.cmp]} ${number(r.limit)}${r.unit === '×' ? '×' : ` ${r.unit}`}`, figure(r), r.status]);
  const head = ['target', 'figure', 'met/missed'];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const fmt = (c: string[]): string => c.map((x, i) => x.padEnd(widths[i]!)).join(' | ').trimEnd();
  return [fmt(head), widths.map((w) => '-'.repeat(w)).join('-|-'), ...cells.map(fmt)];
}

export interface TargetInputs {
  server?: ServerReport;
  decision?: DecisionReport;
  firewall?: FirewallReport;
  /** Wall time of the whole invocation, s, and whether it was --quick (the time limit differs). */
  seconds: number;
  quick: boolean;
  /** False when --only= ran a part: the time row then says nothing about the whole run. */
  whole: boolean;
}

const SHAPES = ['Chat', 'Responses'] as const;

/** Every target of issue 23 from one run's reports. */
export function collectTargets(i: TargetInputs): TargetRow[] {
  const rows: TargetRow[] = [];
  const sbs = i.server?.sideBySide;
  for (const shape of SHAPES) {
    const s = sbs?.shapes[shape];
    rows.push(row(`router b CPU/req ÷ raw proxy's, ${shape}`, s?.ratio, '<=', 2, '×', s && `${s.routerMedianUs} vs ${s.rawMedianUs} µs`));
  }
  for (const shape of SHAPES) {
    const p = sbs?.shapes[shape]?.peers[0];
    const missing = i.server?.peersMissing?.length ? 'not installed: npm run bench:peers' : undefined;
    rows.push(row(`requests per core-second ÷ Portkey's, ${shape}`, p?.capacityRatio, '>=', 8, '×', p ? `${p.medianUs} µs vs router b ${sbs!.shapes[shape]!.routerMedianUs} µs` : missing));
  }
  // Router b runs without any OTEL_* variable: the SDK is never imported (src/telemetry/tracing.ts), so
  // "tracing off" is router b itself; the run checks that router b's environment does not ask for tracing.
  const off = row('tracing off ÷ no tracing (router b is tracing off)', sbs ? 1 : undefined, '<=', 1, '×', sbs && (sbs.tracingOffChecked ? 'router b itself: the SDK is not loaded' : "router b's environment asks for tracing"));
  if (sbs && !sbs.tracingOffChecked) off.status = 'missed';
  rows.push(off);
  for (const shape of SHAPES) {
    const s = sbs?.shapes[shape];
    rows.push(row(`tracing on (100% sampled) CPU/req ÷ router b's, ${shape}`, s?.tracingRatio, '<=', 1.15, '×', s && `${s.tracingMedianUs} vs ${s.routerMedianUs} µs`));
  }
  for (const shape of SHAPES) {
    const s = sbs?.shapes[shape];
    rows.push(row(`cache hit CPU/req ÷ raw proxy's request, ${shape}`, s?.cacheRatio, '<', 1, '×', s && `${s.cacheMedianUs} vs ${s.rawMedianUs} µs, ${s.cacheHitShare}% hits`));
  }
  for (const shape of SHAPES) {
    const l = i.server?.loneStream?.[shape];
    rows.push(row(`lone stream first byte, router − raw proxy p50, ${shape}`, l?.addedP50Ms, '<=', 0.5, 'ms', l && `${l.samples} pairs; p50 ${l.routerP50Ms} vs ${l.rawP50Ms} ms`));
  }
  const chunk = i.firewall?.stream.find((s) => s.rules.startsWith('10 regex'));
  const passThrough = i.firewall?.stream.find((s) => s.rules.startsWith('none'));
  rows.push(row('per streamed chunk, 10 response regex rules', chunk?.perChunkUs, '<=', 5, 'µs', chunk && passThrough && `pass-through ${passThrough.perChunkUs} µs`));
  const shipped = i.server?.concurrentStreams.find((c) => c.shipped);
  rows.push(row('idle RSS, shipped flags', shipped?.idleRssMb, '<=', 64, 'MB'));
  rows.push(row('RSS with 1,000 concurrent streams, shipped flags', shipped?.peakRssMb, '<=', 128, 'MB', shipped && `${shipped.completed} of ${shipped.streams} completed`));
  const decide = i.decision?.rows.find((r) => r.rules === 1000 && r.request === 'short' && r.subject === 'decide');
  rows.push(row('decide() p50 at 1,000 rules', decide?.indexed.p50, '<=', 25, 'µs', decide && `p99 ${decide.indexed.p99} µs`));
  rows.push(row(i.quick ? '`npm run bench -- --quick` wall time' : '`npm run bench` wall time', i.whole ? i.seconds : undefined, '<', i.quick ? 60 : 300, 's'));
  return rows;
}
