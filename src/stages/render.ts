// Stage: canonical output → the caller's wire format. A whole answer becomes
// Responses JSON (stored before it goes out, so a follow-up sent at once to
// any replica finds it) or a Chat completion; a stream gets a renderer that
// turns each canonical event into Responses events (or, when the request
// selects it, the hosted TokenRouter dialect: api/tokenrouter/) or Chat chunks.
import type { CanonicalEvent, CanonicalRequest, CanonicalResult } from '../canonical/types.js';
import { renderChatCompletion, type ChatContext } from '../api/chat/render.js';
import { ChatStreamRenderer } from '../api/chat/stream.js';
import { wireId } from '../api/ids.js';
import { renderResponse } from '../api/responses/render.js';
import { responseMetadata, type ResponseContext } from '../api/responses/shapes.js';
import { ResponsesStreamRenderer } from '../api/responses/stream.js';
import { TokenRouterStreamRenderer } from '../api/tokenrouter/stream.js';
import { FIREWALL_DEFAULTS } from '../policy/types.js';
import type { RouteDecision } from '../routing/decide.js';
import type { Candidate } from '../routing/select.js';
import { UpstreamHttpError } from '../upstream/errors.js';
import { store, storeChatMarker } from './store.js';
import type { Exchange, PipelineDeps } from './types.js';

/** The Responses envelope's id, time and router metadata. */
export function responseContext(ex: Exchange, req: CanonicalRequest, c: Candidate, decision: RouteDecision, warnings: readonly string[]): ResponseContext {
  return {
    id: wireId('resp_'),
    createdAt: Math.floor(Date.now() / 1000),
    model: c.model.name,
    request: req,
    providerType: c.provider.type,
    routerMetadata: {
      provider: c.provider.name,
      routing_mode: decision.mode,
      request_id: ex.requestId,
      routing_confidence: confidenceMetadata(decision.confidence),
      ...(warnings.length ? { warnings: warningsMetadata(warnings) } : {}),
    },
  };
}

/** routing_confidence as metadata (a string, as OpenAI's schema requires): a decimal with two digits, "0.85". */
export function confidenceMetadata(confidence: number): string {
  return Number.isFinite(confidence) ? confidence.toFixed(2) : '0.00';
}

/** OpenAI's limit on one metadata value. */
export const METADATA_VALUE_MAX = 512;

/**
 * The warnings as metadata: a JSON array encoded as a string, within OpenAI's 512 characters. Past
 * the limit whole entries are dropped from the end (so the JSON stays valid) and a last entry says
 * "…and N more" (at worst only that entry is left). The complete list is the
 * x-tokenrouter-warnings header.
 */
export function warningsMetadata(warnings: readonly string[]): string {
  const whole = JSON.stringify(warnings);
  if (whole.length <= METADATA_VALUE_MAX) return whole;
  for (let keep = warnings.length - 1; keep >= 0; keep--) {
    const text = JSON.stringify([...warnings.slice(0, keep), `…and ${warnings.length - keep} more`]);
    if (text.length <= METADATA_VALUE_MAX) return text;
  }
  return JSON.stringify([`…and ${warnings.length} more`]);
}

function chatContext(c: Candidate): ChatContext {
  return { id: wireId('chatcmpl-'), created: Math.floor(Date.now() / 1000), model: c.model.name, provider: c.provider.name };
}

/** A whole answer as the caller's wire body (Responses: stored first). */
export async function renderOnce(
  deps: PipelineDeps,
  ex: Exchange,
  req: CanonicalRequest,
  decision: RouteDecision,
  c: Candidate,
  result: CanonicalResult,
  warnings: readonly string[],
): Promise<unknown> {
  if (req.api === 'responses') {
    const ctx = responseContext(ex, req, c, decision, warnings);
    const body = renderResponse(ctx, result);
    await store(deps, ex, req, ctx.id, result, body, c, body.metadata);
    return body;
  }
  if (result.finish === 'error') {
    // A quota, rate-limit or request error keeps its HTTP meaning (detail); anything else is a broken upstream.
    const detail = result.error?.detail;
    const message = result.error?.message ?? 'The provider failed.';
    throw new UpstreamHttpError(detail ? { ...detail, message } : { status: 502, type: 'server_error', code: 'upstream_error', message }, c.provider.name);
  }
  await storeChatMarker(deps, ex);
  return renderChatCompletion(chatContext(c), result);
}

/** Renders one stream for the caller's API, onto the exchange's SSE writer. */
export interface StreamRenderer {
  /** The Responses id (Chat: none), under which the answer is stored. */
  readonly responseId: string | undefined;
  push(e: CanonicalEvent): void;
  /** The response firewall's warnings, known only at the end: the terminal Responses event carries them. */
  addWarnings(warnings: readonly string[]): void;
  /** The Response's metadata as the terminal event carries it (Chat: none), stored so a replay carries it too. */
  metadata(): Record<string, string> | undefined;
  end(): void;
  fail(message: string): void;
}

export function streamRenderer(ex: Exchange, req: CanonicalRequest, decision: RouteDecision, c: Candidate, warnings: readonly string[]): StreamRenderer {
  if (req.api === 'responses' && req.streamFormat === 'tokenrouter') {
    // Same id (stored under it, replayable) and metadata as the OpenAI dialect; warnings go on message.end.
    const ctx = responseContext(ex, req, c, decision, warnings);
    const r = new TokenRouterStreamRenderer(
      { provider: c.provider.name, model: c.model.name, routing_mode: decision.mode, request_id: ex.requestId, response_id: ctx.id },
      { provider: c.provider.name, blockStatus: ex.policy.settings.firewall?.blockStatus ?? FIREWALL_DEFAULTS.blockStatus },
      (name, data) => ex.sse.event(name, data),
    );
    r.addWarnings(warnings);
    r.begin();
    return {
      responseId: ctx.id,
      push: (e) => r.push(e),
      addWarnings: (more) => {
        r.addWarnings(more);
        ctx.routerMetadata.warnings = warningsMetadata([...warnings, ...more]);
      },
      // Stored with the answer, so a replay in either dialect carries the same routing metadata.
      metadata: () => responseMetadata(ctx),
      end: () => r.end(),
      fail: (message) => r.fail('server_error', message),
    };
  }
  if (req.api === 'responses') {
    const ctx = responseContext(ex, req, c, decision, warnings);
    const r = new ResponsesStreamRenderer(ctx, (name, data) => ex.sse.event(name, data));
    r.begin();
    return {
      responseId: ctx.id,
      push: (e) => r.push(e),
      addWarnings: (more) => {
        ctx.routerMetadata.warnings = warningsMetadata([...warnings, ...more]);
      },
      metadata: () => responseMetadata(ctx),
      end: () => r.end(),
      fail: (message) => r.fail('server_error', message),
    };
  }
  const r = new ChatStreamRenderer(chatContext(c), req.includeUsage ?? false, (data) => ex.sse.data(data));
  r.begin();
  // fail() is the router ending the stream (shutdown), not the provider: its error chunk names no provider.
  return { responseId: undefined, push: (e) => r.push(e), addWarnings: () => {}, metadata: () => undefined, end: () => r.end(), fail: (message) => r.fail('server_error', message, undefined, 'router') };
}
