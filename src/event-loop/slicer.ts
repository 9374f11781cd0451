// Cooperative slicing for work that grows with what a caller sends (scanning
// and counting a megabyte prompt): the work runs in slices of at most SLICE_MS
// and gives the event loop back between them, so a health probe or another
// tenant's small request waits for one slice, not for the whole text. Small
// inputs finish inside their first slice and never yield: they pay one clock
// read per step.
//
// Why slices rather than a worker pool: the firewall's matchers and the token
// counter are plain synchronous code over compiled policy state that lives on
// the main thread; slicing keeps one copy of that state and one code path, and
// a slice boundary is where the firewall already checks its scan budget.

/** Longest stretch of caller-driven work between two turns of the event loop. */
export const SLICE_MS = 2;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class Slicer {
  #since = performance.now();

  /** True once the current slice has used its time. */
  due(): boolean {
    return performance.now() - this.#since > SLICE_MS;
  }

  /** Gives the event loop one turn when the slice is used up (callers on a hot path ask due() first: no await when not). */
  async pace(): Promise<void> {
    if (performance.now() - this.#since <= SLICE_MS) return;
    await nextTurn();
    this.#since = performance.now();
  }

  /** Runs a step generator to its end, one slice at a time; its return value. */
  async drive<T>(steps: Generator<unknown, T, undefined>): Promise<T> {
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
      await this.pace();
    }
  }
}

/** Runs a step generator to its end at once (callers off the serving path: tests, CLI tools). */
export function runToEnd<T>(steps: Generator<unknown, T, undefined>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}
