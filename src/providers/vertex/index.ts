// The vertex adapter: Gemini and Anthropic models on Google Vertex AI. The wires are the Gemini and
// Anthropic adapters' own (request.ts changes only address, auth and anthropic_version), so their
// parsers, stream translators and error mappers are reused. Those take only the request, not the
// model, so the answer itself tells which wire it is: an Anthropic message is `type: "message"` and
// its SSE events are named; a Gemini answer has `candidates` and unnamed events. Errors: Vertex's
// own front end (auth, quota, routing) answers in Google's shape ({error:{code,status}}), an
// Anthropic model's own errors in Anthropic's ({type:"error"}).
import type { CanonicalEvent, CanonicalRequest } from '../../canonical/types.js';
import { mapAnthropicError } from '../anthropic/errors.js';
import { parseAnthropicResponse } from '../anthropic/response.js';
import { createAnthropicStreamTranslator } from '../anthropic/stream.js';
import { mapGeminiError } from '../gemini/errors.js';
import { parseGeminiResponse } from '../gemini/response.js';
import { createGeminiStreamTranslator } from '../gemini/stream.js';
import type { ProviderAdapter, SseMessage, StreamTranslator } from '../types.js';
import { buildVertexRequest } from './request.js';

export const vertexAdapter: ProviderAdapter = {
  type: 'vertex',
  buildRequest: buildVertexRequest,
  parseResponse(body, req) {
    return isAnthropicMessage(body) ? parseAnthropicResponse(body, req) : parseGeminiResponse(body, req);
  },
  createStreamTranslator(req) {
    return new VertexStreamTranslator(req);
  },
  mapError(status, headers, body) {
    return googleShaped(body) ? mapGeminiError(status, headers, body) : mapAnthropicError(status, headers, body);
  },
};

function isAnthropicMessage(body: unknown): boolean {
  const b = body as { type?: unknown } | null;
  return !!b && typeof b === 'object' && b.type === 'message';
}

/** Google's error shape: {error:{code:<number>, status:"…"}} — or no JSON at all (Google's front end). */
function googleShaped(body: string): boolean {
  try {
    const j = JSON.parse(body) as { type?: unknown; error?: { status?: unknown; code?: unknown } };
    if (j && j.type === 'error') return false;
    return !!j?.error && (typeof j.error.status === 'string' || typeof j.error.code === 'number');
  } catch {
    return true;
  }
}

/** Picks the Anthropic or the Gemini translator at the first event (named events are Anthropic's). */
class VertexStreamTranslator implements StreamTranslator {
  private inner: StreamTranslator | undefined;
  constructor(private readonly req: CanonicalRequest) {}

  push(message: SseMessage): CanonicalEvent[] {
    this.inner ??= anthropicEvent(message) ? createAnthropicStreamTranslator(this.req) : createGeminiStreamTranslator(this.req);
    return this.inner.push(message);
  }

  end(): CanonicalEvent[] {
    this.inner ??= createGeminiStreamTranslator(this.req); // no event at all: a cut stream, reported by the translator
    return this.inner.end();
  }
}

function anthropicEvent(message: SseMessage): boolean {
  if (message.event !== undefined && message.event !== 'message') return true;
  try {
    const j = JSON.parse(message.data) as { type?: unknown };
    return typeof j?.type === 'string';
  } catch {
    return false;
  }
}
