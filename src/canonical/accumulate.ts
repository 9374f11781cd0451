// Folds a canonical event sequence into a CanonicalResult: the output items in
// order, the last usage, the finish reason. Used for non-stream responses and
// for the conversation store. Items open and close at exactly the boundaries
// the Responses stream renderer uses (empty deltas open nothing; reasoning
// closes the open message; text closes the open reasoning; a tool call closes
// both), so output index n of a streamed answer is index n of the stored
// result — replayed item ids (api/item-ids.ts) depend on it.
import type { CanonicalEvent, CanonicalResult, FinishReason, OutputItem, StreamErrorCode, StreamErrorDetail, Usage } from './types.js';
import { ZERO_USAGE } from './types.js';

export class Accumulator {
  readonly output: OutputItem[] = [];
  usage: Usage = ZERO_USAGE;
  finish: FinishReason | undefined;
  stopSequence: string | undefined;
  error: { code: StreamErrorCode; message: string; detail?: StreamErrorDetail } | undefined;
  #message: Extract<OutputItem, { type: 'message' }> | undefined;
  #reasoning: Extract<OutputItem, { type: 'reasoning' }> | undefined;
  readonly #calls = new Map<string, Extract<OutputItem, { type: 'function_call' }>>();
  /** Calls started and not yet ended: a repeated start for one of them opens nothing (as in the stream). */
  readonly #openCalls = new Set<string>();

  push(e: CanonicalEvent): void {
    switch (e.type) {
      case 'text_delta':
        if (e.text) this.#openMessage().text += e.text;
        break;
      case 'refusal_delta': {
        if (!e.text) break;
        const m = this.#openMessage();
        m.refusal = (m.refusal ?? '') + e.text;
        break;
      }
      case 'reasoning_delta': {
        if (e.redacted) {
          // Redacted thinking is an item of its own, closed at once (the stream renderer does the same).
          this.#message = undefined;
          this.#reasoning = undefined;
          this.output.push({ type: 'reasoning', text: '', redacted: e.redacted });
          break;
        }
        if (!e.text && !e.signature) break;
        // A signature belongs to the reasoning open now (it may arrive after the text); with none
        // open (a Gemini signature on a call or text part) it opens an empty item to carry it.
        this.#message = undefined;
        if (!this.#reasoning) {
          this.#reasoning = { type: 'reasoning', text: '' };
          this.output.push(this.#reasoning);
        }
        this.#reasoning.text += e.text;
        if (e.signature) this.#reasoning.signature = e.signature;
        break;
      }
      case 'tool_call_start': {
        if (this.#openCalls.has(e.key)) break;
        this.#message = undefined;
        this.#reasoning = undefined;
        const call = { type: 'function_call' as const, callId: e.callId, name: e.name, arguments: '' };
        this.#calls.set(e.key, call);
        this.#openCalls.add(e.key);
        this.output.push(call);
        break;
      }
      case 'tool_call_delta': {
        const call = this.#calls.get(e.key);
        if (call) call.arguments += e.arguments;
        break;
      }
      case 'tool_call_end':
        this.#openCalls.delete(e.key);
        break;
      case 'usage':
        this.usage = e.usage;
        break;
      case 'finish':
        this.finish = e.reason;
        if (e.stopSequence !== undefined) this.stopSequence = e.stopSequence;
        break;
      case 'error':
        this.error = { code: e.code, message: e.message, ...(e.detail ? { detail: e.detail } : {}) };
        this.finish = 'error';
        break;
      case 'start':
        break;
    }
  }

  #openMessage(): Extract<OutputItem, { type: 'message' }> {
    if (!this.#message) {
      this.#message = { type: 'message', text: '' };
      this.#reasoning = undefined;
      this.output.push(this.#message);
    }
    return this.#message;
  }

  result(): CanonicalResult {
    return {
      output: this.output,
      usage: this.usage,
      finish: this.finish ?? 'error',
      ...(this.stopSequence !== undefined ? { stopSequence: this.stopSequence } : {}),
      ...(this.error ? { error: this.error } : this.finish ? {} : { error: { code: 'server_error' as const, message: 'The provider ended without a result.' } }),
    };
  }
}

export function accumulate(events: Iterable<CanonicalEvent>): CanonicalResult {
  const a = new Accumulator();
  for (const e of events) a.push(e);
  return a.result();
}
