// A provider response body fed by an undici dispatch handler: the chunks as an
// async iterable (streams), or the whole text (non-stream answers). It replaces
// undici's `request()` body stream, a full Readable whose machinery (states,
// events, async-iterator adapter) cost more per answer than reading a small
// JSON body itself. Semantics kept from the Readable it replaces:
//   - leaving a `for await` early (break, throw) destroys it, which aborts the
//     upstream exchange (its connection is not reused mid-response);
//   - destroy(err) makes a pending or later read reject with err;
//   - a bounded buffer: past HIGH_WATER queued chunks the connection is paused
//     until the reader catches up.
// One reader at a time (a for-await loop or text()), as with a Readable.
import type { Dispatcher } from 'undici';

const HIGH_WATER = 64;

export class UpstreamBody implements AsyncIterable<Buffer> {
  readonly #queue: Buffer[] = [];
  #controller: Dispatcher.DispatchController | undefined;
  #ended = false;
  #error: Error | undefined;
  #closed = false;
  #wake: (() => void) | undefined;
  readonly #onClose: (() => void)[] = [];

  /** @internal the dispatch handler's controller (pause, resume, abort). */
  attach(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
  }

  /** @internal a chunk from the provider. */
  push(chunk: Buffer): void {
    if (this.#closed) return;
    this.#queue.push(chunk);
    if (this.#queue.length >= HIGH_WATER && this.#controller && !this.#controller.paused) this.#controller.pause();
    this.#notify();
  }

  /** @internal the provider finished the body. */
  end(): void {
    if (this.#closed) return;
    this.#ended = true;
    this.#notify();
  }

  /** @internal the exchange failed (reset, abort). */
  fail(err: Error): void {
    if (this.#closed && this.#error) return;
    this.#error ??= err;
    this.#close();
    this.#notify();
  }

  /** Stops reading: aborts the exchange if it is still running; reads then reject with err. */
  destroy(err: Error = new Error('the response body was destroyed')): void {
    if (this.#closed) return;
    this.#error ??= err;
    this.#close();
    if (!this.#ended) this.#controller?.abort(err);
    this.#notify();
  }

  /** Runs `fn` once the body is fully read, failed or destroyed. */
  onClose(fn: () => void): void {
    if (this.#closed) fn();
    else this.#onClose.push(fn);
  }

  /**
   * The whole body at once when it has already arrived (a small JSON answer usually comes in the
   * packet that carried its headers): read and closed, no timer, no iteration. Undefined while
   * any of it is still to come, after a failure, or once reading has started.
   */
  completeText(): string | undefined {
    if (!this.#ended || this.#error || this.#closed) return undefined;
    const q = this.#queue;
    const text = q.length === 1 ? q[0]!.toString('utf8') : Buffer.concat(q).toString('utf8');
    q.length = 0;
    this.#close();
    return text;
  }

  async text(): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of this) chunks.push(c);
    return chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
  }

  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return {
      next: () => this.#next(),
      return: () => {
        if (!this.#ended) this.destroy();
        else this.#close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  async #next(): Promise<IteratorResult<Buffer>> {
    for (;;) {
      if (this.#error) throw this.#error;
      const chunk = this.#queue.shift();
      if (chunk !== undefined) {
        if (this.#queue.length === 0 && this.#controller?.paused) this.#controller.resume();
        return { value: chunk, done: false };
      }
      if (this.#ended) {
        this.#close();
        return { value: undefined, done: true };
      }
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const fn of this.#onClose.splice(0)) fn();
  }
}
