// Gemini SSE (`:streamGenerateContent?alt=sse`) → canonical events (docs/providers.md
// #gemini-stream). Every data payload is a complete GenerateContentResponse fragment;
// functionCall parts arrive whole. The finish is decided at the end of the
// stream: tool_calls needs every fragment (newer models send the call and STOP
// separately) and the last usageMetadata wins.
import type { CanonicalEvent, CanonicalRequest } from '../../canonical/types.js';
import type { SseMessage, StreamTranslator } from '../types.js';
import { GeminiTurn, inBandError } from './response.js';

export function createGeminiStreamTranslator(_req: CanonicalRequest): StreamTranslator {
  const turn = new GeminiTurn();
  let done = false; // a terminal event (in-band error or close) has been emitted

  const start = (): CanonicalEvent[] => {
    if (turn.started) return [];
    turn.started = true;
    return [{ type: 'start' }];
  };

  return {
    push(message: SseMessage): CanonicalEvent[] {
      if (done) return [];
      const data = message.data.trim();
      if (data === '' || data === '[DONE]') return [];
      let body: unknown;
      try {
        body = JSON.parse(data);
      } catch {
        done = true;
        return [...start(), { type: 'error', code: 'server_error', message: 'Gemini sent a stream event that is not JSON.' }];
      }
      // Defensive: a fragment wrapped in a one-element array (the non-SSE framing).
      if (Array.isArray(body) && body.length === 1) body = body[0];
      if (!body || typeof body !== 'object' || Array.isArray(body)) return [];
      const b = body as Record<string, any>;
      if (b.error && typeof b.error === 'object') {
        done = true;
        // Keep the usage seen so far (billing), then fail in-band.
        return [...start(), ...(turn.usage ? [{ type: 'usage' as const, usage: turn.usage }] : []), inBandError(b.error)];
      }
      return turn.fragment(b);
    },
    end(): CanonicalEvent[] {
      if (done) return [];
      done = true;
      // No finish reason seen → close() yields an error event: a cut stream is never a clean end.
      return turn.close();
    },
  };
}
