// CanonicalResult → an Anthropic Messages `Message` object (non-stream). Shared with the stream
// renderer: the stop_reason and usage mappings, and how reasoning state is shown to the client.
import type { CanonicalResult, FinishReason, OutputItem, Usage } from '../../canonical/types.js';
import { wrapReasoningState } from '../reasoning-state.js';

export interface MessagesContext {
  /** `msg_…` (api/ids.ts wireId('msg_')). */
  id: string;
  /** The model name the answer reports (the catalog model that served it). */
  model: string;
  /** The serving provider's policy name and type: decide how reasoning state is shown (reasoningStateFor). */
  provider: string;
  providerType: string;
}

export type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'refusal';

/**
 * Canonical finish → Anthropic stop_reason. `error` never reaches a clean Message (the wiring answers
 * an error envelope or stream error event); end_turn is the harmless fallback.
 */
export function messagesStopReason(finish: FinishReason, stopSequence: string | undefined): StopReason {
  switch (finish) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    case 'stop':
    case 'error':
    default:
      return stopSequence !== undefined ? 'stop_sequence' : 'end_turn';
  }
}

/** Canonical usage → Anthropic's: input_tokens excludes cache reads and writes (canonical includes them). */
export function messagesUsageWire(u: Usage) {
  return {
    input_tokens: Math.max(0, u.inputTokens - u.cachedTokens - u.cacheWriteTokens),
    output_tokens: u.outputTokens,
    cache_read_input_tokens: u.cachedTokens,
    cache_creation_input_tokens: u.cacheWriteTokens,
  };
}

/**
 * The signature / redacted data a thinking block shows. From an Anthropic provider: Anthropic's own
 * value, verbatim (the client may send it to Anthropic directly, and the router replays it to any
 * anthropic provider: normalize.ts). From any other provider: the router's reasoning-state envelope
 * naming that provider, so a later turn replays it there only — a Gemini or OpenAI state must never
 * reach Anthropic as if it were a signature.
 */
export function reasoningStateFor(ctx: MessagesContext, value: string | undefined, key: 'signature' | 'redacted'): string {
  if (!value) return '';
  if (ctx.providerType === 'anthropic') return value;
  return wrapReasoningState({ provider: ctx.provider, providerType: ctx.providerType, [key]: value }) ?? '';
}

/** Tool arguments as the object Anthropic's tool_use.input is; text that is not an object becomes {}. */
export function toolInput(args: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(args || '{}');
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  return {};
}

export type ContentBlock =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

/** One output item as its content blocks (none for an empty message). */
export function contentBlocks(ctx: MessagesContext, item: OutputItem): ContentBlock[] {
  switch (item.type) {
    case 'message': {
      // Anthropic has no refusal block: a refusal is text (one block with the message's text, as the
      // stream renderer sends it), and stop_reason says "refusal".
      const text = item.text + (item.refusal ?? '');
      return text ? [{ type: 'text', text }] : [];
    }
    case 'function_call':
      return [{ type: 'tool_use', id: item.callId, name: item.name, input: toolInput(item.arguments) }];
    case 'reasoning':
      if (item.redacted) return [{ type: 'redacted_thinking', data: reasoningStateFor(ctx, item.redacted, 'redacted') }];
      return [{ type: 'thinking', thinking: item.text, signature: reasoningStateFor(ctx, item.signature, 'signature') }];
  }
}

export function renderMessage(ctx: MessagesContext, result: CanonicalResult) {
  return {
    id: ctx.id,
    type: 'message' as const,
    role: 'assistant' as const,
    content: result.output.flatMap((item) => contentBlocks(ctx, item)),
    model: ctx.model,
    stop_reason: messagesStopReason(result.finish, result.stopSequence),
    stop_sequence: result.stopSequence ?? null,
    usage: messagesUsageWire(result.usage),
  };
}
