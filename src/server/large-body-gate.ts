// Large bodies take turns. Reading, parsing, counting and scanning a body
// costs time in proportion to its size, all of it on the one thread that also
// answers health probes and every other tenant's small requests. Slicing
// (event-loop/slicer.ts) keeps each piece short, but eight megabyte prompts
// worked on at once still queue eight pieces ahead of every probe. Since that
// work cannot run in parallel anyway, a request whose body is large waits for
// a turn *before its body is read*: it holds a socket, not memory (TCP flow
// control keeps the rest of its bytes at the client), and at most `turns`
// large bodies are ever in memory or in progress. A small request never waits.
//
// A turn ends when the request's own work is done: after the prompt firewall
// (the pipeline says so, so a long stream does not hold a turn) or when the
// response ends, whichever comes first. Past `maxWaiting` waiting requests,
// a new large one is refused with 503 server_overloaded and retry-after.
import type { IncomingMessage } from 'node:http';
import { RouterError } from '../errors/registry.js';

/** A body above this many bytes (declared, or chunked of unknown length) takes a turn. */
export const LARGE_BODY_BYTES = 64 * 1024;

export type Release = () => void;

export class LargeBodyGate {
  #active = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(
    readonly turns = 1,
    readonly maxWaiting = 256,
  ) {}

  get active(): number {
    return this.#active;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * A turn for this request if its body is large (else a no-op release at
   * once). The promise settles when the turn starts; a request whose client
   * goes away while waiting leaves the queue.
   */
  async enter(req: IncomingMessage): Promise<Release> {
    if (!isLarge(req)) return noop;
    if (this.#active < this.turns) return this.#take();
    if (this.#waiting.length >= this.maxWaiting) {
      throw new RouterError('server_overloaded', undefined, null, { 'retry-after': '1' });
    }
    return new Promise<Release>((resolve, reject) => {
      const wake = (): void => {
        req.off('close', gone);
        resolve(this.#release());
      };
      const gone = (): void => {
        const i = this.#waiting.indexOf(wake);
        if (i >= 0) this.#waiting.splice(i, 1);
        reject(new RouterError('server_overloaded', 'The client closed the connection while its request waited for a turn.'));
      };
      req.once('close', gone);
      this.#waiting.push(wake);
    });
  }

  #take(): Release {
    this.#active++;
    return this.#release();
  }

  /** Ends a turn once: hands it straight to the next waiter (active unchanged), else frees it. */
  #release(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next) next();
      else this.#active--;
    };
  }
}

function noop(): void {}

function isLarge(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  if (length !== undefined) return Number(length) > LARGE_BODY_BYTES;
  return req.headers['transfer-encoding'] !== undefined;
}
