// The account stage: always runs, success or not — metrics, usage, the key's
// limits settled, latency samples, and one decision log line per request.
import type { Attributes } from '@opentelemetry/api';
import { RouterError } from '../errors/registry.js';
import { genAiProviderName } from '../telemetry/genai-names.js';
import { modelLabel, providerLabel } from '../telemetry/labels.js';
import { inputMessages, outputMessages, usageAttributes } from '../telemetry/trace-attributes.js';
import { ClientGoneError } from '../upstream/dispatch.js';
import { UpstreamHttpError } from '../upstream/errors.js';
import type { PolicySet } from '../policy/types.js';
import { recordPipelineDecision } from '../console/decision-record.js';
import { costUsd } from './cost.js';
import type { Trace } from './trace.js';
import type { Exchange, PipelineDeps } from './types.js';

export function account(deps: PipelineDeps, ex: Exchange, t: Trace, outcome: string): void {
  const set = ex.policy;
  const served = t.served;
  const provider = providerLabel(set, served?.provider.name);
  const model = modelLabel(set, served?.provider.name, served?.model.name);
  const m = deps.metrics;
  m.requests.inc({ api: ex.api, provider, model, outcome });
  const totalSeconds = Number(process.hrtime.bigint() - t.started) / 1e9;
  m.requestDuration.observe({ api: ex.api, outcome }, totalSeconds);
  const decision = t.routed?.decision;
  if (decision) {
    m.decisions.inc({ mode: decision.mode, source: decision.modeSource });
    for (const rule of decision.rules) m.ruleMatches.inc({ rule: ruleNames(set).has(rule) ? rule : 'other' });
  }
  const attempts = t.dispatch?.attempts ?? [];
  let upstreamMs = 0;
  for (const a of attempts) {
    const labels = { provider: providerLabel(set, a.provider), model: modelLabel(set, a.provider, a.model), outcome: a.outcome };
    m.upstreamAttempts.inc(labels);
    m.upstreamDuration.observe(labels, a.ms / 1000);
    upstreamMs += a.ms;
    if (a.ttftMs !== undefined) m.timeToFirstToken.observe({ provider: labels.provider, model: labels.model }, a.ttftMs / 1000);
  }
  // Attempt times are whole milliseconds: clamp so rounding never reports negative overhead.
  m.routerOverhead.observe({ api: ex.api }, Math.max(0, totalSeconds - upstreamMs / 1000));
  const usage = t.answered?.usage;
  const cost = usage && served ? costUsd(deps, served, usage) : undefined;
  if (usage && served) {
    m.tokens.inc({ provider, model, direction: 'input' }, usage.inputTokens);
    m.tokens.inc({ provider, model, direction: 'output' }, usage.outputTokens);
    m.tokens.inc({ provider, model, direction: 'cached' }, usage.cachedTokens);
    m.tokens.inc({ provider, model, direction: 'cache_write' }, usage.cacheWriteTokens);
    m.tokens.inc({ provider, model, direction: 'reasoning' }, usage.reasoningTokens);
    if (cost !== undefined && cost > 0) m.costUsd.inc({ provider, model }, cost);
  }
  const streamed = t.committed !== undefined;
  deps.liveInputs.record({
    attempts,
    ...(served ? { served } : {}),
    ...(usage ? { usage } : {}),
    ...(cost !== undefined ? { costUsd: cost } : {}),
    streamed,
  });
  // A stream that committed but never reported usage was still billed: keep its estimate.
  const spent = cost ?? (streamed ? (t.admitted?.estimateUsd ?? 0) : 0);
  deps.state.keys.settle(t.ticket, { tokens: usage ? usage.inputTokens + usage.outputTokens : 0, costUsd: spent });
  // Who served it, or for a failure whom it last tried ('' when nothing was tried).
  const last = attempts.at(-1);
  deps.state.recordUsage({
    key: ex.caller,
    provider: served?.provider.name ?? last?.provider ?? '',
    model: served?.model.name ?? last?.model ?? '',
    inputTokens: usage?.inputTokens ?? 0,
    outputTokens: usage?.outputTokens ?? 0,
    cachedTokens: usage?.cachedTokens ?? 0,
    cacheWriteTokens: usage?.cacheWriteTokens ?? 0,
    reasoningTokens: usage?.reasoningTokens ?? 0,
    costUsd: spent,
    error: outcome !== 'success',
  });
  if (ex.span.recording) annotateSpans(ex, t, outcome, cost ?? (spent > 0 ? spent : undefined));
  const latencyMs = Math.round(Number(process.hrtime.bigint() - t.started) / 1e5) / 10;
  if (deps.decisions) recordPipelineDecision(deps.decisions, { requestId: ex.requestId, traceId: ex.span.traceId, api: ex.api, caller: ex.caller, policy: set }, t, outcome, cost ?? (spent > 0 ? spent : undefined), latencyMs);
  // The line's object is only built when it will be written (the benchmark's `warn` level skips it).
  if (!deps.logger.isLevelEnabled('info')) return;
  const hits = t.hits;
  deps.logger.info(
    {
      request_id: ex.requestId,
      trace_id: ex.span.traceId,
      api: ex.api,
      caller: ex.caller,
      policy_version: set.version,
      mode: decision?.mode,
      rules: decision?.rules ?? [],
      provider: served?.provider.name,
      model: served?.model.name,
      attempts: attempts.map((a) => `${a.provider}/${a.model}:${a.outcome}${a.reason ? `:${a.reason}` : ''}${a.status ? `:${a.status}` : ''}`),
      firewall: hits.length ? hits : undefined,
      outcome,
      error: t.answered?.error ?? t.error,
      // 499 (nginx's "client closed request") for a client that left.
      status: outcome === 'client_gone' ? 499 : t.status,
      usage: usage ? { input: usage.inputTokens, output: usage.outputTokens, cached: usage.cachedTokens, cache_write: usage.cacheWriteTokens, reasoning: usage.reasoningTokens } : undefined,
      cost_usd: cost ?? (spent > 0 ? spent : undefined),
      latency_ms: latencyMs,
    },
    'decision',
  );
}

// ---- helpers ----------------------------------------------------------------

/** The server span's and the served attempt's attributes (telemetry/trace-attributes.ts); text only with Settings.tracing.recordContent. */
function annotateSpans(ex: Exchange, t: Trace, outcome: string, cost: number | undefined): void {
  const served = t.served;
  const answered = t.answered;
  const request = t.screened?.request;
  const answer = usageAttributes(answered?.usage, answered?.result, served ? (served.model.upstreamModel ?? served.model.name) : undefined);
  ex.span.served(answer);
  const decision = t.routed?.decision;
  const content = ex.policy.settings.tracing?.recordContent === true;
  // Assigned one by one in the order the spreads gave: object spread is a slow V8 path, and this runs per traced request.
  const attrs: Attributes = { 'gen_ai.operation.name': ex.span.operation, 'gen_ai.request.model': String(ex.body.model ?? '') };
  if (served) {
    attrs['gen_ai.provider.name'] = genAiProviderName(served.provider);
    attrs['tokenrouter.provider'] = served.provider.name;
    attrs['tokenrouter.model'] = served.model.name;
  }
  for (const k in answer) attrs[k] = answer[k];
  attrs['tokenrouter.api'] = ex.api;
  attrs['tokenrouter.request_id'] = ex.requestId;
  attrs['tokenrouter.policy_version'] = ex.policy.version;
  attrs['tokenrouter.outcome'] = outcome;
  attrs['tokenrouter.stream'] = request?.stream === true;
  if (decision) {
    attrs['tokenrouter.mode'] = decision.mode;
    attrs['tokenrouter.rules'] = [...decision.rules];
  }
  if (cost !== undefined) attrs['tokenrouter.cost_usd'] = cost;
  if (t.cache) attrs['tokenrouter.cache'] = t.cache;
  attrs['tokenrouter.firewall.actions'] = t.hits.map((h) => `${h.rule}:${h.action}:${h.scope}`);
  attrs['tokenrouter.attempts'] = t.dispatch?.attempts.length ?? 0;
  if (t.failoverReason) attrs['tokenrouter.failover_reason'] = t.failoverReason;
  const errorCode = (answered?.error ?? t.error)?.code;
  if (errorCode) attrs['error.type'] = errorCode;
  // After the masks: the request as the provider saw it, the answer as the response firewall left it.
  if (content && request) attrs['gen_ai.input.messages'] = inputMessages(request);
  if (content && answered?.result) attrs['gen_ai.output.messages'] = outputMessages(answered.result);
  ex.span.set(attrs);
}

const RULE_NAMES = new WeakMap<PolicySet, ReadonlySet<string>>();
/** The snapshot's routing rule names, as a set (the matches metric checks each matched name; built before the set goes live). */
export function ruleNames(set: PolicySet): ReadonlySet<string> {
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
