// Tracks in-flight requests and the draining state, so SIGTERM can stop
// taking work, let what is running finish, and then exit. Open streams
// register a hook that ends them with an explicit failure event when the
// drain timeout is up, so no client sees a silently cut stream.
export class Lifecycle {
  #draining = false;
  #inFlight = 0;
  #idle: (() => void)[] = [];
  readonly #streams = new Set<() => void>();

  /** Register a stream's "end now with a failure" hook; returns its unregister function. */
  onDrainTimeout(hook: () => void): () => void {
    this.#streams.add(hook);
    return () => this.#streams.delete(hook);
  }

  get openStreams(): number {
    return this.#streams.size;
  }

  /** Drain timeout reached: end every open stream with its failure event. */
  endStreams(): void {
    for (const hook of [...this.#streams]) {
      this.#streams.delete(hook);
      try {
        hook();
      } catch {
        // a stream whose socket is already gone: nothing left to tell it
      }
    }
  }

  get draining(): boolean {
    return this.#draining;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  startDraining(): void {
    this.#draining = true;
  }

  begin(): void {
    this.#inFlight++;
  }

  end(): void {
    this.#inFlight--;
    if (this.#inFlight === 0) for (const f of this.#idle.splice(0)) f();
  }

  /** Resolves when no request is in flight, or after `timeoutMs` (false then). */
  waitIdle(timeoutMs: number): Promise<boolean> {
    if (this.#inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      this.#idle.push(() => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }
}
