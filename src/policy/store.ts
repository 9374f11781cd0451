// PolicyStore holds the live PolicySet. A swap replaces the reference in one
// assignment: a request that already took `current()` keeps its snapshot to
// the end; later requests see the new one. An invalid set never goes live —
// the last known good keeps serving and the failure is recorded. The store is
// not ready until the first valid set arrives.
import type { PolicyProblem, PolicySet } from './types.js';

export type ReloadResult = 'success' | 'error' | 'unchanged';

export interface ReloadRecord {
  result: ReloadResult;
  at: Date;
  version?: string;
  problems: readonly PolicyProblem[];
}

export type ReloadListener = (record: ReloadRecord, store: PolicyStore) => void;

export class PolicyStore {
  #current: PolicySet | undefined;
  #last: ReloadRecord | undefined;
  #lastSuccessAt: Date | undefined;
  #warnings: readonly PolicyProblem[] = [];
  readonly #listeners: ReloadListener[] = [];

  /** The live snapshot, or undefined before the first valid load. Read once per request. */
  current(): PolicySet | undefined {
    return this.#current;
  }

  ready(): boolean {
    return this.#current !== undefined;
  }

  lastReload(): ReloadRecord | undefined {
    return this.#last;
  }

  lastSuccessAt(): Date | undefined {
    return this.#lastSuccessAt;
  }

  onReload(listener: ReloadListener): void {
    this.#listeners.push(listener);
  }

  /** The live set's static warnings (policy/checks/static.ts: shadowed rules, capability gaps), as its load found them. */
  warnings(): readonly PolicyProblem[] {
    return this.#warnings;
  }

  swap(next: PolicySet, warnings: readonly PolicyProblem[] = []): void {
    this.#warnings = warnings;
    const unchanged = this.#current?.version === next.version;
    this.#current = next;
    this.#lastSuccessAt = new Date();
    this.#record({ result: unchanged ? 'unchanged' : 'success', at: this.#lastSuccessAt, version: next.version, problems: [] });
  }

  /** The source did not change since the live set was built. */
  unchanged(): void {
    this.#record({ result: 'unchanged', at: new Date(), ...(this.#current ? { version: this.#current.version } : {}), problems: [] });
  }

  reject(problems: readonly PolicyProblem[]): void {
    this.#record({ result: 'error', at: new Date(), problems });
  }

  #record(r: ReloadRecord): void {
    this.#last = r;
    for (const l of this.#listeners) l(r, this);
  }
}
