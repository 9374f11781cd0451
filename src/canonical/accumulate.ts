// Folds a canonical event sequence into a CanonicalResult: the output items in
// order (text after a tool call opens a new message item), the last usage, the
// finish reason. Used for non-stream responses and for the conversation store.
import type { CanonicalEvent, CanonicalResult, FinishReason, OutputItem, StreamErrorCode, StreamErrorDetail, Usage } from './types.js';
import { ZERO_USAGE } from './types.js';

export class Accumulator {
  readonly output: OutputItem[] = [];
  usage: Usage = ZERO_USAGE;
  finish: FinishReason | undefined;
  error: { code: StreamErrorCode; message: string; detail?: StreamErrorDetail } | undefined;
  #message: Extract<OutputItem, { type: 'message' }> | undefined;
  #reasoning: Extract<OutputItem, { type: 'reasoning' }> | undefined;
  readonly #calls = new Map<string, Extract<OutputItem, { type: 'function_call' }>>();

  push(e: CanonicalEvent): void {
    switch (e.type) {
      case 'text_delta':
        this.#openMessage().text += e.text;
        break;
      case 'refusal_delta': {
        const m = this.#openMessage();
        m.refusal = (m.refusal ?? '') + e.text;
        break;
      }
      case 'reasoning_delta': {
        if (!this.#reasoning) {
          this.#reasoning = { type: 'reasoning', text: '' };
          this.output.push(this.#reasoning);
        }
        this.#reasoning.text += e.text;
        if (e.signature) this.#reasoning.signature = e.signature;
        break;
      }
      case 'tool_call_start': {
        this.#message = undefined;
        this.#reasoning = undefined;
        const call = { type: 'function_call' as const, callId: e.callId, name: e.name, arguments: '' };
        this.#calls.set(e.key, call);
        this.output.push(call);
        break;
      }
      case 'tool_call_delta': {
        const call = this.#calls.get(e.key);
        if (call) call.arguments += e.arguments;
        break;
      }
      case 'tool_call_end':
        break;
      case 'usage':
        this.usage = e.usage;
        break;
      case 'finish':
        this.finish = e.reason;
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
      ...(this.error ? { error: this.error } : this.finish ? {} : { error: { code: 'server_error' as const, message: 'The provider ended without a result.' } }),
    };
  }
}

export function accumulate(events: Iterable<CanonicalEvent>): CanonicalResult {
  const a = new Accumulator();
  for (const e of events) a.push(e);
  return a.result();
}
