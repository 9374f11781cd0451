// Which stream translator an Azure answer needs. The adapter contract gives createStreamTranslator
// only the request, but an Azure provider picks its wire from its own spec: a Responses caller is
// answered on the Responses wire by the v1 API and on the Chat wire by the deployments API
// (request.ts). The two wires cannot be mistaken for each other, so the first message decides:
// Responses events are typed `response.*` (or `error`), Chat chunks are `chat.completion.chunk`s.
import type { CanonicalEvent, CanonicalRequest } from '../../canonical/types.js';
import { ChatStreamTranslator } from '../openai-compatible/stream.js';
import { ResponsesStreamTranslator } from '../openai/stream.js';
import type { SseMessage, StreamTranslator } from '../types.js';

export class AzureStreamTranslator implements StreamTranslator {
  private inner: StreamTranslator | undefined;

  constructor(private readonly req: CanonicalRequest) {
    // A Chat caller always goes out on the Chat wire (both APIs have it).
    if (req.api === 'chat') this.inner = new ChatStreamTranslator(req);
  }

  push(message: SseMessage): CanonicalEvent[] {
    this.inner ??= responsesWire(message) ? new ResponsesStreamTranslator(this.req) : new ChatStreamTranslator(this.req);
    return this.inner.push(message);
  }

  end(): CanonicalEvent[] {
    // Nothing arrived at all: either translator reports the cut stream the same way.
    this.inner ??= new ResponsesStreamTranslator(this.req);
    return this.inner.end();
  }
}

function responsesWire(message: SseMessage): boolean {
  if (message.event !== undefined) return message.event.startsWith('response.') || message.event === 'error';
  try {
    const data = JSON.parse(message.data) as { type?: unknown; object?: unknown };
    if (data.object === 'chat.completion.chunk') return false;
    return typeof data.type === 'string' && (data.type.startsWith('response.') || data.type === 'error');
  } catch {
    return false;
  }
}
