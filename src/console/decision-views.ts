// The decision ring's records as the console API shows them (DecisionSummary,
// Decision) and the list filters. Everything here runs at read time, off the
// data plane's path.
import type { DecisionRecord } from './decision-ring.js';

export interface DecisionFilter {
  key?: string;
  provider?: string;
  model?: string;
  rule?: string;
  outcome?: string;
  limit: number;
}

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 10_000;

export function summary(r: DecisionRecord) {
  return {
    requestId: r.requestId,
    traceId: r.traceId ?? null,
    at: new Date(r.startedAt).toISOString(),
    api: r.api,
    key: r.key,
    mode: r.mode ?? null,
    provider: r.provider ?? null,
    model: r.model ?? null,
    rules: [...r.rules],
    outcome: r.outcome,
    status: r.status ?? null,
    latencyMs: r.latencyMs,
    costUsd: r.costUsd ?? null,
    stream: r.stream,
    cache: r.cache ?? null,
  };
}

export function detail(r: DecisionRecord) {
  return {
    ...summary(r),
    candidates: r.candidates.map(([provider, model, via, terms]) => ({ provider, model, via, terms: terms ? { ...terms } : null })),
    firewall: r.firewall.map((h) => ({ rule: h.rule, action: h.action, scope: h.scope ?? 'prompt' })),
    attempts: r.attempts.map((a) => ({ provider: a.provider, model: a.model, outcome: a.outcome, reason: a.reason ?? null, status: a.status ?? null, ms: a.ms, ttftMs: a.ttftMs ?? null })),
    failoverReason: r.failoverReason ?? null,
    usage: r.usage ? { input: r.usage.inputTokens, output: r.usage.outputTokens, cached: r.usage.cachedTokens, reasoning: r.usage.reasoningTokens } : null,
    error: r.error ? { code: r.error.code, message: r.error.message } : null,
    prompt: r.prompt ?? null,
  };
}

export function matches(r: DecisionRecord, f: DecisionFilter): boolean {
  return (
    (f.key === undefined || r.key === f.key) &&
    (f.provider === undefined || r.provider === f.provider || r.attempts.some((a) => a.provider === f.provider)) &&
    (f.model === undefined || r.model === f.model || r.attempts.some((a) => a.model === f.model)) &&
    (f.rule === undefined || r.rules.includes(f.rule) || r.firewall.some((h) => h.rule === f.rule)) &&
    (f.outcome === undefined || r.outcome === f.outcome)
  );
}

/** Newest first, filtered, at most `limit`. */
export function listDecisions(newestFirst: readonly DecisionRecord[], f: DecisionFilter) {
  const out = [];
  for (const r of newestFirst) {
    if (out.length >= f.limit) break;
    if (matches(r, f)) out.push(summary(r));
  }
  return out;
}

/** The query string's filters (`simple` parser: strings only); an empty value filters nothing. */
export function parseFilter(q: Record<string, unknown>): DecisionFilter | string {
  const text = (name: string): string | undefined => {
    const v = q[name];
    return typeof v === 'string' && v !== '' ? v.slice(0, 200) : undefined;
  };
  let limit = DEFAULT_LIMIT;
  if (q.limit !== undefined && q.limit !== '') {
    const n = Number(q.limit);
    if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) return `\`limit\` must be an integer from 1 to ${MAX_LIMIT}.`;
    limit = n;
  }
  const f: DecisionFilter = { limit };
  for (const name of ['key', 'provider', 'model', 'rule', 'outcome'] as const) {
    const v = text(name);
    if (v !== undefined) f[name] = v;
  }
  return f;
}
