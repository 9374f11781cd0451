// OpenAI Responses SSE → canonical events. Only the events that carry content
// or the outcome are translated; lifecycle and `.done` events are bookkeeping
// (a `.done` still delivers arguments if no delta carried them).
import { openaiReasoningSignature } from './request.js';
import type { CanonicalEvent, CanonicalRequest } from '../../canonical/types.js';
import { NO_ARGUMENTS } from '../shared/arguments.js';
import { tryJson } from '../shared/errors.js';
import type { SseMessage, StreamTranslator } from '../types.js';
import { failure, responseOutcome, responsesUsage } from './response.js';

interface Call {
  key: string;
  argsSent: boolean;
  ended: boolean;
}

export class ResponsesStreamTranslator implements StreamTranslator {
  #started = false;
  #done = false;
  readonly #calls = new Map<string, Call>();
  /** output_index → call key, for delta events that lack item_id. */
  readonly #byIndex = new Map<number, string>();

  constructor(_req?: CanonicalRequest) {}

  push(message: SseMessage): CanonicalEvent[] {
    if (this.#done) return [];
    const data = message.data.trim();
    if (data === '' || data === '[DONE]') return [];
    const e = tryJson(data);
    if (!e || typeof e !== 'object') return [];
    const type: string = typeof e.type === 'string' ? e.type : (message.event ?? '');

    const out: CanonicalEvent[] = [];
    if (!this.#started) {
      this.#started = true;
      const r = e.response;
      out.push({
        type: 'start',
        ...(typeof r?.id === 'string' ? { upstreamId: r.id } : {}),
        ...(typeof r?.model === 'string' ? { upstreamModel: r.model } : {}),
      });
    }

    switch (type) {
      case 'response.output_text.delta':
        if (typeof e.delta === 'string' && e.delta) out.push({ type: 'text_delta', text: e.delta });
        break;
      case 'response.refusal.delta':
        if (typeof e.delta === 'string' && e.delta) out.push({ type: 'refusal_delta', text: e.delta });
        break;
      case 'response.reasoning_summary_text.delta':
      case 'response.reasoning_text.delta':
        if (typeof e.delta === 'string' && e.delta) out.push({ type: 'reasoning_delta', text: e.delta });
        break;
      case 'response.reasoning_summary_part.added':
        // Summary parts are paragraphs; keep them apart in the flat reasoning text.
        if (typeof e.summary_index === 'number' && e.summary_index > 0) out.push({ type: 'reasoning_delta', text: '\n\n' });
        break;
      case 'response.output_item.added':
        if (e.item?.type === 'function_call') out.push(...this.#startCall(e.item, e.output_index));
        break;
      case 'response.function_call_arguments.delta': {
        const call = this.#find(e.item_id, e.output_index);
        if (call && !call.ended && typeof e.delta === 'string' && e.delta) {
          call.argsSent = true;
          out.push({ type: 'tool_call_delta', key: call.key, arguments: e.delta });
        }
        break;
      }
      case 'response.function_call_arguments.done': {
        const call = this.#find(e.item_id, e.output_index);
        if (call && !call.ended && !call.argsSent && typeof e.arguments === 'string' && e.arguments) {
          call.argsSent = true;
          out.push({ type: 'tool_call_delta', key: call.key, arguments: e.arguments });
        }
        break;
      }
      case 'response.output_item.done':
        if (e.item?.type === 'reasoning') {
          // The encrypted state arrives only on the finished item; it belongs to the reasoning just streamed.
          const signature = openaiReasoningSignature(e.item.id, e.item.encrypted_content);
          if (signature) out.push({ type: 'reasoning_delta', text: '', signature });
        } else if (e.item?.type === 'function_call') {
          let call = this.#find(e.item.id, e.output_index);
          if (!call) {
            out.push(...this.#startCall(e.item, e.output_index));
            call = this.#find(e.item.id, e.output_index);
          }
          if (call && !call.ended) {
            if (!call.argsSent && typeof e.item.arguments === 'string' && e.item.arguments) {
              call.argsSent = true;
              out.push({ type: 'tool_call_delta', key: call.key, arguments: e.item.arguments });
            } else if (!call.argsSent && e.item.status !== 'incomplete') {
              // A finished call that carried no arguments text was made with none (shared/arguments.ts).
              call.argsSent = true;
              out.push({ type: 'tool_call_delta', key: call.key, arguments: NO_ARGUMENTS });
            }
            call.ended = true;
            out.push({ type: 'tool_call_end', key: call.key });
          }
        }
        break;
      case 'response.completed':
      case 'response.incomplete':
      case 'response.failed': {
        const outcome = responseOutcome(e.response, this.#calls.size > 0);
        out.push(...this.#endCalls(type === 'response.completed' && !('error' in outcome)));
        const usage = responsesUsage(e.response?.usage);
        if (usage) out.push({ type: 'usage', usage });
        out.push('error' in outcome ? { type: 'error', ...outcome.error } : { type: 'finish', reason: outcome.reason });
        this.#done = true;
        break;
      }
      case 'error':
        out.push(...this.#endCalls(false), { type: 'error', ...failure(e.error && typeof e.error === 'object' ? e.error : e) });
        this.#done = true;
        break;
      default:
        break; // response.created / in_progress, content_part.*, *.done, annotations …
    }
    return out;
  }

  end(): CanonicalEvent[] {
    if (this.#done) return [];
    this.#done = true;
    const out: CanonicalEvent[] = this.#started ? [] : [{ type: 'start' }];
    out.push(...this.#endCalls(false), {
      type: 'error',
      code: 'server_error',
      message: 'The provider stream ended before the response was complete.',
    });
    return out;
  }

  #startCall(item: any, outputIndex: unknown): CanonicalEvent[] {
    const key = typeof item.id === 'string' && item.id ? item.id : `output_${String(outputIndex)}`;
    if (this.#calls.has(key)) return [];
    const call: Call = { key, argsSent: false, ended: false };
    this.#calls.set(key, call);
    if (typeof outputIndex === 'number') this.#byIndex.set(outputIndex, key);
    // Arguments come from the deltas (or, failing those, from the .done events), never from `added`.
    return [{ type: 'tool_call_start', key, callId: String(item.call_id ?? key), name: String(item.name ?? '') }];
  }

  #find(itemId: unknown, outputIndex: unknown): Call | undefined {
    if (typeof itemId === 'string' && this.#calls.has(itemId)) return this.#calls.get(itemId);
    if (typeof outputIndex === 'number') {
      const key = this.#byIndex.get(outputIndex);
      if (key !== undefined) return this.#calls.get(key);
    }
    return undefined;
  }

  /**
   * Ends the calls still open. `complete`: the response completed, so a call that carried no
   * arguments was made with none and gets "{}"; on a cut, an error or an incomplete response
   * its arguments are unknown and stay missing.
   */
  #endCalls(complete: boolean): CanonicalEvent[] {
    const out: CanonicalEvent[] = [];
    for (const c of this.#calls.values()) {
      if (!c.ended) {
        c.ended = true;
        if (complete && !c.argsSent) out.push({ type: 'tool_call_delta', key: c.key, arguments: NO_ARGUMENTS });
        out.push({ type: 'tool_call_end', key: c.key });
      }
    }
    return out;
  }
}
