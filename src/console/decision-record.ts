// Building a DecisionRecord at the end of a request (the account stages call
// these). Only references the Trace already holds are copied — the candidate
// list becomes [provider, model, via, terms] tuples so the record keeps no
// ProviderSpec/ModelSpec and, above all, nothing that holds the request. The
// prompt is read (masked: the screened request) only when
// Settings.console.recordPrompts asks for it.
import type { PolicySet } from '../policy/types.js';
import { requestText } from '../routing/decide.js';
import type { Trace } from '../stages/trace.js';
import { cutPrompt, type CandidateRef, type DecisionRecord, type DecisionRing } from './decision-ring.js';

export interface RecordContext {
  requestId: string;
  traceId: string | undefined;
  api: string;
  caller: string;
  policy: PolicySet;
}

const NO_CANDIDATES: readonly CandidateRef[] = Object.freeze([]);

export function recordPipelineDecision(ring: DecisionRing, ex: RecordContext, t: Trace, outcome: string, costUsd: number | undefined, latencyMs: number): void {
  const decision = t.routed?.decision;
  const served = t.served;
  const error = t.answered?.error ?? t.error;
  const screened = t.screened?.request;
  ring.write({
    requestId: ex.requestId,
    traceId: ex.traceId,
    startedAt: t.startedAt,
    api: ex.api,
    key: ex.caller,
    mode: decision?.mode,
    provider: served?.provider.name,
    model: served?.model.name,
    rules: decision?.rules ?? [],
    outcome,
    status: outcome === 'client_gone' ? 499 : t.status,
    latencyMs,
    costUsd,
    stream: (screened ?? t.routed?.request)?.stream === true,
    cache: t.cache,
    candidates: decision ? decision.candidates.map((c): CandidateRef => [c.provider.name, c.model.name, c.via, c.terms]) : NO_CANDIDATES,
    firewall: t.hits,
    attempts: t.dispatch?.attempts ?? [],
    failoverReason: t.failoverReason,
    usage: t.answered?.usage,
    error: error ? { code: error.code ?? null, message: error.message } : undefined,
    prompt: screened && ex.policy.settings.console?.recordPrompts === true ? cutPrompt(requestText(screened)) : undefined,
  });
}

/** The forward pipeline (embeddings): one provider, one call, prompt firewall only. */
export function recordForwardDecision(
  ring: DecisionRing,
  ex: RecordContext,
  r: { provider?: string; model?: string; status?: number; firewallHits: readonly { rule: string; action: string }[]; prompt?: string; inputTokens: number },
  outcome: string,
  costUsd: number,
  startedAt: number,
  latencyMs: number,
): void {
  const served = outcome === 'success' ? r.provider : undefined;
  ring.write({
    requestId: ex.requestId,
    traceId: ex.traceId,
    startedAt,
    api: ex.api,
    key: ex.caller,
    mode: undefined,
    provider: served,
    model: served !== undefined ? r.model : undefined,
    rules: [],
    outcome,
    status: r.status,
    latencyMs,
    costUsd: served !== undefined ? costUsd : undefined,
    stream: false,
    cache: undefined,
    candidates: r.provider !== undefined && r.model !== undefined ? [[r.provider, r.model, 'forward', undefined]] : NO_CANDIDATES,
    firewall: r.firewallHits,
    attempts:
      r.provider !== undefined && r.model !== undefined && r.status !== undefined
        ? [{ provider: r.provider, model: r.model, outcome: r.status < 400 ? 'success' : 'error', status: r.status, ms: latencyMs }]
        : [],
    failoverReason: undefined,
    usage: served !== undefined ? { inputTokens: r.inputTokens, outputTokens: 0, cachedTokens: 0, reasoningTokens: 0 } : undefined,
    error: undefined,
    prompt: r.prompt !== undefined && ex.policy.settings.console?.recordPrompts === true ? cutPrompt(r.prompt) : undefined,
  });
}
