// Tracks in-flight requests and the draining state, so SIGTERM can stop
// taking work, let what is running finish, and then exit.
export class Lifecycle {
  #draining = false;
  #inFlight = 0;
  #idle: (() => void)[] = [];

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
