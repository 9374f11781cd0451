// Builders for Responses wire objects, shared by the JSON renderer and the
// stream renderer so both emit exactly the same shapes (the terminal stream
// event carries the same Response a non-stream call returns).
import type { CanonicalRequest, FinishReason, TextFormat, Usage } from '../../canonical/types.js';

export interface ResponseContext {
  id: string;
  createdAt: number;
  /** The model actually used (the catalog name). */
  model: string;
  request: CanonicalRequest;
  /** The serving provider's type, named in reasoning-state envelopes (routerMetadata.provider is its name). */
  providerType?: string;
  /**
   * Keys the router sets in metadata (provider, routing_mode, request_id, routing_confidence, warnings):
   * they win over caller keys of the same name, so a caller cannot forge them (responseMetadata).
   */
  routerMetadata: Record<string, string>;
}

/** The Response's metadata: the caller's keys, then the router's over them (a caller's `provider` never shows). */
export function responseMetadata(ctx: Pick<ResponseContext, 'request' | 'routerMetadata'>): Record<string, string> {
  // Copied key by key: spreading two objects of different shapes took V8's slow clone path on every answer.
  const out: Record<string, string> = {};
  copyInto(out, ctx.request.metadata);
  copyInto(out, ctx.routerMetadata);
  return out;
}

/** Own string keys as data properties (a key named __proto__ stays a key, as in a spread). */
function copyInto(out: Record<string, string>, from: Readonly<Record<string, string>> | undefined): void {
  if (!from) return;
  for (const k of Object.keys(from)) {
    if (k === '__proto__') Object.defineProperty(out, k, { value: from[k], enumerable: true, writable: true, configurable: true });
    else out[k] = from[k]!;
  }
}

export function usageWire(u: Usage) {
  return {
    input_tokens: u.inputTokens,
    input_tokens_details: { cached_tokens: u.cachedTokens, cache_write_tokens: u.cacheWriteTokens },
    output_tokens: u.outputTokens,
    output_tokens_details: { reasoning_tokens: u.reasoningTokens },
    total_tokens: u.totalTokens,
  };
}

export function formatWire(f: TextFormat | undefined) {
  if (!f || f.type === 'text') return { type: 'text' as const };
  if (f.type === 'json_object') return { type: 'json_object' as const };
  return {
    type: 'json_schema' as const,
    name: f.name,
    schema: f.schema,
    strict: f.strict ?? false,
    ...(f.description !== undefined ? { description: f.description } : {}),
  };
}

export function statusOf(finish: FinishReason | undefined): {
  status: 'completed' | 'incomplete' | 'failed' | 'in_progress';
  incomplete_details: { reason: 'max_output_tokens' | 'content_filter' } | null;
} {
  switch (finish) {
    case 'stop':
    case 'tool_calls':
      return { status: 'completed', incomplete_details: null };
    case 'length':
      return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } };
    case 'content_filter':
      return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } };
    case 'error':
      return { status: 'failed', incomplete_details: null };
    default:
      return { status: 'in_progress', incomplete_details: null };
  }
}

/** The Response envelope around `output`, echoing the request's settings. */
export function responseEnvelope(
  ctx: ResponseContext,
  output: unknown[],
  finish: FinishReason | undefined,
  usage: Usage | undefined,
  error: { code: string; message: string } | null,
) {
  const r = ctx.request;
  const { status, incomplete_details } = statusOf(finish);
  const done = status !== 'in_progress';
  return {
    id: ctx.id,
    object: 'response' as const,
    created_at: ctx.createdAt,
    status,
    ...(done ? { completed_at: Math.floor(Date.now() / 1000) } : {}),
    error: error && { ...error, code: responseErrorCode(error.code) },
    incomplete_details,
    instructions: r.instructions ?? null,
    max_output_tokens: r.maxOutputTokens ?? null,
    model: ctx.model,
    output,
    parallel_tool_calls: r.parallelToolCalls ?? true,
    previous_response_id: r.previousResponseId ?? null,
    reasoning: { effort: r.reasoningEffort ?? null, summary: null },
    store: r.store ?? true,
    temperature: r.temperature ?? 1,
    text: { format: formatWire(r.textFormat) },
    tool_choice: toolChoiceWire(r),
    tools: r.tools.map((t) => ({
      type: 'function' as const,
      name: t.name,
      description: t.description ?? null,
      parameters: t.parameters ?? null,
      strict: t.strict ?? null,
    })),
    top_p: r.topP ?? 1,
    truncation: 'disabled' as const,
    ...(usage ? { usage: usageWire(usage) } : {}),
    metadata: responseMetadata(ctx),
    ...(r.user !== undefined ? { user: r.user } : {}),
  };
}

/**
 * Response.error.code must be a ResponseErrorCode. A firewall block has no
 * code of its own there: invalid_prompt says "not servable as asked" (the
 * `error` stream event before it carries firewall_blocked and the rule).
 */
function responseErrorCode(code: string): string {
  return code === 'firewall_blocked' ? 'invalid_prompt' : code;
}

function toolChoiceWire(r: CanonicalRequest) {
  const tc = r.toolChoice ?? 'auto';
  return typeof tc === 'string' ? tc : { type: 'function' as const, name: tc.name };
}
