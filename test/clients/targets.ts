// The provider types the client-SDK tests drive, one model per wire protocol the router
// translates to: OpenAI (Responses upstream), Anthropic Messages, Gemini, and an
// OpenAI-compatible Chat Completions host each (Mistral, whose simulator is the strictest of
// those hosts: 9-character tool ids, no reasoning_content, no user message right after a tool;
// DeepSeek, whose catalog entry has no json_schema capability; Llama).
import { expect } from 'chai';
import type { RecordedCall } from '../../src/simulator/types.js';

export interface ClientTarget {
  label: string;
  model: string;
  provider: 'openai' | 'anthropic' | 'gemini' | 'mistral' | 'deepseek' | 'llama';
  /**
   * The router forwards a reasoning effort to this provider: the catalog (demo/policies/models.yaml)
   * lists the `reasoning` capability, or the provider is OpenAI itself (observed: gpt-4o-mini
   * gets `reasoning.effort` upstream without the capability; Mistral/DeepSeek/Llama get none).
   */
  reasoning: boolean;
  /** The catalog lists json_schema: structured output is served, else refused before routing. */
  jsonSchema: boolean;
}

export const CLIENT_TARGETS: readonly ClientTarget[] = [
  { label: 'openai', model: 'openai/gpt-4o-mini', provider: 'openai', reasoning: true, jsonSchema: true },
  { label: 'anthropic', model: 'anthropic/claude-sonnet-4-5', provider: 'anthropic', reasoning: true, jsonSchema: true },
  { label: 'gemini', model: 'gemini/gemini-2.5-flash', provider: 'gemini', reasoning: true, jsonSchema: true },
  { label: 'openai-compatible (mistral)', model: 'mistral/mistral-large', provider: 'mistral', reasoning: false, jsonSchema: true },
  { label: 'openai-compatible (deepseek)', model: 'deepseek/deepseek-v3', provider: 'deepseek', reasoning: false, jsonSchema: false },
  { label: 'openai-compatible (llama)', model: 'llama/llama-4-maverick', provider: 'llama', reasoning: false, jsonSchema: true },
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

/**
 * A structured-output call to a model without json_schema capability: the router refuses it with
 * 422 no_candidates before any provider is called. Each SDK wraps the error its own way (openai
 * APIError `status`, AI SDK APICallError `statusCode`), so both are read.
 */
export async function expectNoJsonSchemaRefusal(call: () => Promise<unknown>): Promise<void> {
  let err: unknown;
  try {
    await call();
  } catch (e) {
    err = e;
  }
  if (!(err instanceof Error)) throw new Error('expected the router to refuse structured output');
  const e = err as Error & { status?: number; statusCode?: number; code?: unknown; responseBody?: string };
  expect(e.status ?? e.statusCode).to.equal(422);
  expect(e.message).to.include('no json_schema capability');
  expect(String(e.code ?? '') + String(e.responseBody ?? '')).to.include('no_candidates');
}
