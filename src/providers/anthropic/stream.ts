// Anthropic Messages SSE → canonical events (docs/providers.md#anthropic-stream).
// message_start carries the ids and the input side of usage; content blocks
// are keyed by their `index`; message_delta carries the stop reason and the
// cumulative usage; only message_stop is a clean end. An in-band `error`
// event (e.g. overloaded_error after a 200) ends the stream with an error.
import type { CanonicalEvent, CanonicalRequest } from '../../canonical/types.js';
import { inBandFromMapped, tryJson } from '../shared/errors.js';
import { mapAnthropicError } from './errors.js';
import type { SseMessage, StreamTranslator } from '../types.js';
import { type AnthropicUsage, ids, mapStopReason, mapUsage, stopSequenceOf } from './response.js';

interface OpenBlock {
  type: string;
  /** tool_use: whether any non-empty input_json_delta arrived. */
  gotArgs: boolean;
  /** tool_use: the input given at content_block_start (normally `{}`). */
  input?: unknown;
  ended: boolean;
}

export function createAnthropicStreamTranslator(_req: CanonicalRequest): StreamTranslator {
  let started = false;
  let done = false;
  let usage: AnthropicUsage = {};
  let usageSent = false;
  let stopReason: unknown;
  let stopSequence: unknown;
  const blocks = new Map<number, OpenBlock>();

  const begin = (out: CanonicalEvent[], msg: { id?: unknown; model?: unknown } = {}): void => {
    if (started) return;
    started = true;
    out.push({ type: 'start', ...ids(msg) });
  };

  const mergeUsage = (u: unknown): void => {
    if (!u || typeof u !== 'object') return;
    // message_delta usage is cumulative; null or absent fields keep the earlier value.
    for (const [k, v] of Object.entries(u as Record<string, unknown>)) {
      if (v !== null && v !== undefined) (usage as Record<string, unknown>)[k] = v;
    }
  };

  const endToolBlock = (out: CanonicalEvent[], index: number, block: OpenBlock): void => {
    if (block.type !== 'tool_use' || block.ended) return;
    block.ended = true;
    const key = String(index);
    if (!block.gotArgs) {
      const input = block.input && typeof block.input === 'object' && Object.keys(block.input).length > 0 ? block.input : {};
      out.push({ type: 'tool_call_delta', key, arguments: JSON.stringify(input) });
    }
    out.push({ type: 'tool_call_end', key });
  };

  return {
    push(m: SseMessage): CanonicalEvent[] {
      if (done) return [];
      const data = tryJson(m.data) as Record<string, any> | undefined;
      if (!data || typeof data !== 'object') return [];
      const type = typeof data.type === 'string' ? data.type : m.event;
      const out: CanonicalEvent[] = [];

      switch (type) {
        case 'message_start': {
          const msg = (data.message ?? {}) as { id?: unknown; model?: unknown; usage?: unknown };
          begin(out, msg);
          mergeUsage(msg.usage);
          break;
        }
        case 'content_block_start': {
          begin(out);
          const index = Number(data.index);
          const cb = (data.content_block ?? {}) as Record<string, any>;
          const blockType = String(cb.type ?? '');
          blocks.set(index, { type: blockType, gotArgs: false, input: cb.input, ended: false });
          if (blockType === 'text') {
            if (typeof cb.text === 'string' && cb.text !== '') out.push({ type: 'text_delta', text: cb.text });
          } else if (blockType === 'tool_use') {
            out.push({ type: 'tool_call_start', key: String(index), callId: String(cb.id ?? ''), name: String(cb.name ?? '') });
          } else if (blockType === 'thinking') {
            const text = typeof cb.thinking === 'string' ? cb.thinking : '';
            if (text !== '' || cb.signature) {
              out.push({ type: 'reasoning_delta', text, ...(cb.signature ? { signature: String(cb.signature) } : {}) });
            }
          } else if (blockType === 'redacted_thinking') {
            // Arrives whole in content_block_start; kept so a replayed tool loop still validates.
            if (typeof cb.data === 'string' && cb.data !== '') out.push({ type: 'reasoning_delta', text: '', redacted: cb.data });
          }
          // Server-tool blocks have no canonical form.
          break;
        }
        case 'content_block_delta': {
          begin(out);
          const index = Number(data.index);
          const delta = (data.delta ?? {}) as Record<string, any>;
          switch (delta.type) {
            case 'text_delta':
              if (typeof delta.text === 'string' && delta.text !== '') out.push({ type: 'text_delta', text: delta.text });
              break;
            case 'input_json_delta': {
              const part = typeof delta.partial_json === 'string' ? delta.partial_json : '';
              const block = blocks.get(index);
              if (part !== '' && block && block.type === 'tool_use' && !block.ended) {
                block.gotArgs = true;
                out.push({ type: 'tool_call_delta', key: String(index), arguments: part });
              }
              break;
            }
            case 'thinking_delta':
              if (typeof delta.thinking === 'string' && delta.thinking !== '') out.push({ type: 'reasoning_delta', text: delta.thinking });
              break;
            case 'signature_delta':
              if (typeof delta.signature === 'string' && delta.signature !== '') {
                out.push({ type: 'reasoning_delta', text: '', signature: delta.signature });
              }
              break;
            default:
              // citations_delta and anything newer: ignored.
              break;
          }
          break;
        }
        case 'content_block_stop': {
          begin(out);
          const index = Number(data.index);
          const block = blocks.get(index);
          if (block) endToolBlock(out, index, block);
          break;
        }
        case 'message_delta': {
          begin(out);
          const delta = (data.delta ?? {}) as Record<string, unknown>;
          if (delta.stop_reason !== undefined && delta.stop_reason !== null) stopReason = delta.stop_reason;
          if (typeof delta.stop_sequence === 'string') stopSequence = delta.stop_sequence;
          if (data.usage) {
            mergeUsage(data.usage);
            out.push({ type: 'usage', usage: mapUsage(usage) });
            usageSent = true;
          }
          break;
        }
        case 'message_stop': {
          begin(out);
          for (const [index, block] of blocks) endToolBlock(out, index, block);
          if (!usageSent) out.push({ type: 'usage', usage: mapUsage(usage) });
          out.push({ type: 'finish', reason: mapStopReason(stopReason), ...stopSequenceOf({ stop_reason: stopReason, stop_sequence: stopSequence }) });
          done = true;
          break;
        }
        case 'error': {
          begin(out);
          const err = (data.error ?? {}) as { type?: unknown; message?: unknown };
          const errType = typeof err.type === 'string' ? err.type : 'api_error';
          const message = typeof err.message === 'string' && err.message !== '' ? err.message : `Anthropic stream error (${errType}).`;
          out.push(anthropicInBand(errType, data, message));
          done = true;
          break;
        }
        default:
          // ping and unknown event types.
          break;
      }
      return out;
    },

    end(): CanonicalEvent[] {
      if (done) return [];
      done = true;
      const out: CanonicalEvent[] = [];
      begin(out);
      out.push({ type: 'error', code: 'server_error', message: 'The upstream stream ended before message_stop.' });
      return out;
    },
  };
}

/** Anthropic's error types and the HTTP status each is answered with when it is not in a stream. */
const ERROR_STATUS: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  // Mapped as a 529 (503 server_is_overloaded, retried and failed over like any server error) but
  // with its detail, so a Messages client gets overloaded_error mid-stream as Anthropic sent it.
  overloaded_error: 529,
};

/** An in-band `error` event, mapped as its HTTP twin would be (mapAnthropicError on the same body). */
function anthropicInBand(errType: string, data: unknown, message: string): CanonicalEvent {
  const status = ERROR_STATUS[errType];
  if (status === undefined) return { type: 'error', code: 'server_error', message };
  return inBandFromMapped(mapAnthropicError(status, {}, JSON.stringify(data)), message);
}
