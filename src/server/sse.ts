// Server-sent events to the client: headers that stop proxies buffering, one
// write per event, and nothing sent before `open()` — which the pipeline calls
// only once the upstream has produced its first event.
import type { ServerResponse } from 'node:http';

export class SseWriter {
  #open = false;

  constructor(readonly res: ServerResponse) {}

  get isOpen(): boolean {
    return this.#open;
  }

  open(headers: Record<string, string>): void {
    if (this.#open) return;
    this.#open = true;
    this.res.statusCode = 200;
    for (const k in headers) this.res.setHeader(k, headers[k]!);
    this.res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    this.res.setHeader('Cache-Control', 'no-cache');
    this.res.setHeader('X-Accel-Buffering', 'no');
    this.res.flushHeaders();
  }

  /** `event: <name>` + `data: <json>` (Responses API framing). */
  event(name: string, data: unknown): void {
    this.res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** `data: <json>` or `data: [DONE]` (Chat Completions framing). */
  data(data: unknown): void {
    this.res.write(`data: ${data === '[DONE]' ? '[DONE]' : JSON.stringify(data)}\n\n`);
  }

  end(): void {
    this.res.end();
  }
}
