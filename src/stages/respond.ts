// What the answer carries besides the model output: the response/chat
// contexts (ids, router metadata), the stored conversation entry, cost and
// the decision headers.
import type { CanonicalRequest, CanonicalResult, Usage } from '../canonical/types.js';
import { type ChatContext } from '../api/chat/render.js';
import type { ResponseContext } from '../api/responses/shapes.js';
import { wireId } from '../api/ids.js';
import type { Candidate } from '../routing/select.js';
import type { Decision, Exchange, PipelineDeps } from './types.js';

export function responseContext(ex: Exchange, req: CanonicalRequest, c: Candidate, d: Decision): ResponseContext {
  return {
    id: wireId('resp_'),
    createdAt: Math.floor(Date.now() / 1000),
    model: c.model.name,
    request: req,
    routerMetadata: {
      provider: c.provider.name,
      routing_mode: d.selection?.mode ?? '',
      request_id: ex.requestId,
      routing_confidence: String(d.selection?.confidence ?? 1),
      ...(d.warnings.length ? { warnings: warningsMetadata(d) } : {}),
    },
  };
}

export function warningsMetadata(d: Decision): string {
  return d.warnings.join(' | ').slice(0, 512);
}

export function chatContext(c: Candidate): ChatContext {
  return { id: wireId('chatcmpl-'), created: Math.floor(Date.now() / 1000), model: c.model.name };
}

/** Keeps the response for replay and previous_response_id, owned by the calling key (even a store:false marker). */
export async function store(
  deps: PipelineDeps,
  ex: Exchange,
  req: CanonicalRequest,
  id: string,
  result: CanonicalResult,
  response: Record<string, unknown> | undefined,
  c: Candidate,
): Promise<void> {
  if (req.store === false) {
    await deps.conversations.put({ id, owner: ex.caller, stored: false, createdAt: Date.now() });
    return;
  }
  await deps.conversations.put({
    id,
    owner: ex.caller,
    stored: true,
    items: req.items,
    result,
    ...(response ? { response } : {}),
    provider: c.provider.name,
    providerType: c.provider.type,
    model: c.model.name,
    createdAt: Date.now(),
  });
}

/**
 * What a budget reserves before the call: the routing estimate of the first
 * candidate (input tokens at its price + the expected output), else — a rule's
 * fallback has no score — the input estimate plus the most output the request
 * allows, at the dearest candidate's prices.
 */

/**
 * What a budget reserves before the call: the routing estimate of the first
 * candidate (input tokens at its price + the expected output), else — a rule's
 * fallback has no score — the input estimate plus the most output the request
 * allows, at the dearest candidate's prices.
 */
export function estimateUsd(deps: PipelineDeps, req: CanonicalRequest, d: Decision): number {
  const first = d.selection?.candidates[0];
  if (first?.terms) return first.terms.costUsd;
  const inputTokens = d.inputTokens ?? 0;
  let worst = 0;
  for (const c of d.selection?.candidates ?? []) {
    const p = deps.liveInputs.priceOf(c);
    const output = req.maxOutputTokens ?? c.model.maxOutputTokens ?? 4096;
    worst = Math.max(worst, (inputTokens * p.input + output * p.output) / 1e6);
  }
  return worst;
}

/** The HTTP status an error becomes (a committed stream already sent 200). */

/** USD for reported usage at the live price (price sources), else the catalog's. */
export function costUsd(deps: PipelineDeps, c: Candidate, u: Usage): number {
  const p = deps.liveInputs.priceOf(c);
  const cached = Math.min(u.cachedTokens, u.inputTokens);
  const input = (u.inputTokens - cached) * p.input + cached * (p.cachedInput ?? p.input);
  return (input + u.outputTokens * p.output) / 1e6;
}

export function decisionHeaders(ex: Exchange, d: Decision): Record<string, string> {
  const h: Record<string, string> = {
    'x-tokenrouter-request-id': ex.requestId,
    'x-tokenrouter-policy-version': ex.policy.version,
    // A stream commits during its (successful) attempt, before that attempt is recorded.
    'x-tokenrouter-attempts': String(d.attempts.length + (d.streaming && d.served ? 1 : 0)),
  };
  if (d.selection) h['x-tokenrouter-mode'] = d.selection.mode;
  if (d.served) {
    h['x-tokenrouter-provider'] = d.served.provider.name;
    h['x-tokenrouter-model'] = d.served.model.name;
  }
  if (d.rules.length) h['x-tokenrouter-rules'] = d.rules.join(',');
  if (d.costUsd !== undefined) h['x-tokenrouter-cost-usd'] = d.costUsd.toFixed(8);
  if (d.failoverReason) h['x-tokenrouter-failover-reason'] = d.failoverReason;
  if (d.dispatch?.stopReason) h['x-tokenrouter-stop-reason'] = d.dispatch.stopReason;
  if (d.warnings.length) h['x-tokenrouter-warnings'] = encodeURIComponent(d.warnings.join(' | ')).slice(0, 2000);
  return h;
}
