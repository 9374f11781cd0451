// GET /console/api/live: server-sent events. Every tick (2 s) one `stats`
// event and the decisions written since the last tick (at most 50 per tick,
// the newest kept); a comment line every 15 s keeps proxies from closing an
// idle stream. A client that does not drain its socket is dropped, never
// buffered without bound; at most MAX_LIVE connections at once. A drain (shutdown)
// ends every stream at its next tick (EventSource reconnects to another replica).
import type { ServerResponse } from 'node:http';
import type { DecisionRecord, DecisionRing } from './decision-ring.js';
import { summary } from './decision-views.js';
import type { LiveStats } from './live-stats.js';

export const MAX_LIVE = 20;
export const MAX_DECISIONS_PER_TICK = 50;
export const TICK_MS = 2000;
export const HEARTBEAT_MS = 15_000;
/** Past this many unsent bytes the client is too slow: it is dropped. */
export const MAX_BUFFERED_BYTES = 256 * 1024;

export class LiveStreams {
  #open = 0;

  constructor(
    private readonly ring: DecisionRing,
    private readonly stats: () => Promise<LiveStats>,
    private readonly timing = { tickMs: TICK_MS, heartbeatMs: HEARTBEAT_MS },
    /** The router is shutting down: a stream would hold the drain open to its timeout, so it ends at the next tick. */
    private readonly draining: () => boolean = () => false,
  ) {}

  get open(): number {
    return this.#open;
  }

  /** False (nothing written) when MAX_LIVE streams are already open. */
  start(res: ServerResponse): boolean {
    if (this.#open >= MAX_LIVE) return false;
    this.#open++;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
    res.flushHeaders();
    let pending: DecisionRecord[] = [];
    const unsubscribe = this.ring.subscribe((r) => {
      pending.push(r);
      // Only the newest MAX_DECISIONS_PER_TICK can be sent: older ones are dropped as they queue.
      if (pending.length > MAX_DECISIONS_PER_TICK * 2) pending = pending.slice(-MAX_DECISIONS_PER_TICK);
    });
    let closed = false;
    const write = (chunk: string): void => {
      if (closed) return;
      res.write(chunk);
      if (res.writableLength > MAX_BUFFERED_BYTES) res.destroy();
    };
    const tick = async (): Promise<void> => {
      if (this.draining()) {
        res.end();
        return;
      }
      const batch = pending.slice(-MAX_DECISIONS_PER_TICK);
      pending = [];
      for (const r of batch) write(`event: decision\ndata: ${JSON.stringify(summary(r))}\n\n`);
      const s = await this.stats();
      write(`event: stats\ndata: ${JSON.stringify(s)}\n\n`);
    };
    const ticker = setInterval(() => void tick().catch(() => res.destroy()), this.timing.tickMs);
    const heartbeat = setInterval(() => write(': keep-alive\n\n'), this.timing.heartbeatMs);
    ticker.unref();
    heartbeat.unref();
    // The first stats right away: the page shows numbers without waiting a tick.
    void tick().catch(() => res.destroy());
    res.once('close', () => {
      closed = true;
      clearInterval(ticker);
      clearInterval(heartbeat);
      unsubscribe();
      this.#open--;
    });
    return true;
  }
}
