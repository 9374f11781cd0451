// Canonical events → the OpenAI Responses event stream, following the rules
// the SDK helpers enforce (docs/providers.md#responses-stream): response.created first; dense,
// append-only output_index; item_id equal to the item's id; content_part.added
// before the first delta; sequence_number from 0; exactly one terminal event
// carrying the complete Response. An in-band failure becomes an `error` event
// followed by response.failed, never a clean-looking end. Item ids derive
// from the response id and the output index (item-ids.ts); the Accumulator
// opens items at the same boundaries, so index n here is index n of the
// stored result, and a replayed item id finds its item.
import type { CanonicalEvent, FinishReason, StreamErrorCode, StreamErrorDetail, Usage } from '../../canonical/types.js';
import { ZERO_USAGE } from '../../canonical/types.js';
import { itemId } from '../item-ids.js';
import { encryptedContentField } from '../reasoning-state.js';
import { responseEnvelope, type ResponseContext } from './shapes.js';

type Write = (event: string, data: unknown) => void;

interface OpenMessage {
  id: string;
  index: number;
  text: string;
  partOpen: boolean;
}
interface OpenCall {
  id: string;
  index: number;
  callId: string;
  name: string;
  args: string;
}
interface OpenReasoning {
  id: string;
  index: number;
  text: string;
  /** The provider's opaque state for this item (canonical reasoning item). */
  signature?: string;
  redacted?: string;
}

export class ResponsesStreamRenderer {
  #seq = 0;
  #nextIndex = 0;
  #output: unknown[] = [];
  #message: OpenMessage | undefined;
  #reasoning: OpenReasoning | undefined;
  #calls = new Map<string, OpenCall>();
  #usage: Usage = ZERO_USAGE;
  #finish: FinishReason | undefined;
  #done = false;
  #started = false;

  constructor(
    readonly ctx: ResponseContext,
    readonly write: Write,
  ) {}

  get done(): boolean {
    return this.#done;
  }

  #emit(type: string, fields: Record<string, unknown>): void {
    this.write(type, { type, sequence_number: this.#seq++, ...fields });
  }

  /** response.created + response.in_progress: call once the upstream has accepted. */
  begin(): void {
    if (this.#started) return;
    this.#started = true;
    const snapshot = responseEnvelope(this.ctx, [], undefined, undefined, null);
    this.#emit('response.created', { response: snapshot });
    this.#emit('response.in_progress', { response: snapshot });
  }

  push(e: CanonicalEvent): void {
    if (this.#done) return;
    this.begin();
    switch (e.type) {
      case 'text_delta':
        if (e.text) this.#textDelta(e.text);
        break;
      case 'refusal_delta':
        if (e.text) this.#textDelta(e.text);
        break;
      case 'reasoning_delta':
        this.#reasoningDelta(e.text, e.signature, e.redacted);
        break;
      case 'tool_call_start':
        this.#closeMessage();
        this.#closeReasoning();
        this.#startCall(e.key, e.callId, e.name);
        break;
      case 'tool_call_delta': {
        const call = this.#calls.get(e.key);
        if (call && e.arguments) {
          call.args += e.arguments;
          this.#emit('response.function_call_arguments.delta', { item_id: call.id, output_index: call.index, delta: e.arguments });
        }
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
      case 'start':
        break;
    }
  }

  /** Upstream finished: close open items and send the terminal event. */
  end(): void {
    if (this.#done) return;
    if (this.#finish === undefined) {
      this.fail('server_error', 'The provider stream ended before the response was complete.');
      return;
    }
    this.begin();
    this.#closeAll();
    const terminal = this.#finish === 'length' || this.#finish === 'content_filter' ? 'response.incomplete' : 'response.completed';
    this.#emit(terminal, { response: responseEnvelope(this.ctx, this.#output, this.#finish, this.#usage, null) });
    this.#done = true;
  }

  /**
   * An in-band failure after the stream started: `error`, then response.failed.
   * A provider error with `detail` puts its HTTP code (insufficient_quota,
   * rate_limit_exceeded, a 400's own code) and param on the `error` event;
   * response.failed keeps the ResponseErrorCode enum (`code`).
   */
  fail(code: StreamErrorCode, message: string, detail?: StreamErrorDetail): void {
    if (this.#done) return;
    this.begin();
    this.#closeAll();
    this.#emit('error', detail ? { code: detail.code, message, param: detail.param ?? null } : { code, message, param: null });
    this.#emit('response.failed', { response: responseEnvelope(this.ctx, this.#output, 'error', this.#usage, { code, message }) });
    this.#done = true;
  }

  #textDelta(text: string): void {
    this.#closeReasoning();
    if (!this.#message) {
      const index = this.#nextIndex++;
      const m: OpenMessage = { id: itemId('msg', this.ctx.id, index), index, text: '', partOpen: false };
      this.#message = m;
      this.#emit('response.output_item.added', {
        output_index: m.index,
        item: { id: m.id, type: 'message', role: 'assistant', status: 'in_progress', content: [] },
      });
    }
    const m = this.#message;
    if (!m.partOpen) {
      m.partOpen = true;
      this.#emit('response.content_part.added', {
        item_id: m.id,
        output_index: m.index,
        content_index: 0,
        part: { type: 'output_text', text: '', annotations: [], logprobs: [] },
      });
    }
    m.text += text;
    this.#emit('response.output_text.delta', { item_id: m.id, output_index: m.index, content_index: 0, delta: text, logprobs: [] });
  }

  #closeMessage(): void {
    const m = this.#message;
    if (!m) return;
    this.#message = undefined;
    const part = { type: 'output_text', text: m.text, annotations: [], logprobs: [] };
    this.#emit('response.output_text.done', { item_id: m.id, output_index: m.index, content_index: 0, text: m.text, logprobs: [] });
    this.#emit('response.content_part.done', { item_id: m.id, output_index: m.index, content_index: 0, part });
    const status = this.#finish === 'length' ? 'incomplete' : 'completed';
    const item = { id: m.id, type: 'message', role: 'assistant', status, content: [part] };
    this.#output[m.index] = item;
    this.#emit('response.output_item.done', { output_index: m.index, item });
  }

  #reasoningDelta(text: string, signature?: string, redacted?: string): void {
    // Item boundaries match canonical/accumulate.ts: redacted thinking is an item of its own; a
    // signature with no reasoning open opens an (empty) item to carry it.
    if (redacted) {
      this.#closeMessage();
      this.#closeReasoning();
      this.#openReasoning();
      this.#reasoning!.redacted = redacted;
      this.#closeReasoning();
      return;
    }
    if (!text && !signature) return;
    this.#closeMessage();
    if (!this.#reasoning) this.#openReasoning();
    const r = this.#reasoning!;
    if (signature) r.signature = signature;
    if (!text) return;
    r.text += text;
    this.#emit('response.reasoning_summary_text.delta', { item_id: r.id, output_index: r.index, summary_index: 0, delta: text });
  }

  #openReasoning(): void {
    const index = this.#nextIndex++;
    const r: OpenReasoning = { id: itemId('rs', this.ctx.id, index), index, text: '' };
    this.#reasoning = r;
    this.#emit('response.output_item.added', { output_index: r.index, item: { id: r.id, type: 'reasoning', summary: [] } });
    this.#emit('response.reasoning_summary_part.added', {
      item_id: r.id,
      output_index: r.index,
      summary_index: 0,
      part: { type: 'summary_text', text: '' },
    });
  }

  #closeReasoning(): void {
    const r = this.#reasoning;
    if (!r) return;
    this.#reasoning = undefined;
    const part = { type: 'summary_text', text: r.text };
    this.#emit('response.reasoning_summary_text.done', { item_id: r.id, output_index: r.index, summary_index: 0, text: r.text });
    this.#emit('response.reasoning_summary_part.done', { item_id: r.id, output_index: r.index, summary_index: 0, part });
    const item = { id: r.id, type: 'reasoning', summary: [part], ...encryptedContentField(this.ctx, r) };
    this.#output[r.index] = item;
    this.#emit('response.output_item.done', { output_index: r.index, item });
  }

  #startCall(key: string, callId: string, name: string): void {
    if (this.#calls.has(key)) return;
    const index = this.#nextIndex++;
    const c: OpenCall = { id: itemId('fc', this.ctx.id, index), index, callId, name, args: '' };
    this.#calls.set(key, c);
    this.#emit('response.output_item.added', {
      output_index: c.index,
      item: { id: c.id, type: 'function_call', call_id: callId, name, arguments: '', status: 'in_progress' },
    });
  }

  #endCall(key: string): void {
    const c = this.#calls.get(key);
    if (!c) return;
    this.#calls.delete(key);
    const args = c.args || '{}';
    this.#emit('response.function_call_arguments.done', { item_id: c.id, output_index: c.index, name: c.name, arguments: args });
    const item = { id: c.id, type: 'function_call', call_id: c.callId, name: c.name, arguments: args, status: 'completed' };
    this.#output[c.index] = item;
    this.#emit('response.output_item.done', { output_index: c.index, item });
  }

  #closeAll(): void {
    this.#closeMessage();
    this.#closeReasoning();
    for (const key of [...this.#calls.keys()]) this.#endCall(key);
    // Keep `output` dense even if an item never closed (defensive; every opened item closes above).
    this.#output = this.#output.filter((x) => x !== undefined);
  }
}
