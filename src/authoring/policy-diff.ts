// Replays recorded traffic through two policy sets and says what would change:
// for each request the outcome under the base set and under the head set
// (provider, model, mode, firewall verdict, warnings, estimated cost), then the
// changed requests grouped by what changed. Every outcome comes from
// explainRequest(), the function behind `tokenrouter explain` and
// `POST /v1/route/explain`, so a diff shows what serving would do; no
// provider is called. Formatting lives in policy-diff-format.ts.
import type { PolicySet, ProviderSpec } from '../policy/types.js';
import { RouterError } from '../errors/registry.js';
import { explainRequest, normalizeAnyRequest, type FirewallAction } from './explain.js';

/** One replayable request from a traffic line: the body, who sent it, and where it was. */
export interface TrafficEntry {
  line: number;
  body: Record<string, any>;
  caller: string;
}

export interface SkippedLine {
  line: number;
  reason: string;
}

/**
 * A JSONL traffic file → requests. A line is a plain Responses/Chat body, or a
 * request-log record holding one under `request` or `body` (with an optional
 * `caller`, the ApiKeys name the request came with). Blank lines are ignored;
 * unreadable lines are returned as skipped, never silently dropped.
 */
export function parseTraffic(text: string): { entries: TrafficEntry[]; skipped: SkippedLine[] } {
  const entries: TrafficEntry[] = [];
  const skipped: SkippedLine[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      // The parser's message differs between Node versions; the line number is what a reader needs.
      skipped.push({ line, reason: 'not JSON' });
      return;
    }
    if (!isObject(value)) {
      skipped.push({ line, reason: 'not a JSON object' });
      return;
    }
    const wrapped = isObject(value.request) ? value.request : isObject(value.body) ? value.body : undefined;
    const caller = typeof value.caller === 'string' && value.caller !== '' ? value.caller : 'anonymous';
    if ('request' in value || 'body' in value) {
      if (!wrapped) skipped.push({ line, reason: 'a log record whose request/body is not an object' });
      else entries.push({ line, body: wrapped, caller });
      return;
    }
    const { caller: _caller, ...body } = value;
    entries.push({ line, body, caller });
  });
  return { entries, skipped };
}

/** What one policy set would do with one request. */
export type Outcome =
  | {
      kind: 'routed';
      provider: string;
      model: string;
      mode: string;
      firewall: FirewallAction;
      warnings: string[];
      /** Estimated cost of the chosen candidate (its score terms), 0 when the firewall blocks. */
      costUsd: number;
    }
  | { kind: 'rejected'; code: string };

export interface ReplayOptions {
  hasCredentials: (p: Readonly<ProviderSpec>) => boolean;
  assumeCredentials?: boolean;
}

export async function outcomeOf(set: PolicySet, entry: TrafficEntry, opts: ReplayOptions): Promise<Outcome> {
  try {
    const req = normalizeAnyRequest(entry.body);
    const ex = await explainRequest(set, req, { caller: entry.caller, hasCredentials: opts.hasCredentials, assumeCredentials: opts.assumeCredentials ?? false });
    const d = ex.decision;
    const blocked = ex.firewall.action === 'block';
    return {
      kind: 'routed',
      provider: d.provider,
      model: d.model,
      mode: d.mode,
      firewall: ex.firewall.action,
      warnings: d.warnings,
      // A blocked prompt never reaches a provider, so it costs nothing.
      costUsd: blocked ? 0 : (ex.candidates[0]?.terms?.cost_usd ?? 0),
    };
  } catch (e) {
    if (e instanceof RouterError) return { kind: 'rejected', code: e.code };
    throw e;
  }
}

/** The aspects a change is reported by, in report order. */
export type Aspect = 'route' | 'mode' | 'firewall' | 'warnings';

export interface Change {
  aspect: Aspect;
  from: string;
  to: string;
}

export interface ChangeGroup {
  /** One line per changed aspect, e.g. "route: anthropic/claude-sonnet-4-5 → openai/gpt-4o". */
  changes: Change[];
  lines: number[];
  baseCostUsd: number;
  headCostUsd: number;
}

export interface PolicyDiff {
  base: { version: string };
  head: { version: string };
  requests: number;
  changed: number;
  skipped: SkippedLine[];
  /** Requests per changed aspect (a request can count under several). */
  byAspect: Record<Aspect, number>;
  cost: { baseUsd: number; headUsd: number };
  /** Largest group first, then by description. */
  groups: ChangeGroup[];
}

export async function diffPolicies(
  base: PolicySet,
  head: PolicySet,
  traffic: { entries: TrafficEntry[]; skipped: SkippedLine[] },
  opts: ReplayOptions,
): Promise<PolicyDiff> {
  const groups = new Map<string, ChangeGroup>();
  const byAspect: Record<Aspect, number> = { route: 0, mode: 0, firewall: 0, warnings: 0 };
  let baseUsd = 0;
  let headUsd = 0;
  let changed = 0;
  for (const entry of traffic.entries) {
    const a = await outcomeOf(base, entry, opts);
    const b = await outcomeOf(head, entry, opts);
    const ca = cost(a);
    const cb = cost(b);
    baseUsd += ca;
    headUsd += cb;
    const changes = compareOutcomes(a, b);
    if (changes.length === 0) continue;
    changed++;
    for (const c of changes) byAspect[c.aspect]++;
    const key = changes.map((c) => `${c.aspect}\0${c.from}\0${c.to}`).join('\n');
    const g = groups.get(key) ?? { changes, lines: [], baseCostUsd: 0, headCostUsd: 0 };
    g.lines.push(entry.line);
    g.baseCostUsd += ca;
    g.headCostUsd += cb;
    groups.set(key, g);
  }
  const sorted = [...groups.entries()].sort(([ka, a], [kb, b]) => b.lines.length - a.lines.length || ka.localeCompare(kb)).map(([, g]) => g);
  return {
    base: { version: base.version },
    head: { version: head.version },
    requests: traffic.entries.length,
    changed,
    skipped: traffic.skipped,
    byAspect,
    cost: { baseUsd, headUsd },
    groups: sorted,
  };
}

/** The aspects that differ between two outcomes; a rejection differs from every routed outcome in its route only. */
export function compareOutcomes(a: Outcome, b: Outcome): Change[] {
  const out: Change[] = [];
  const route = (o: Outcome): string => (o.kind === 'rejected' ? `rejected (${o.code})` : `${o.provider}/${o.model}`);
  if (route(a) !== route(b)) out.push({ aspect: 'route', from: route(a), to: route(b) });
  if (a.kind === 'rejected' || b.kind === 'rejected') return out;
  if (a.mode !== b.mode) out.push({ aspect: 'mode', from: a.mode, to: b.mode });
  if (a.firewall !== b.firewall) out.push({ aspect: 'firewall', from: a.firewall, to: b.firewall });
  if (JSON.stringify(a.warnings) !== JSON.stringify(b.warnings)) out.push({ aspect: 'warnings', from: warningList(a.warnings), to: warningList(b.warnings) });
  return out;
}

function warningList(ws: string[]): string {
  return ws.length ? ws.map((w) => JSON.stringify(w)).join(', ') : 'none';
}

function cost(o: Outcome): number {
  return o.kind === 'routed' ? o.costUsd : 0;
}

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
