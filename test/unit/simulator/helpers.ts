// Small helpers for the simulator tests: read an SSE body into events.
import { parseSseText } from '../../../src/upstream/sse.js';

export interface SseEvent {
  event?: string;
  data: string;
}

/** The router's own SSE decoder (src/upstream/sse.ts), so tests read streams exactly as the router does. */
export function parseSse(text: string): SseEvent[] {
  return parseSseText(text);
}

export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

/** Read a streamed body chunk by chunk; resolves with the text and how it ended. */
export async function readAll(res: Response): Promise<{ text: string; error?: Error }> {
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let text = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text };
      text += dec.decode(value, { stream: true });
    }
  } catch (err) {
    return { text, error: err as Error };
  }
}
