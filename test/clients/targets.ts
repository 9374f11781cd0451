// The provider types the client-SDK tests drive, one model per wire protocol the router
// translates to: OpenAI (Responses upstream), Anthropic Messages, Gemini, and an
// OpenAI-compatible Chat Completions host (Mistral, whose simulator is the strictest of those
// hosts: 9-character tool ids, no reasoning_content, no user message right after a tool).
import type { RecordedCall } from '../../src/simulator/types.js';

export interface ClientTarget {
  label: string;
  model: string;
  provider: 'openai' | 'anthropic' | 'gemini' | 'mistral';
}

export const CLIENT_TARGETS: readonly ClientTarget[] = [
  { label: 'openai', model: 'openai/gpt-4o-mini', provider: 'openai' },
  { label: 'anthropic', model: 'anthropic/claude-sonnet-4-5', provider: 'anthropic' },
  { label: 'gemini', model: 'gemini/gemini-2.5-flash', provider: 'gemini' },
  { label: 'openai-compatible (mistral)', model: 'mistral/mistral-large', provider: 'mistral' },
];

/** The simulator calls that went to this target's provider. */
export function callsTo(calls: readonly RecordedCall[], t: ClientTarget): RecordedCall[] {
  return calls.filter((c) => c.provider === t.provider);
}

/** The simulator's deterministic plain answer echoes the last user text. */
export const GREETING = /^Hello from .+ model .+\. You said: /;

/**
 * Whether an upstream request body asks the provider for reasoning (effort "low" on the OpenAI
 * wire), in that provider's dialect. The body is the simulator's parsed JSON, untyped.
 */
export function upstreamReasoning(provider: string, body: Record<string, any>): boolean {
  switch (provider) {
    case 'openai':
      return body.reasoning?.effort === 'low' || body.reasoning_effort === 'low';
    case 'anthropic':
      return body.thinking?.type === 'enabled';
    case 'gemini':
      return body.generationConfig?.thinkingConfig !== undefined;
    default:
      return 'reasoning_effort' in body || 'reasoning' in body;
  }
}
