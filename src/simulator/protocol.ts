// What every wire protocol module implements.

import type { NativeError } from './errors.js';
import type { Answer, Conversation } from './plan.js';
import type { ReasoningLedger } from './reasoning.js';
import type { IdGen } from './text.js';
import type { SimProvider } from './types.js';
import type { StreamPlan } from './wire.js';

export interface ProtocolContext {
  provider: SimProvider;
  model: string;
  body: any;
  headers: Record<string, string>;
  ids: IdGen;
  /** Reasoning items issued with function calls (OpenAI Responses), for the stateless tool-loop check. */
  ledger: ReasoningLedger;
  /** Unix seconds at request time. */
  created: number;
  /** Gemini: `?alt=sse` (false → streamed JSON array). */
  sse: boolean;
}

export interface WireProtocol {
  /** Reject what the real provider rejects (only when validation is on). */
  validate?(ctx: ProtocolContext): NativeError | undefined;
  parse(ctx: ProtocolContext): Conversation;
  render(answer: Answer, ctx: ProtocolContext): unknown;
  stream(answer: Answer, ctx: ProtocolContext): StreamPlan;
}

export function isObject(v: unknown): v is Record<string, any> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
