// The account stage: always runs, success or not — metrics, usage, the key's
// limits settled, latency samples, and one decision log line per request.
import { RouterError } from '../errors/registry.js';
import { modelLabel, providerLabel } from '../telemetry/labels.js';
import { ClientGoneError } from '../upstream/dispatch.js';
import { UpstreamHttpError } from '../upstream/errors.js';
import type { PolicySet } from '../policy/types.js';
import type { Decision, Exchange, PipelineDeps } from './types.js';
import { costUsd } from './respond.js';

export function account(deps: PipelineDeps, ex: Exchange, d: Decision, outcome: string, started: bigint): void {
  const set = ex.policy;
  const provider = providerLabel(set, d.served?.provider.name);
  const model = modelLabel(set, d.served?.provider.name, d.served?.model.name);
  const m = deps.metrics;
  m.requests.inc({ api: ex.api, provider, model, outcome });
  const totalSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  m.requestDuration.observe({ api: ex.api, outcome }, totalSeconds);
  if (d.selection) {
    m.decisions.inc({ mode: d.selection.mode, source: d.selection.modeSource });
    for (const rule of d.rules) m.ruleMatches.inc({ rule: ruleNames(set).has(rule) ? rule : 'other' });
  }
  let upstreamMs = 0;
  for (const a of d.attempts) {
    const labels = { provider: providerLabel(set, a.provider), model: modelLabel(set, a.provider, a.model), outcome: a.outcome };
    m.upstreamAttempts.inc(labels);
    m.upstreamDuration.observe(labels, a.ms / 1000);
    upstreamMs += a.ms;
    if (a.ttftMs !== undefined) m.timeToFirstToken.observe({ provider: labels.provider, model: labels.model }, a.ttftMs / 1000);
  }
  // Attempt times are whole milliseconds: clamp so rounding never reports negative overhead.
  m.routerOverhead.observe({ api: ex.api }, Math.max(0, totalSeconds - upstreamMs / 1000));
  const cost = d.usage && d.served ? costUsd(deps, d.served, d.usage) : undefined;
  if (d.usage && d.served) {
    m.tokens.inc({ provider, model, direction: 'input' }, d.usage.inputTokens);
    m.tokens.inc({ provider, model, direction: 'output' }, d.usage.outputTokens);
    m.tokens.inc({ provider, model, direction: 'cached' }, d.usage.cachedTokens);
    m.tokens.inc({ provider, model, direction: 'reasoning' }, d.usage.reasoningTokens);
    if (cost! > 0) m.costUsd.inc({ provider, model }, cost!);
  }
  deps.liveInputs.record({
    attempts: d.attempts,
    ...(d.served ? { served: d.served } : {}),
    ...(d.usage ? { usage: d.usage } : {}),
    ...(cost !== undefined ? { costUsd: cost } : {}),
    streamed: d.streaming === true,
  });
  // A stream that committed but never reported usage was still billed: keep its estimate.
  const spent = cost ?? (d.streaming ? (d.estimateUsd ?? 0) : 0);
  deps.state.keys.settle(d.keyTicket, { tokens: d.usage ? d.usage.inputTokens + d.usage.outputTokens : 0, costUsd: spent });
  // Who served it, or for a failure whom it last tried ('' when nothing was tried).
  const last = d.attempts.at(-1);
  deps.state.recordUsage({
    key: ex.caller,
    provider: d.served?.provider.name ?? last?.provider ?? '',
    model: d.served?.model.name ?? last?.model ?? '',
    inputTokens: d.usage?.inputTokens ?? 0,
    outputTokens: d.usage?.outputTokens ?? 0,
    cachedTokens: d.usage?.cachedTokens ?? 0,
    reasoningTokens: d.usage?.reasoningTokens ?? 0,
    costUsd: spent,
    error: outcome !== 'success',
  });
  // The line's object is only built when it will be written (the benchmark's `warn` level skips it).
  if (!deps.logger.isLevelEnabled('info')) return;
  deps.logger.info(
    {
      request_id: ex.requestId,
      api: ex.api,
      caller: ex.caller,
      policy_version: set.version,
      mode: d.selection?.mode,
      rules: d.rules,
      provider: d.served?.provider.name,
      model: d.served?.model.name,
      attempts: d.attempts.map((a) => `${a.provider}/${a.model}:${a.outcome}${a.reason ? `:${a.reason}` : ''}${a.status ? `:${a.status}` : ''}`),
      firewall: d.firewallHits.length ? d.firewallHits : undefined,
      outcome,
      error: d.error,
      // 499 (nginx's "client closed request") for a client that left.
      status: outcome === 'client_gone' ? 499 : d.status,
      usage: d.usage ? { input: d.usage.inputTokens, output: d.usage.outputTokens, cached: d.usage.cachedTokens, reasoning: d.usage.reasoningTokens } : undefined,
      cost_usd: cost ?? (spent > 0 ? spent : undefined),
      latency_ms: Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10,
    },
    'decision',
  );
}

// ---- helpers ----------------------------------------------------------------

const RULE_NAMES = new WeakMap<PolicySet, ReadonlySet<string>>();
/** The snapshot's routing rule names, as a set (the matches metric checks each matched name). */
function ruleNames(set: PolicySet): ReadonlySet<string> {
  let names = RULE_NAMES.get(set);
  if (!names) RULE_NAMES.set(set, (names = new Set(set.routingRules.map((r) => r.name))));
  return names;
}

/** The HTTP status an error becomes (a committed stream already sent 200). */
export function errorStatus(err: unknown, committed: boolean): number {
  if (committed) return 200;
  if (err instanceof ClientGoneError) return 499;
  if (err instanceof RouterError) return err.status;
  if (err instanceof UpstreamHttpError) return err.mapped.status;
  return 500;
}

/** USD for reported usage at the live price (price sources), else the catalog's. */
