// Canonical events → the hosted TokenRouter product's stream dialect
// (docs/clients/tokenrouter-stream.md): named SSE events
//
//   metadata → message.start → (content.delta | tool_call)* → usage → message.end → done
//
// `metadata` always first and `done` (data null) always last; `usage` exactly
// once, before message.end, with the provider's real usage. A tool call is
// sent whole when it completes (a client of this dialect never reassembles
// argument fragments). Refusal text is content (the dialect has no refusal
// event); reasoning is not part of the dialect and is not sent (it is still
// stored, so a replay in the OpenAI dialect has it). A failure after the
// stream began is `error` (the router's error envelope) then `done`: no
// usage, no message.end, so a client never mistakes it for a clean end.
import type { CanonicalEvent, FinishReason, StreamErrorCode, StreamErrorDetail, Usage } from '../../canonical/types.js';
import { ZERO_USAGE } from '../../canonical/types.js';
import { streamErrorEnvelope, type StreamErrorContext } from './stream-error.js';

type Write = (event: string, data: unknown) => void;

/** The `metadata` event's data: the hosted fields, then the router's additions (response_id for replay). */
export interface TokenRouterStreamMetadata {
  provider: string;
  model: string;
  routing_mode: string;
  request_id: string;
  response_id: string;
  /** Set on a replayed stream. */
  replay?: true;
  /** "hit" on an answer from the response cache (AnswerContext.extraMetadata). */
  cache?: string;
}

interface OpenCall {
  callId: string;
  name: string;
  args: string;
}

export class TokenRouterStreamRenderer {
  #started = false;
  #done = false;
  #calls = new Map<string, OpenCall>();
  #usage: Usage = ZERO_USAGE;
  #finish: FinishReason | undefined;
  #warnings: string[] = [];

  constructor(
    readonly metadata: TokenRouterStreamMetadata,
    readonly errors: StreamErrorContext,
    readonly write: Write,
  ) {}

  get done(): boolean {
    return this.#done;
  }

  /** metadata + message.start: call once the upstream has accepted. */
  begin(): void {
    if (this.#started) return;
    this.#started = true;
    this.write('metadata', this.metadata);
    this.write('message.start', { type: 'message', role: 'assistant' });
  }

  push(e: CanonicalEvent): void {
    if (this.#done) return;
    this.begin();
    switch (e.type) {
      case 'text_delta':
      case 'refusal_delta':
        if (e.text) this.write('content.delta', { delta: { text: e.text } });
        break;
      case 'tool_call_start':
        if (!this.#calls.has(e.key)) this.#calls.set(e.key, { callId: e.callId, name: e.name, args: '' });
        break;
      case 'tool_call_delta': {
        const call = this.#calls.get(e.key);
        if (call) call.args += e.arguments;
        break;
      }
      case 'tool_call_end':
        this.#endCall(e.key);
        break;
      case 'usage':
        this.#usage = e.usage;
        break;
      case 'finish':
        if (e.reason === 'error') this.fail('server_error', 'The provider ended the response without a result.');
        else this.#finish = e.reason;
        break;
      case 'error':
        this.fail(e.code, e.message, e.detail);
        break;
      case 'reasoning_delta':
      case 'start':
        break;
    }
  }

  /** The response firewall's warnings (known only at the end): carried by message.end. */
  addWarnings(warnings: readonly string[]): void {
    this.#warnings.push(...warnings);
  }

  /** Upstream finished: any call still open, usage, message.end, done. */
  end(): void {
    if (this.#done) return;
    if (this.#finish === undefined) {
      this.fail('server_error', 'The provider stream ended before the response was complete.');
      return;
    }
    this.begin();
    for (const key of [...this.#calls.keys()]) this.#endCall(key);
    const u = this.#usage;
    this.write('usage', { input_tokens: u.inputTokens, output_tokens: u.outputTokens, total_tokens: u.totalTokens });
    this.write('message.end', { type: 'message_end', ...(this.#finish !== 'stop' ? { finish_reason: this.#finish } : {}), ...(this.#warnings.length ? { warnings: this.#warnings } : {}) });
    this.#finishStream();
  }

  /** An in-band failure after the stream began: the error envelope, then done. */
  fail(code: StreamErrorCode, message: string, detail?: StreamErrorDetail): void {
    if (this.#done) return;
    this.begin();
    this.write('error', streamErrorEnvelope(this.errors, code, message, detail));
    this.#finishStream();
  }

  #finishStream(): void {
    this.write('done', null);
    this.#done = true;
  }

  #endCall(key: string): void {
    const c = this.#calls.get(key);
    if (!c) return;
    this.#calls.delete(key);
    this.write('tool_call', { type: 'tool_call', id: c.callId, function: { name: c.name, arguments: c.args || '{}' } });
  }
}
