// OpenAI Responses JSON → canonical events, plus the usage and status mapping
// the stream translator shares.
import { openaiReasoningSignature } from './request.js';
import type { CanonicalEvent, CanonicalRequest, FinishReason, StreamErrorCode, StreamErrorDetail, Usage } from '../../canonical/types.js';
import { NO_ARGUMENTS } from '../shared/arguments.js';
import { inBandFromMapped, tryJson } from '../shared/errors.js';
import { mapOpenAIError } from './errors.js';
import { makeUsage } from '../shared/usage.js';

export function responsesUsage(u: any): Usage | undefined {
  if (!u || typeof u !== 'object') return undefined;
  return makeUsage({
    inputTokens: u.input_tokens,
    outputTokens: u.output_tokens,
    cachedTokens: u.input_tokens_details?.cached_tokens,
    cacheWriteTokens: u.input_tokens_details?.cache_write_tokens,
    reasoningTokens: u.output_tokens_details?.reasoning_tokens,
  });
}

export type ResponseOutcome = { reason: FinishReason } | { error: { code: StreamErrorCode; message: string; detail?: StreamErrorDetail } };

/** status + incomplete_details + error of a final Response → finish reason or failure. */
export function responseOutcome(resp: any, sawCalls: boolean): ResponseOutcome {
  switch (resp?.status) {
    case 'completed':
      return { reason: sawCalls ? 'tool_calls' : 'stop' };
    case 'incomplete':
      return { reason: resp.incomplete_details?.reason === 'content_filter' ? 'content_filter' : 'length' };
    case 'failed':
      return { error: failure(resp.error) };
    case 'cancelled':
      return { error: { code: 'server_error', message: 'The upstream response was cancelled.' } };
    default:
      return { error: { code: 'server_error', message: `The upstream response ended with status ${String(resp?.status)}.` } };
  }
}

/**
 * A ResponseError or an `error` stream event → canonical failure. A quota,
 * rate-limit or request error carries the HTTP mapping of the same payload
 * (mapOpenAIError), so it means the same as the HTTP error would.
 */
export function failure(err: any): { code: StreamErrorCode; message: string; detail?: StreamErrorDetail } {
  const code = typeof err?.code === 'string' ? err.code : '';
  const message = typeof err?.message === 'string' && err.message ? err.message : 'The provider failed to complete the response.';
  const status = failureStatus(code, typeof err?.type === 'string' ? err.type : '');
  if (status === undefined) return { code: code === 'rate_limit_exceeded' ? 'rate_limit_exceeded' : 'server_error', message };
  const e = inBandFromMapped(mapOpenAIError(status, {}, JSON.stringify({ error: { ...err, message } })), message);
  return { code: e.code, message: e.message, ...(e.detail ? { detail: e.detail } : {}) };
}

/** Server-side codes (server_error, vector_store_timeout, unknown) stay without a status. */
function failureStatus(code: string, type: string): number | undefined {
  if (code === 'insufficient_quota' || type === 'insufficient_quota') return 429;
  if (code === 'rate_limit_exceeded' || type === 'rate_limit_error' || type === 'requests' || type === 'tokens') return 429;
  if (type === 'invalid_request_error' || code.startsWith('invalid_') || code.startsWith('image_') || code.endsWith('_image') || code === 'context_length_exceeded') return 400;
  return undefined;
}

/** Reasoning item text: the summary if there is one, else the raw reasoning text. */
export function reasoningText(item: any): string {
  const pick = (parts: unknown): string =>
    Array.isArray(parts) ? parts.map((p) => (typeof p?.text === 'string' ? p.text : '')).filter((t) => t !== '').join('\n\n') : '';
  return pick(item?.summary) || pick(item?.content);
}

export function parseResponsesBody(rawBody: unknown, _req: CanonicalRequest): CanonicalEvent[] {
  const body: any = typeof rawBody === 'string' ? tryJson(rawBody.trim()) : rawBody;
  if (!body || typeof body !== 'object') {
    return [{ type: 'start' }, { type: 'error', code: 'server_error', message: 'The provider returned a body that is not a response.' }];
  }
  const events: CanonicalEvent[] = [
    {
      type: 'start',
      ...(typeof body.id === 'string' ? { upstreamId: body.id } : {}),
      ...(typeof body.model === 'string' ? { upstreamModel: body.model } : {}),
    },
  ];
  let calls = 0;
  const output: any[] = Array.isArray(body.output) ? body.output : [];
  output.forEach((item, i) => {
    switch (item?.type) {
      case 'reasoning': {
        const text = reasoningText(item);
        const signature = openaiReasoningSignature(item.id, item.encrypted_content);
        if (text || signature) events.push({ type: 'reasoning_delta', text, ...(signature ? { signature } : {}) });
        break;
      }
      case 'message':
        for (const part of Array.isArray(item.content) ? item.content : []) {
          if (part?.type === 'output_text' && typeof part.text === 'string' && part.text) events.push({ type: 'text_delta', text: part.text });
          else if (part?.type === 'refusal' && typeof part.refusal === 'string' && part.refusal) events.push({ type: 'refusal_delta', text: part.refusal });
        }
        break;
      case 'function_call': {
        calls++;
        const key = typeof item.id === 'string' && item.id ? item.id : `output_${i}`;
        events.push({ type: 'tool_call_start', key, callId: String(item.call_id ?? item.id ?? key), name: String(item.name ?? '') });
        const args = typeof item.arguments === 'string' ? item.arguments : '';
        if (args) events.push({ type: 'tool_call_delta', key, arguments: args });
        // A finished call without arguments text was made with none (shared/arguments.ts).
        else if (item.status !== 'incomplete' && body.status !== 'incomplete' && body.status !== 'failed') events.push({ type: 'tool_call_delta', key, arguments: NO_ARGUMENTS });
        events.push({ type: 'tool_call_end', key });
        break;
      }
      default:
        break; // hosted-tool items are never requested
    }
  });
  const usage = responsesUsage(body.usage);
  if (usage) events.push({ type: 'usage', usage });
  const outcome = responseOutcome(body, calls > 0);
  events.push('error' in outcome ? { type: 'error', ...outcome.error } : { type: 'finish', reason: outcome.reason });
  return events;
}
