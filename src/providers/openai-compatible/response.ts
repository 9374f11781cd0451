// Chat Completions JSON body → canonical events (docs/providers.md#response). Also the
// pieces the stream translator shares: content flattening (Mistral chunk
// arrays), usage (#usage) and finish-reason mapping (#finish-reasons).
import type { CanonicalEvent, CanonicalRequest, FinishReason, StreamErrorCode, StreamErrorDetail, Usage } from '../../canonical/types.js';
import { inBandFromMapped, tryJson } from '../shared/errors.js';
import { mapChatError } from './errors.js';
import { randomId } from '../shared/ids.js';
import { NO_ARGUMENTS } from '../shared/arguments.js';
import { makeUsage } from '../shared/usage.js';

/** A provider finish reason mapped: a canonical reason, or an in-band failure. */
export type MappedFinish = { reason: FinishReason } | { error: { code: StreamErrorCode; message: string } };

export function mapChatFinish(raw: unknown): MappedFinish {
  switch (raw) {
    case 'stop':
    case 'eos':
    case 'end_turn':
    case 'stop_sequence':
      return { reason: 'stop' };
    case 'length':
    case 'model_length':
    case 'max_tokens':
      return { reason: 'length' };
    case 'tool_calls':
    case 'function_call':
    case 'tool_call':
      return { reason: 'tool_calls' };
    case 'content_filter':
      return { reason: 'content_filter' };
    case 'error':
      return { error: { code: 'server_error', message: 'The provider reported an error while generating the response.' } };
    case 'insufficient_system_resource':
      return { error: { code: 'server_error', message: 'The provider ran out of capacity while generating the response (insufficient_system_resource).' } };
    default:
      // Non-standard reasons never leak through; an unknown one is a natural end.
      return { reason: 'stop' };
  }
}

/** When a host says "stop" but the turn contains tool calls, the caller must still see tool_calls. */
export function finishWithCalls(reason: FinishReason, sawCalls: boolean): FinishReason {
  return reason === 'stop' && sawCalls ? 'tool_calls' : reason;
}

/** Chat usage → canonical usage (docs/providers.md#usage, DeepSeek cache-hit fields included). */
export function chatUsage(u: any): Usage | undefined {
  if (!u || typeof u !== 'object') return undefined;
  const cached =
    typeof u.prompt_cache_hit_tokens === 'number' ? u.prompt_cache_hit_tokens : u.prompt_tokens_details?.cached_tokens;
  return makeUsage({
    inputTokens: u.prompt_tokens,
    outputTokens: u.completion_tokens,
    cachedTokens: cached,
    reasoningTokens: u.completion_tokens_details?.reasoning_tokens,
  });
}

/** Message content as text + reasoning: a string, or a Mistral chunk array (`text`, `thinking`). */
export function flattenContent(content: unknown): { text: string; reasoning: string } {
  if (typeof content === 'string') return { text: content, reasoning: '' };
  let text = '';
  let reasoning = '';
  if (Array.isArray(content)) {
    for (const chunk of content) {
      if (typeof chunk === 'string') text += chunk;
      else if (chunk && typeof chunk === 'object') {
        if (chunk.type === 'text' && typeof chunk.text === 'string') text += chunk.text;
        else if (chunk.type === 'thinking') reasoning += thinkingText(chunk.thinking);
      }
    }
  }
  return { text, reasoning };
}

function thinkingText(thinking: unknown): string {
  if (typeof thinking === 'string') return thinking;
  if (!Array.isArray(thinking)) return '';
  return thinking.map((t) => (typeof t === 'string' ? t : t && typeof t.text === 'string' ? t.text : '')).join('');
}

/** reasoning_content (DeepSeek, vLLM) or reasoning (Groq, OpenRouter), when a string. */
export function reasoningField(msg: any): string {
  if (typeof msg?.reasoning_content === 'string') return msg.reasoning_content;
  if (typeof msg?.reasoning === 'string') return msg.reasoning;
  return '';
}

/** Tool-call arguments as a JSON string (Mistral may send an object). */
export function argumentsText(args: unknown): string {
  if (typeof args === 'string') return args;
  if (args === undefined || args === null) return '';
  return JSON.stringify(args);
}

/**
 * An in-band error payload (`{"error":…}` in a 200 body or stream) → the
 * canonical error: when the payload says what kind of error it is (quota,
 * rate limit, a bad request), the same mapping as the HTTP error (mapChatError
 * on the same body), so it is retried, failed over or answered exactly alike.
 */
export function inBandError(err: any): { code: StreamErrorCode; message: string; detail?: StreamErrorDetail } {
  const message =
    typeof err === 'string'
      ? err
      : typeof err?.message === 'string'
        ? err.message
        : JSON.stringify(err);
  const fallback = message || 'The provider reported an error.';
  const status = inBandStatus(err);
  if (status === undefined) return { code: 'server_error', message: fallback };
  const e = inBandFromMapped(mapChatError(status, {}, JSON.stringify({ error: err })), fallback);
  return { code: e.code, message: e.message, ...(e.detail ? { detail: e.detail } : {}) };
}

/** The HTTP status an in-band error stands for, from its code/type (numeric or OpenAI-style). */
function inBandStatus(err: any): number | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const numeric = typeof err.code === 'number' ? err.code : typeof err.status === 'number' ? err.status : undefined;
  const marker = `${err.code ?? ''} ${err.type ?? ''}`.toLowerCase();
  if (marker.includes('insufficient_quota')) return 429;
  if (numeric === 429 || marker.includes('rate_limit') || marker.includes('too_many_requests')) return 429;
  if (marker.includes('invalid_request') || marker.includes('context_length')) return 400;
  if (numeric !== undefined && numeric >= 400 && numeric < 600) return numeric;
  return undefined;
}

export function parseChatResponse(rawBody: unknown, _req: CanonicalRequest): CanonicalEvent[] {
  // DeepSeek may pad a non-stream body with blank lines; the caller may hand us text.
  const body: any = typeof rawBody === 'string' ? tryJson(rawBody.trim()) : rawBody;
  const events: CanonicalEvent[] = [];
  if (!body || typeof body !== 'object') {
    events.push({ type: 'start' }, { type: 'error', code: 'server_error', message: 'The provider returned a body that is not a chat completion.' });
    return events;
  }
  events.push({
    type: 'start',
    ...(typeof body.id === 'string' ? { upstreamId: body.id } : {}),
    ...(typeof body.model === 'string' ? { upstreamModel: body.model } : {}),
  });
  if (body.error) {
    events.push({ type: 'error', ...inBandError(body.error) });
    return events;
  }
  const choices: any[] = Array.isArray(body.choices) ? body.choices : [];
  const choice = choices.find((c) => c?.index === 0) ?? choices[0];
  if (!choice) {
    const usage = chatUsage(body.usage);
    if (usage) events.push({ type: 'usage', usage });
    events.push({ type: 'error', code: 'server_error', message: 'The provider returned no choices.' });
    return events;
  }
  const msg = choice.message ?? {};
  const flat = flattenContent(msg.content);
  const reasoning = reasoningField(msg) + flat.reasoning;
  if (reasoning) events.push({ type: 'reasoning_delta', text: reasoning });
  if (flat.text) events.push({ type: 'text_delta', text: flat.text });
  if (typeof msg.refusal === 'string' && msg.refusal) events.push({ type: 'refusal_delta', text: msg.refusal });

  const calls: any[] = Array.isArray(msg.tool_calls) ? msg.tool_calls : [];
  const mapped = mapChatFinish(choice.finish_reason);
  const complete = !('error' in mapped) && mapped.reason !== 'length';
  const seen = new Set<string>();
  calls.forEach((tc, i) => {
    const key = String(i);
    let callId = typeof tc?.id === 'string' && tc.id !== '' ? tc.id : undefined;
    // Hosts may omit ids or repeat them: the client needs one unique id per call.
    if (callId === undefined || seen.has(callId)) callId = randomId('call_');
    seen.add(callId);
    events.push({ type: 'tool_call_start', key, callId, name: String(tc?.function?.name ?? '') });
    const args = argumentsText(tc?.function?.arguments);
    // A call with no arguments text in a finished message was called with none: "{}" (shared/arguments.ts).
    if (args) events.push({ type: 'tool_call_delta', key, arguments: args });
    else if (complete) events.push({ type: 'tool_call_delta', key, arguments: NO_ARGUMENTS });
    events.push({ type: 'tool_call_end', key });
  });

  const usage = chatUsage(body.usage);
  if (usage) events.push({ type: 'usage', usage });
  if ('error' in mapped) events.push({ type: 'error', ...mapped.error });
  else events.push({ type: 'finish', reason: finishWithCalls(mapped.reason, calls.length > 0) });
  return events;
}
