import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { DecisionRing } from '../../../src/console/decision-ring.js';
import { LiveStreams, MAX_BUFFERED_BYTES, MAX_DECISIONS_PER_TICK, MAX_LIVE } from '../../../src/console/live-stream.js';
import type { LiveStats } from '../../../src/console/live-stats.js';
import { record } from './records.js';

class FakeResponse extends EventEmitter {
  chunks: string[] = [];
  writableLength = 0;
  destroyed = false;
  status = 0;
  writeHead(status: number): this {
    this.status = status;
    return this;
  }
  flushHeaders(): void {}
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return true;
  }
  destroy(): void {
    this.destroyed = true;
    this.emit('close');
  }
}

const STATS: LiveStats = { at: 'now', rps: 0, errorRate: 0, p50Ms: null, p99Ms: null, inFlight: 0, spendTodayUsd: 0, requestsToday: 0 };
const tick = () => new Promise((r) => setTimeout(r, 30));

describe('console: live stream', () => {
  it('at most 20 open streams', () => {
    const live = new LiveStreams(new DecisionRing(10), async () => STATS, { tickMs: 10_000, heartbeatMs: 10_000 });
    const open = Array.from({ length: MAX_LIVE }, () => new FakeResponse());
    for (const res of open) expect(live.start(res as unknown as ServerResponse)).to.equal(true);
    expect(live.start(new FakeResponse() as unknown as ServerResponse)).to.equal(false);
    open[0]!.destroy();
    expect(live.open).to.equal(MAX_LIVE - 1);
    expect(live.start(new FakeResponse() as unknown as ServerResponse)).to.equal(true);
    for (const res of open) res.destroy();
  });

  it('sends stats at once and each tick, and at most 50 new decisions per tick', async () => {
    const ring = new DecisionRing(500);
    const live = new LiveStreams(ring, async () => STATS, { tickMs: 20, heartbeatMs: 10_000 });
    const res = new FakeResponse();
    live.start(res as unknown as ServerResponse);
    await tick();
    expect(res.chunks.some((c) => c.startsWith('event: stats\n'))).to.equal(true);
    res.chunks = [];
    for (let i = 0; i < 120; i++) ring.write(record(`r${i}`));
    await tick();
    const decisions = res.chunks.filter((c) => c.startsWith('event: decision\n'));
    expect(decisions).to.have.length(MAX_DECISIONS_PER_TICK);
    expect(decisions.at(-1)).to.include('"requestId":"r119"');
    res.destroy();
  });

  it('drops a client that does not read', async () => {
    const ring = new DecisionRing(10);
    const live = new LiveStreams(ring, async () => STATS, { tickMs: 20, heartbeatMs: 10_000 });
    const res = new FakeResponse();
    live.start(res as unknown as ServerResponse);
    res.writableLength = MAX_BUFFERED_BYTES + 1;
    await tick();
    expect(res.destroyed).to.equal(true);
    expect(live.open).to.equal(0);
  });

  it('ends its streams at the next tick once the router drains', async () => {
    let draining = false;
    const live = new LiveStreams(new DecisionRing(10), async () => STATS, { tickMs: 20, heartbeatMs: 10_000 }, () => draining);
    const res = new FakeResponse() as FakeResponse & { ended?: boolean; end?: () => void };
    res.end = () => {
      res.ended = true;
      res.emit('close');
    };
    live.start(res as unknown as ServerResponse);
    await tick();
    expect(res.ended).to.equal(undefined);
    draining = true;
    await tick();
    expect(res.ended).to.equal(true);
    expect(live.open).to.equal(0);
  });
});
