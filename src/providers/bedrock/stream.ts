// ConverseStream → canonical events (docs/providers.md#bedrock-stream). The body is AWS's
// binary event stream (application/vnd.amazon.eventstream): length-prefixed messages with
// typed headers and CRCs. The decoder cuts the byte stream into messages and decodes each
// with @smithy/eventstream-codec (which checks both CRCs); every message becomes one
// SseMessage (`event` = the :event-type, or `exception:<name>` for an in-band exception,
// `data` = the JSON payload), so the attempt loop treats it like any other stream.
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import type { CanonicalEvent, CanonicalRequest, FinishReason } from '../../canonical/types.js';
import { inBandFromMapped } from '../shared/errors.js';
import type { ByteStreamDecoder, SseMessage, StreamTranslator } from '../types.js';
import { mapBedrockError, statusOfException } from './errors.js';
import { bedrockUsage, finishReason } from './response.js';

/** A message larger than this is not Bedrock talking: fail instead of buffering without bound. */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

export function createEventStreamDecoder(): ByteStreamDecoder {
  const codec = new EventStreamCodec(toUtf8, fromUtf8);
  let buffer: Uint8Array = new Uint8Array(0);
  const take = (): SseMessage[] => {
    const out: SseMessage[] = [];
    while (buffer.length >= 4) {
      const total = new DataView(buffer.buffer, buffer.byteOffset, 4).getUint32(0, false);
      if (total < 16 || total > MAX_MESSAGE_BYTES) throw new Error(`event-stream message of ${total} bytes`);
      if (buffer.length < total) break;
      const msg = codec.decode(buffer.subarray(0, total));
      buffer = buffer.subarray(total);
      const h = (name: string): string | undefined => {
        const v = msg.headers[name];
        return v && v.type === 'string' ? v.value : undefined;
      };
      const kind = h(':message-type');
      const data = toUtf8(msg.body);
      if (kind === 'exception' || kind === 'error') out.push({ event: `exception:${h(':exception-type') ?? h(':error-code') ?? 'InternalServerException'}`, data });
      else out.push({ event: h(':event-type') ?? '', data });
    }
    return out;
  };
  return {
    feed(chunk: Uint8Array): SseMessage[] {
      const next = new Uint8Array(buffer.length + chunk.length);
      next.set(buffer, 0);
      next.set(chunk, buffer.length);
      buffer = next;
      return take();
    },
    end(): SseMessage[] {
      // Leftover bytes are a cut message: the translator's end() reports the missing finish.
      buffer = new Uint8Array(0);
      return [];
    },
  };
}

export function createBedrockStreamTranslator(_req: CanonicalRequest): StreamTranslator {
  let started = false;
  let done = false;
  let stop: FinishReason | undefined;
  const tools = new Set<string>();
  const start = (): CanonicalEvent[] => {
    if (started) return [];
    started = true;
    return [{ type: 'start' }];
  };
  return {
    push(message: SseMessage): CanonicalEvent[] {
      if (done) return [];
      let p: Record<string, any>;
      try {
        p = JSON.parse(message.data || '{}');
      } catch {
        done = true;
        return [...start(), { type: 'error', code: 'server_error', message: 'Bedrock sent a stream event that is not JSON.' }];
      }
      const event = message.event ?? '';
      if (event.startsWith('exception:')) {
        done = true;
        // ConverseStream names exceptions as union members (throttlingException): the HTTP name is capitalised.
        const raw = event.slice('exception:'.length);
        const name = raw.charAt(0).toUpperCase() + raw.slice(1);
        const mapped = mapBedrockError(statusOfException(name), { 'x-amzn-errortype': name }, message.data);
        return [...start(), inBandFromMapped(mapped, mapped.message)];
      }
      const key = String(p.contentBlockIndex ?? 0);
      switch (event) {
        case 'messageStart':
          return start();
        case 'contentBlockStart': {
          const tu = p.start?.toolUse;
          if (!tu) return start();
          tools.add(key);
          return [...start(), { type: 'tool_call_start', key, callId: String(tu.toolUseId ?? `call_${key}`), name: String(tu.name ?? '') }];
        }
        case 'contentBlockDelta': {
          const d = p.delta ?? {};
          if (typeof d.text === 'string') return d.text === '' ? start() : [...start(), { type: 'text_delta', text: d.text }];
          if (d.toolUse && typeof d.toolUse.input === 'string') return [...start(), { type: 'tool_call_delta', key, arguments: d.toolUse.input }];
          const r = d.reasoningContent;
          if (r && typeof r === 'object') {
            if (typeof r.text === 'string') return [...start(), { type: 'reasoning_delta', text: r.text }];
            if (typeof r.signature === 'string') return [...start(), { type: 'reasoning_delta', text: '', signature: r.signature }];
            if (typeof r.redactedContent === 'string') return [...start(), { type: 'reasoning_delta', text: '', redacted: r.redactedContent }];
          }
          return start();
        }
        case 'contentBlockStop':
          if (!tools.delete(key)) return [];
          return [{ type: 'tool_call_end', key }];
        case 'messageStop':
          stop = finishReason(p.stopReason);
          return start();
        case 'metadata': {
          // Usage comes after messageStop; the finish waits for it so usage precedes finish.
          const usage = bedrockUsage(p.usage);
          const out: CanonicalEvent[] = [...start(), ...(usage ? [{ type: 'usage' as const, usage }] : [])];
          if (stop) {
            done = true;
            out.push({ type: 'finish', reason: stop });
          }
          return out;
        }
        default:
          return [];
      }
    },
    end(): CanonicalEvent[] {
      if (done) return [];
      done = true;
      if (stop) return [...start(), { type: 'finish', reason: stop }];
      return [...start(), { type: 'error', code: 'server_error', message: 'The Bedrock stream ended before messageStop.' }];
    },
  };
}
