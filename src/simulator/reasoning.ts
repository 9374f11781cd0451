// Opaque reasoning state the simulators issue and check, as the real APIs do:
//
//   Anthropic thinking `signature`   base64("sim-thinking:" + the thinking text): valid only for that text
//   Anthropic redacted_thinking data base64("sim-redacted:" + message id + ":" + FNV-1a of it)
//   OpenAI reasoning encrypted_content "gAAAA" + base64("sim-encrypted:" + item id + ":" + FNV-1a + ":" + summary)
//
// All deterministic, so fixtures stay stable; each carries a check value so a changed character is
// caught, which is what lets a test prove that the router hands back exactly what was issued.
// The OpenAI side also keeps a ledger (per simulator, cleared by reset): which reasoning item each
// function call it issued came with — OpenAI knows that link server-side and refuses a stateless
// (store:false) tool loop that returns the call without its reasoning item.

import type { Answer } from './plan.js';
import { hash32 } from './text.js';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: string): string | undefined => {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return undefined;
  return Buffer.from(s, 'base64').toString('utf8');
};
const check = (s: string): string => hash32(s).toString(16).padStart(8, '0');

/** What the model "thinks" before its answer: deterministic, derived from the answer. */
export function reasoningText(answer: Answer): string {
  return answer.kind === 'tool'
    ? `The request needs the ${answer.name} tool; calling it with ${answer.arguments}.`
    : `Nothing left to look up; answering in ${answer.outputTokens} words.`;
}

export function thinkingSignature(thinking: string): string {
  return b64(`sim-thinking:${thinking}`);
}

export function validThinkingSignature(thinking: unknown, signature: unknown): boolean {
  return typeof thinking === 'string' && typeof signature === 'string' && signature === thinkingSignature(thinking);
}

export function redactedData(messageId: string): string {
  return b64(`sim-redacted:${messageId}:${check(messageId)}`);
}

export function validRedactedData(data: unknown): boolean {
  if (typeof data !== 'string') return false;
  const m = /^sim-redacted:(.+):([0-9a-f]{8})$/s.exec(unb64(data) ?? '');
  return m !== null && check(m[1]!) === m[2] && b64(unb64(data)!) === data;
}

/**
 * Anthropic's documented way to make a test prompt answer with redacted_thinking is a magic
 * string in the prompt; the simulator reacts to its fixed prefix.
 */
export const REDACTED_THINKING_TRIGGER = 'ANTHROPIC_MAGIC_STRING_TRIGGER_REDACTED_THINKING';

export function encryptedContent(itemId: string, summary: string): string {
  return `gAAAA${b64(`sim-encrypted:${itemId}:${check(itemId + summary)}:${summary}`)}`;
}

/** Whether `value` is an encrypted_content this simulator issued (for `itemId`, when the item names one). */
export function validEncryptedContent(value: unknown, itemId: unknown): boolean {
  if (typeof value !== 'string' || !value.startsWith('gAAAA')) return false;
  const raw = value.slice(5);
  const text = unb64(raw);
  if (text === undefined || b64(text) !== raw) return false;
  const m = /^sim-encrypted:([^:]+):([0-9a-f]{8}):(.*)$/s.exec(text);
  if (!m || check(m[1]! + m[3]!) !== m[2]) return false;
  return typeof itemId !== 'string' || itemId === m[1];
}

/** OpenAI models the simulator treats as reasoning models (they answer with a reasoning item): o1/o3/o4…, gpt-5…. */
export function isOpenAIReasoningModel(model: string): boolean {
  return /(^|[/-])(o\d|gpt-5)/i.test(model);
}

export interface IssuedCall {
  itemId: string;
  reasoningId: string;
}

/** call_id → the function_call item and the reasoning item it was issued with. */
export class ReasoningLedger {
  private readonly calls = new Map<string, IssuedCall>();
  private static readonly MAX = 10_000;

  record(callId: string, issued: IssuedCall): void {
    if (this.calls.size >= ReasoningLedger.MAX) this.calls.delete(this.calls.keys().next().value!);
    this.calls.set(callId, issued);
  }

  lookup(callId: unknown): IssuedCall | undefined {
    return typeof callId === 'string' ? this.calls.get(callId) : undefined;
  }

  reset(): void {
    this.calls.clear();
  }
}
