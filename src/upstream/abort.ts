// Cancellation for one request's upstream work: the client leaving or a drain
// timeout stops the attempt loop, its back-off sleep and the upstream call.
// The upstream path reads only `aborted` and the abort listeners, so it takes
// any AbortLike: a standard AbortSignal fits (tests pass one), and the server
// passes a RequestAbort — Node's AbortController and EventTarget cost ≈ 2% of
// the router's CPU per request in the profile, for a signal that almost never
// fires.

export interface AbortLike {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, opts?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** A one-shot abort flag with listeners: every listener runs once, on the first abort(). */
export class RequestAbort implements AbortLike {
  #aborted = false;
  #listeners: (() => void)[] = [];

  get aborted(): boolean {
    return this.#aborted;
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    // As on an AbortSignal: nothing fires for a listener added after the abort, and a listener is held once.
    if (!this.#aborted && !this.#listeners.includes(listener)) this.#listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const i = this.#listeners.indexOf(listener);
    if (i >= 0) this.#listeners.splice(i, 1);
  }

  abort(): void {
    if (this.#aborted) return;
    this.#aborted = true;
    const listeners = this.#listeners;
    this.#listeners = [];
    for (const l of listeners) {
      try {
        l();
      } catch (err) {
        // As EventTarget does: a throwing listener neither stops the others nor the caller; it surfaces as uncaught.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
}
