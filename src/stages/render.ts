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
import type { ResponseContext } from '../api/responses/shapes.js';
import { ResponsesStreamRenderer } from '../api/responses/stream.js';
import { TokenRouterStreamRenderer } from '../api/tokenrouter/stream.js';
import { FIREWALL_DEFAULTS } from '../policy/types.js';
import type { RouteDecision } from '../routing/decide.js';
import type { Candidate } from '../routing/select.js';
import { UpstreamHttpError } from '../upstream/errors.js';
import { store } from './store.js';
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
      routing_confidence: String(decision.confidence),
      ...(warnings.length ? { warnings: warningsMetadata(warnings) } : {}),
    },
  };
}

export function warningsMetadata(warnings: readonly string[]): string {
  return warnings.join(' | ').slice(0, 512);
}

function chatContext(c: Candidate): ChatContext {
  return { id: wireId('chatcmpl-'), created: Math.floor(Date.now() / 1000), model: c.model.name };
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
    await store(deps, ex, req, ctx.id, result, body, c);
    return body;
  }
  if (result.finish === 'error') {
    // A quota, rate-limit or request error keeps its HTTP meaning (detail); anything else is a broken upstream.
    const detail = result.error?.detail;
    const message = result.error?.message ?? 'The provider failed.';
    throw new UpstreamHttpError(detail ? { ...detail, message } : { status: 502, type: 'server_error', code: 'upstream_error', message }, c.provider.name);
  }
  return renderChatCompletion(chatContext(c), result);
}

/** Renders one stream for the caller's API, onto the exchange's SSE writer. */
export interface StreamRenderer {
  /** The Responses id (Chat: none), under which the answer is stored. */
  readonly responseId: string | undefined;
  push(e: CanonicalEvent): void;
  /** The response firewall's warnings, known only at the end: the terminal Responses event carries them. */
  addWarnings(warnings: readonly string[]): void;
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
      addWarnings: (more) => r.addWarnings(more),
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
      end: () => r.end(),
      fail: (message) => r.fail('server_error', message),
    };
  }
  const r = new ChatStreamRenderer(chatContext(c), req.includeUsage ?? false, (data) => ex.sse.data(data));
  r.begin();
  return { responseId: undefined, push: (e) => r.push(e), addWarnings: () => {}, end: () => r.end(), fail: (message) => r.fail('server_error', message) };
}
