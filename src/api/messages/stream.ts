// Canonical events → the Anthropic Messages event stream: message_start (the Message with empty
// content and the usage known so far), then one content block at a time — content_block_start,
// its deltas (text_delta, thinking_delta, signature_delta, input_json_delta), content_block_stop —
// with dense indexes from 0, then message_delta (stop_reason, stop_sequence, cumulative usage) and
// message_stop. `ping` is the wiring's keep-alive (call it on a timer). A failure after the stream
// began is an `error` event and the stream ends there: never a message_stop after it. Same contract
// as the other stream renderers (begin / push / end / fail, `done`). Block boundaries follow the
// Accumulator's (canonical/accumulate.ts): text closes thinking, thinking closes text, a tool call
// closes both, a redacted_thinking block is whole at once.
import type { CanonicalEvent, FinishReason, StreamErrorCode, StreamErrorDetail, Usage } from '../../canonical/types.js';
import { ZERO_USAGE } from '../../canonical/types.js';
import { messagesStopReason, messagesUsageWire, reasoningStateFor, type MessagesContext } from './render.js';

type Write = (event: string, data: unknown) => void;

type Open = { kind: 'text' | 'thinking'; index: number } | { kind: 'tool_use'; index: number; key: string };

/** Anthropic's error type for an HTTP status (the envelope's error.type). */
export function anthropicErrorType(status: number): string {
  switch (status) {
    case 400:
    case 422:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 503:
    case 529:
      return 'overloaded_error';
    default:
      return 'api_error';
  }
}

/** A canonical in-band error code as Anthropic's error.type (when no HTTP detail says more). */
function errorTypeOf(code: string): string {
  switch (code) {
    case 'rate_limit_exceeded':
      return 'rate_limit_error';
    case 'firewall_blocked':
      return 'permission_error';
    case 'invalid_prompt':
      return 'invalid_request_error';
    default:
      return 'api_error';
  }
}

export class MessagesStreamRenderer {
  #started = false;
  #done = false;
  #next = 0;
  #open: Open | undefined;
  /** Tool calls whose block has been closed: a late argument fragment for one cannot be placed. */
  #closedCalls = new Set<string>();
  #usage: Usage = ZERO_USAGE;
  #finish: FinishReason | undefined;
  #stopSequence: string | undefined;

  constructor(
    readonly ctx: MessagesContext,
    readonly write: Write,
  ) {}

  get done(): boolean {
    return this.#done;
  }

  #emit(type: string, fields: Record<string, unknown> = {}): void {
    this.write(type, { type, ...fields });
  }

  /**
   * The stream is committed. message_start waits for the first content, ping or end so it can carry
   * the usage known by then (providers report input tokens before output).
   */
  begin(): void {}

  #start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#emit('message_start', {
      message: {
        id: this.ctx.id,
        type: 'message',
        role: 'assistant',
        content: [],
        model: this.ctx.model,
        stop_reason: null,
        stop_sequence: null,
        usage: messagesUsageWire(this.#usage),
      },
    });
  }

  /** Keep-alive for the wiring's timer (Anthropic sends `ping` between events). */
  ping(): void {
    if (this.#done) return;
    this.#start();
    this.#emit('ping');
  }

  #close(): void {
    if (!this.#open) return;
    if (this.#open.kind === 'tool_use') this.#closedCalls.add(this.#open.key);
    this.#emit('content_block_stop', { index: this.#open.index });
    this.#open = undefined;
  }

  #openBlock(open: Open, block: Record<string, unknown>): void {
    this.#close();
    this.#start();
    this.#open = open;
    this.#emit('content_block_start', { index: open.index, content_block: block });
  }

  #text(text: string): void {
    if (!text) return;
    if (this.#open?.kind !== 'text') this.#openBlock({ kind: 'text', index: this.#next++ }, { type: 'text', text: '' });
    this.#emit('content_block_delta', { index: this.#open!.index, delta: { type: 'text_delta', text } });
  }

  push(e: CanonicalEvent): void {
    if (this.#done) return;
    switch (e.type) {
      case 'text_delta':
      case 'refusal_delta':
        // A refusal is text on this wire; the finish reason makes stop_reason "refusal".
        this.#text(e.text);
        break;
      case 'reasoning_delta': {
        if (e.redacted) {
          const index = this.#next++;
          this.#openBlock({ kind: 'thinking', index }, { type: 'redacted_thinking', data: reasoningStateFor(this.ctx, e.redacted, 'redacted') });
          this.#close();
          break;
        }
        if (!e.text && !e.signature) break;
        if (this.#open?.kind !== 'thinking') this.#openBlock({ kind: 'thinking', index: this.#next++ }, { type: 'thinking', thinking: '', signature: '' });
        const index = this.#open!.index;
        if (e.text) this.#emit('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: e.text } });
        if (e.signature) this.#emit('content_block_delta', { index, delta: { type: 'signature_delta', signature: reasoningStateFor(this.ctx, e.signature, 'signature') } });
        break;
      }
      case 'tool_call_start':
        if (this.#open?.kind === 'tool_use' && this.#open.key === e.key) break;
        if (this.#closedCalls.has(e.key)) break;
        this.#openBlock({ kind: 'tool_use', index: this.#next++, key: e.key }, { type: 'tool_use', id: e.callId, name: e.name, input: {} });
        break;
      case 'tool_call_delta':
        if (!e.arguments) break;
        if (this.#open?.kind === 'tool_use' && this.#open.key === e.key) {
          this.#emit('content_block_delta', { index: this.#open.index, delta: { type: 'input_json_delta', partial_json: e.arguments } });
        } else if (this.#closedCalls.has(e.key)) {
          // Anthropic's wire has one open block at a time: arguments interleaved across calls cannot be
          // placed, and dropping them would hand the client a wrong call — fail loudly instead.
          this.fail('server_error', 'The provider interleaved the arguments of parallel tool calls, which this stream format cannot carry.');
        }
        break;
      case 'tool_call_end':
        if (this.#open?.kind === 'tool_use' && this.#open.key === e.key) this.#close();
        break;
      case 'usage':
        this.#usage = e.usage;
        break;
      case 'finish':
        if (e.reason === 'error') this.fail('server_error', 'The provider ended the response without a result.');
        else {
          this.#finish = e.reason;
          this.#stopSequence = e.stopSequence;
        }
        break;
      case 'error':
        this.fail(e.code, e.message, e.detail);
        break;
      case 'start':
        break;
    }
  }

  end(): void {
    if (this.#done) return;
    if (this.#finish === undefined) {
      this.fail('server_error', 'The provider stream ended before the response was complete.');
      return;
    }
    this.#start();
    this.#close();
    this.#emit('message_delta', {
      delta: { stop_reason: messagesStopReason(this.#finish, this.#stopSequence), stop_sequence: this.#stopSequence ?? null },
      usage: messagesUsageWire(this.#usage),
    });
    this.#emit('message_stop');
    this.#done = true;
  }

  /** The `error` event; the stream ends without message_stop. A provider error with `detail` keeps its HTTP meaning. */
  fail(code: StreamErrorCode | string, message: string, detail?: StreamErrorDetail): void {
    if (this.#done) return;
    this.#done = true;
    const type = detail ? anthropicErrorType(detail.status) : errorTypeOf(code);
    this.write('error', { type: 'error', error: { type, message } });
  }
}
