// Server-sent events to the client: headers that stop proxies buffering, one
// write per event, and nothing sent before `open()` — which the pipeline calls
// only once the upstream has produced its first event.
//
// The headers and the first event leave together, at once: the client's first
// byte. They used to wait, corked, for process.nextTick — but the pipeline writes
// from inside promise continuations (the upstream body's `for await`), and Node
// runs the nextTick queue only once the whole microtask queue has drained, i.e.
// after the router had worked through every upstream chunk already buffered
// (with a fast upstream, the whole answer): a lone stream's first event waited
// ≈ 0.6-1.5 ms on the rest of the stream (docs/performance-memory.md).
// Later writes stay corked until process.nextTick: the events of the chunks
// the router works through together leave in one socket write (one syscall),
// not one each; a chunk that arrives on its own is flushed right after it.
import type { ServerResponse } from 'node:http';

export class SseWriter {
  #open = false;
  #corked = false;
  /** No event written since open(): the next one is flushed at once. */
  #first = false;

  /** `initial`: headers every opened stream carries (the exchange's x-request-id), set at open() with the rest. */
  constructor(
    readonly res: ServerResponse,
    readonly initial?: Readonly<Record<string, string>>,
  ) {}

  get isOpen(): boolean {
    return this.#open;
  }

  open(headers: Record<string, string>): void {
    if (this.#open) return;
    this.#open = true;
    this.#first = true;
    this.res.statusCode = 200;
    for (const k in this.initial) this.res.setHeader(k, this.initial[k]!);
    for (const k in headers) this.res.setHeader(k, headers[k]!);
    this.res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    this.res.setHeader('Cache-Control', 'no-cache');
    this.res.setHeader('X-Accel-Buffering', 'no');
    // Still flushed here, so headers leave at the commit even when the first event is held back (response firewall).
    this.#cork();
    this.res.flushHeaders();
  }

  /** `event: <name>` + `data: <json>` (Responses API framing). */
  event(name: string, data: unknown): void {
    this.#cork();
    this.res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
    if (this.#first) this.#flushFirst();
  }

  /** `data: <json>` or `data: [DONE]` (Chat Completions framing). */
  data(data: unknown): void {
    this.#cork();
    this.res.write(`data: ${data === '[DONE]' ? '[DONE]' : JSON.stringify(data)}\n\n`);
    if (this.#first) this.#flushFirst();
  }

  end(): void {
    this.res.end();
  }

  #cork(): void {
    if (this.#corked) return;
    this.#corked = true;
    this.res.cork();
    process.nextTick(this.#uncork);
  }

  /** The headers and the first event leave now; the uncork queued by #cork then finds nothing corked. */
  #flushFirst(): void {
    this.#first = false;
    this.#uncork();
  }

  readonly #uncork = (): void => {
    if (!this.#corked) return;
    this.#corked = false;
    this.res.uncork();
  };
}
