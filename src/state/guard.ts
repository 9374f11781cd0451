// What happens when the shared state backend (Redis) fails an operation. Three
// kinds of operation, three answers:
//   admit  before the upstream call (key rpm/tpm, budget reservation, provider
//          account limits): Settings.state.onUnavailable decides — fail_open
//          serves without the shared check, fail_closed refuses with 503
//          state_unavailable.
//   write  after the answer (settle a budget, count tokens, usage, store a
//          response): never turns a served answer into an error; the loss is
//          counted and logged.
//   read   data the request cannot do without (a stored response to
//          continue or replay): 503 state_unavailable in both modes.
// Every failure increments tokenrouter_state_backend_errors_total{op,handling}
// and is logged at most once per op and 10 s, so an outage cannot flood logs.
import { RouterError } from '../errors/registry.js';
import type { Logger } from '../telemetry/log.js';
import type { Metrics } from '../telemetry/metrics.js';

export type OnUnavailable = 'fail_open' | 'fail_closed';

/** Closed vocabulary: the `op` label. */
export type StateOp = 'key_rate' | 'key_budget' | 'provider_limits' | 'usage' | 'conversations';

export interface GuardOptions {
  metrics?: Pick<Metrics, 'stateErrors'>;
  logger?: Logger;
  /** The live policy's Settings.state.onUnavailable (read per operation, so reloads apply). */
  mode?: () => OnUnavailable;
}

export class StateGuard {
  readonly #pending = new Set<Promise<void>>();
  readonly #lastLog = new Map<string, number>();

  constructor(readonly opts: GuardOptions = {}) {}

  mode(): OnUnavailable {
    return this.opts.mode?.() ?? 'fail_open';
  }

  /** Before the upstream call: fail_open → `open()`'s value, fail_closed → 503 state_unavailable. */
  async admit<T>(op: StateOp, fn: () => Promise<T>, open: () => T): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof RouterError) throw err;
      const mode = this.mode();
      this.failed(op, mode, err);
      if (mode === 'fail_closed') throw unavailable(op);
      return open();
    }
  }

  /** After the answer: runs in the background (see flush()); a failure is counted, never thrown. */
  write(op: StateOp, fn: () => Promise<unknown>): void {
    const p: Promise<void> = fn()
      .then(() => undefined)
      .catch((err: unknown) => this.failed(op, 'dropped', err))
      .finally(() => this.#pending.delete(p));
    this.#pending.add(p);
  }

  /** Data the request needs: 503 state_unavailable whatever the mode. */
  async read<T>(op: StateOp, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof RouterError) throw err;
      this.failed(op, 'unavailable', err);
      throw unavailable(op);
    }
  }

  /** Resolves when every background write started so far has finished (tests, shutdown). */
  async flush(): Promise<void> {
    while (this.#pending.size) await Promise.all([...this.#pending]);
  }

  failed(op: StateOp, handling: OnUnavailable | 'dropped' | 'unavailable', err: unknown): void {
    this.opts.metrics?.stateErrors.inc({ op, handling });
    const key = `${op}:${handling}`;
    const now = Date.now();
    if (now - (this.#lastLog.get(key) ?? 0) < 10_000) return;
    this.#lastLog.set(key, now);
    this.opts.logger?.warn(
      { op, handling, err: { name: (err as Error)?.name, message: String((err as Error)?.message ?? err).slice(0, 200) } },
      handling === 'fail_open'
        ? 'state backend unavailable: serving without shared limits (fail_open)'
        : handling === 'fail_closed'
          ? 'state backend unavailable: refusing requests (fail_closed)'
          : handling === 'dropped'
            ? 'state backend unavailable: an update after the answer was lost'
            : 'state backend unavailable: a stored response could not be read',
    );
  }
}

function unavailable(op: StateOp): RouterError {
  return new RouterError(
    'state_unavailable',
    op === 'conversations'
      ? 'Stored responses are unavailable: the shared state backend (Redis) cannot be reached; retry shortly.'
      : undefined,
    null,
    { 'retry-after': '2' },
  );
}
