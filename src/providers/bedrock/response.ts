// Converse response → canonical events (docs/providers.md#bedrock). One translation of
// content blocks, stop reasons and usage, shared by the non-stream body and the stream.
import type { CanonicalEvent, CanonicalRequest, FinishReason, Usage } from '../../canonical/types.js';
import { NO_ARGUMENTS } from '../shared/arguments.js';
import { makeUsage } from '../shared/usage.js';

type Json = Record<string, any>;

/** Converse stopReason → canonical finish; an unknown reason is a natural stop. */
export function finishReason(stopReason: unknown): FinishReason {
  switch (stopReason) {
    case 'tool_use':
      return 'tool_calls';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'guardrail_intervened':
    case 'content_filtered':
      return 'content_filter';
    default:
      return 'stop';
  }
}

/**
 * Converse usage: inputTokens excludes the cache reads and writes (as Anthropic counts), so the
 * canonical input is their sum and the cache parts are reported within it.
 */
export function bedrockUsage(u: Json | undefined): Usage | undefined {
  if (!u || typeof u !== 'object') return undefined;
  const read = num(u.cacheReadInputTokens);
  const write = num(u.cacheWriteInputTokens);
  return makeUsage({ inputTokens: num(u.inputTokens) + read + write, cachedTokens: read, cacheWriteTokens: write, outputTokens: num(u.outputTokens) });
}

export function parseBedrockResponse(body: unknown, _req: CanonicalRequest): CanonicalEvent[] {
  const b = (body && typeof body === 'object' ? body : {}) as Json;
  const events: CanonicalEvent[] = [{ type: 'start' }];
  const content: Json[] = Array.isArray(b.output?.message?.content) ? b.output.message.content : [];
  content.forEach((block, i) => {
    if (!block || typeof block !== 'object') return;
    if (typeof block.text === 'string') {
      if (block.text !== '') events.push({ type: 'text_delta', text: block.text });
    } else if (block.toolUse && typeof block.toolUse === 'object') {
      const key = String(i);
      const input = block.toolUse.input;
      events.push({ type: 'tool_call_start', key, callId: String(block.toolUse.toolUseId ?? `call_${i}`), name: String(block.toolUse.name ?? '') });
      events.push({ type: 'tool_call_delta', key, arguments: input === undefined ? NO_ARGUMENTS : JSON.stringify(input) });
      events.push({ type: 'tool_call_end', key });
    } else if (block.reasoningContent && typeof block.reasoningContent === 'object') {
      const r = block.reasoningContent;
      if (typeof r.redactedContent === 'string') events.push({ type: 'reasoning_delta', text: '', redacted: r.redactedContent });
      else if (r.reasoningText && typeof r.reasoningText === 'object') {
        events.push({ type: 'reasoning_delta', text: String(r.reasoningText.text ?? ''), ...(typeof r.reasoningText.signature === 'string' ? { signature: r.reasoningText.signature } : {}) });
      }
    }
  });
  const usage = bedrockUsage(b.usage);
  if (usage) events.push({ type: 'usage', usage });
  if (b.stopReason === undefined) {
    events.push({ type: 'error', code: 'server_error', message: 'Bedrock answered without a stopReason.' });
    return events;
  }
  events.push({ type: 'finish', reason: finishReason(b.stopReason) });
  return events;
}

function num(n: unknown): number {
  return typeof n === 'number' && Number.isFinite(n) ? n : 0;
}
