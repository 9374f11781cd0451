// Anthropic Messages JSON → canonical events (docs/providers.md#response). Also home of
// the stop-reason and usage mappings the stream translator shares.
import type { CanonicalEvent, CanonicalRequest, FinishReason, Usage } from '../../canonical/types.js';
import { makeUsage } from '../shared/usage.js';

/** docs/providers.md#finish-reasons. Native strings never leak: anything unknown is a natural stop. */
export function mapStopReason(reason: unknown): FinishReason {
  switch (reason) {
    case 'tool_use':
      return 'tool_calls';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'refusal':
      return 'content_filter';
    case 'end_turn':
    case 'stop_sequence':
    case 'pause_turn':
    default:
      return 'stop';
  }
}

export interface AnthropicUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  output_tokens_details?: { thinking_tokens?: number | null } | null;
}

/** docs/providers.md#usage: Anthropic's input_tokens excludes cache reads and writes; ours includes them. */
export function mapUsage(u: AnthropicUsage | undefined | null): Usage {
  const num = (n: unknown): number => (typeof n === 'number' && Number.isFinite(n) ? n : 0);
  const cacheRead = num(u?.cache_read_input_tokens);
  const cacheWrite = num(u?.cache_creation_input_tokens);
  return makeUsage({
    inputTokens: num(u?.input_tokens) + cacheRead + cacheWrite,
    cachedTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    outputTokens: num(u?.output_tokens),
    reasoningTokens: num(u?.output_tokens_details?.thinking_tokens),
  });
}

interface ContentBlock {
  type?: string;
  text?: string;
  id?: string;
  name?: string;
  input?: unknown;
  thinking?: string;
  signature?: string;
  data?: string;
}

export function parseAnthropicResponse(body: unknown, _req: CanonicalRequest): CanonicalEvent[] {
  const msg = (body ?? {}) as { id?: string; model?: string; content?: ContentBlock[]; stop_reason?: string | null; stop_sequence?: string | null; usage?: AnthropicUsage };
  const events: CanonicalEvent[] = [{ type: 'start', ...ids(msg) }];
  const content = Array.isArray(msg.content) ? msg.content : [];
  content.forEach((block, index) => {
    switch (block?.type) {
      case 'text':
        if (typeof block.text === 'string' && block.text !== '') events.push({ type: 'text_delta', text: block.text });
        break;
      case 'tool_use': {
        const key = String(index);
        events.push({ type: 'tool_call_start', key, callId: String(block.id ?? ''), name: String(block.name ?? '') });
        events.push({ type: 'tool_call_delta', key, arguments: JSON.stringify(block.input ?? {}) });
        events.push({ type: 'tool_call_end', key });
        break;
      }
      case 'thinking':
        events.push({
          type: 'reasoning_delta',
          text: typeof block.thinking === 'string' ? block.thinking : '',
          ...(block.signature ? { signature: block.signature } : {}),
        });
        break;
      case 'redacted_thinking':
        // Encrypted thinking: kept whole so a replayed tool loop still validates.
        if (typeof block.data === 'string' && block.data !== '') events.push({ type: 'reasoning_delta', text: '', redacted: block.data });
        break;
      default:
        // Server-tool blocks and citations have no canonical form.
        break;
    }
  });
  events.push({ type: 'usage', usage: mapUsage(msg.usage) });
  events.push({ type: 'finish', reason: mapStopReason(msg.stop_reason), ...stopSequenceOf(msg) });
  return events;
}

/** Which stop sequence ended the output (a Messages client reads it back as stop_sequence). */
export function stopSequenceOf(msg: { stop_reason?: unknown; stop_sequence?: unknown }): { stopSequence?: string } {
  return msg.stop_reason === 'stop_sequence' && typeof msg.stop_sequence === 'string' ? { stopSequence: msg.stop_sequence } : {};
}

export function ids(msg: { id?: unknown; model?: unknown }): { upstreamId?: string; upstreamModel?: string } {
  return {
    ...(typeof msg.id === 'string' ? { upstreamId: msg.id } : {}),
    ...(typeof msg.model === 'string' ? { upstreamModel: msg.model } : {}),
  };
}
