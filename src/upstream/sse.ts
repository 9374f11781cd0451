// Upstream SSE decoding with eventsource-parser (spec-compliant: comments,
// CRLF, multi-line data, missing trailing blank line), so keep-alive comments
// and odd framing from providers never confuse a translator.
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { SseMessage } from '../providers/types.js';

export interface SseDecoder {
  feed(chunk: string): SseMessage[];
  /** Flush a final message that lacked its terminating blank line. */
  end(): SseMessage[];
}

export function createSseDecoder(): SseDecoder {
  let out: SseMessage[] = [];
  const parser = createParser({
    onEvent(e: EventSourceMessage) {
      out.push(e.event ? { event: e.event, data: e.data } : { data: e.data });
    },
  });
  return {
    feed(chunk) {
      parser.feed(chunk);
      const got = out;
      out = [];
      return got;
    },
    end() {
      // A final event without a blank line: feeding the terminator completes it.
      parser.feed('\n\n');
      const got = out;
      out = [];
      parser.reset();
      return got;
    },
  };
}

/** Parse a whole SSE text (fixtures, tests). */
export function parseSseText(text: string): SseMessage[] {
  const d = createSseDecoder();
  return [...d.feed(text), ...d.end()];
}
