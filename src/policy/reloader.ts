// Reload = read the directory, and if its content hash differs from the live
// set, build a whole new set and swap it in (or keep the last good one).
// Concurrent triggers collapse: while a reload runs, further requests mark one
// more pass to run after it (single-flight with one trailing run), so a burst
// of file events costs at most two builds.
import { buildFromSnapshot } from './load.js';
import { readPolicySource, SourceError } from './source.js';
import type { PolicyStore } from './store.js';
import type { PolicyProblem, PolicySet } from './types.js';

export interface ReloaderOptions {
  directory: string;
  store: PolicyStore;
  maxBytes?: number;
  /** Called with each failed load's problems (for logging). */
  onProblems?: (problems: readonly import('./types.js').PolicyProblem[]) => void;
  /**
   * Checks a valid new set against what is deployed (the listener's address)
   * before it replaces `live`; problems reject it like a validation error and
   * the last good set keeps serving.
   */
  admit?: (next: PolicySet, live: PolicySet | undefined) => PolicyProblem[];
}

export class Reloader {
  #running: Promise<void> | undefined;
  #again = false;
  #rejectedHash: string | undefined;
  /** Number of full builds (parse + validate + compile) performed: a test hook and a metric. */
  builds = 0;

  constructor(readonly options: ReloaderOptions) {}

  /** Reload now; resolves when the tree on disk at call time (or later) is reflected. */
  reload(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#loop().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #loop(): Promise<void> {
    do {
      this.#again = false;
      await this.#once();
    } while (this.#again);
  }

  async #once(): Promise<void> {
    const { store, directory, maxBytes } = this.options;
    let snapshot;
    try {
      snapshot = await readPolicySource(directory, maxBytes);
    } catch (err) {
      const message = err instanceof SourceError ? err.message : `unexpected error reading policies: ${(err as Error).message}`;
      const file = err instanceof SourceError ? err.file : '';
      const problems = [{ file, line: 0, col: 0, pointer: '', message }];
      store.reject(problems);
      this.options.onProblems?.(problems);
      return;
    }
    if (store.current()?.version === snapshot.hash) {
      this.#rejectedHash = undefined;
      store.unchanged();
      return;
    }
    // The same broken content again (a resync, an unrelated event): already
    // reported and counted once; rebuilding and re-logging it helps nobody.
    if (snapshot.hash === this.#rejectedHash) return;
    this.builds++;
    const built = buildFromSnapshot(snapshot);
    const refused = built.ok ? (this.options.admit?.(built.set, store.current()) ?? []) : [];
    const result = built.ok && refused.length > 0 ? { ok: false as const, problems: refused } : built;
    if (result.ok) {
      this.#rejectedHash = undefined;
      store.swap(result.set, result.warnings);
    } else {
      this.#rejectedHash = snapshot.hash;
      store.reject(result.problems);
      this.options.onProblems?.(result.problems);
    }
  }
}
