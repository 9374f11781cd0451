// Watches a policy directory and triggers whole-set reloads. Follows the
// Kubernetes ConfigMap lesson: watch the directory itself (depth 0, symlinks
// not followed) so the `..data` swap shows up as an event; treat any event as
// "something changed"; debounce; never read per file. A periodic resync by
// content hash covers missed events (a watcher that silently stops is a
// fail-open bug in other gateways).
import { watch, type FSWatcher } from 'chokidar';
import type { Reloader } from './reloader.js';

export interface WatchOptions {
  debounceMs?: number;
  /** Longest a burst of events may postpone a reload. */
  maxWaitMs?: number;
  resyncMs?: number;
}

export class PolicyWatcher {
  #watcher: FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;
  #resync: NodeJS.Timeout | undefined;
  #paused = false;

  constructor(
    readonly directory: string,
    readonly reloader: Reloader,
    readonly options: WatchOptions = {},
  ) {}

  async start(): Promise<void> {
    const debounceMs = this.options.debounceMs ?? 300;
    this.#watcher = watch(this.directory, {
      depth: 0,
      followSymlinks: false,
      ignoreInitial: true,
      persistent: true,
    });
    // Debounce, but never postpone a reload by more than maxWaitMs under a steady stream of events.
    const maxWaitMs = this.options.maxWaitMs ?? Math.max(2_000, debounceMs * 4);
    let firstEventAt: number | undefined;
    const fire = (): void => {
      firstEventAt = undefined;
      void this.reloader.reload();
    };
    this.#watcher.on('all', () => {
      if (this.#paused) return;
      clearTimeout(this.#timer);
      firstEventAt ??= Date.now();
      const wait = Math.min(debounceMs, Math.max(0, firstEventAt + maxWaitMs - Date.now()));
      this.#timer = setTimeout(fire, wait);
    });
    this.#watcher.on('error', () => {
      // A watcher error must not kill the process; the periodic resync keeps us correct.
    });
    await new Promise<void>((resolve) => this.#watcher!.once('ready', () => resolve()));
    const resyncMs = this.options.resyncMs ?? 30_000;
    if (resyncMs > 0) {
      this.#resync = setInterval(() => void this.reloader.reload(), resyncMs);
      this.#resync.unref();
    }
  }

  /** Ignore file events (test hook: simulates a watcher that missed events). */
  pauseEvents(paused: boolean): void {
    this.#paused = paused;
  }

  async close(): Promise<void> {
    clearTimeout(this.#timer);
    clearInterval(this.#resync);
    await this.#watcher?.close();
  }
}
