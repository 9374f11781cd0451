// CanonicalResult → a non-stream Chat Completion.
import type { CanonicalResult, FinishReason, Usage } from '../../canonical/types.js';

export interface ChatContext {
  id: string;
  created: number;
  model: string;
  /** The serving provider's name: an in-band error chunk names it (the error envelope's `provider`). */
  provider?: string;
}

export function chatUsageWire(u: Usage) {
  return {
    prompt_tokens: u.inputTokens,
    completion_tokens: u.outputTokens,
    total_tokens: u.totalTokens,
    prompt_tokens_details: { cached_tokens: u.cachedTokens },
    completion_tokens_details: { reasoning_tokens: u.reasoningTokens },
  };
}

export function chatFinish(f: FinishReason): 'stop' | 'length' | 'tool_calls' | 'content_filter' {
  return f === 'error' ? 'stop' : f;
}

export function renderChatCompletion(ctx: ChatContext, result: CanonicalResult) {
  let text = '';
  let refusal: string | null = null;
  const toolCalls: { id: string; type: 'function'; function: { name: string; arguments: string } }[] = [];
  for (const item of result.output) {
    if (item.type === 'message') {
      text += item.text;
      if (item.refusal) refusal = (refusal ?? '') + item.refusal;
    } else if (item.type === 'function_call') {
      toolCalls.push({ id: item.callId, type: 'function', function: { name: item.name, arguments: item.arguments || '{}' } });
    }
  }
  return {
    id: ctx.id,
    object: 'chat.completion' as const,
    created: ctx.created,
    model: ctx.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant' as const,
          content: text || (toolCalls.length > 0 || refusal ? null : ''),
          refusal,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        finish_reason: chatFinish(result.finish),
        logprobs: null,
      },
    ],
    usage: chatUsageWire(result.usage),
  };
}
