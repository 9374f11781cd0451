// The contract of UpstreamBody (src/upstream/response-body.ts), the reader the
// upstream client hands out instead of undici's Readable: the dispatch and
// fault suites rely on each of these, so they are pinned here directly, with a
// fake dispatch controller standing in for undici.
import { expect } from 'chai';
import type { Dispatcher } from 'undici';
import { UpstreamBody } from '../../../src/upstream/response-body.js';

class FakeController implements Dispatcher.DispatchController {
  aborted = false;
  paused = false;
  reason: Error | null = null;
  pauses = 0;
  resumes = 0;
  abort(reason: Error): void {
    this.aborted = true;
    this.reason = reason;
  }
  pause(): void {
    this.paused = true;
    this.pauses++;
  }
  resume(): void {
    this.paused = false;
    this.resumes++;
  }
}

/** The error a promise rejects with (undefined if it fulfils). */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  return undefined;
}

function body(): { body: UpstreamBody; controller: FakeController } {
  const controller = new FakeController();
  const b = new UpstreamBody();
  b.attach(controller);
  return { body: b, controller };
}

describe('upstream response body (UpstreamBody)', () => {
  it('yields the chunks in order, across pushes before and after the reader waits', async () => {
    const { body: b } = body();
    b.push(Buffer.from('a'));
    const seen: string[] = [];
    const reading = (async () => {
      for await (const c of b) seen.push(c.toString());
    })();
    await new Promise((r) => setImmediate(r));
    b.push(Buffer.from('b'));
    b.push(Buffer.from('c'));
    b.end();
    await reading;
    expect(seen).to.deep.equal(['a', 'b', 'c']);
  });

  it('text() joins every chunk as UTF-8, a multi-byte character split across chunks included', async () => {
    const { body: b } = body();
    const euro = Buffer.from('€');
    b.push(Buffer.from('price: '));
    b.push(euro.subarray(0, 1));
    b.push(euro.subarray(1));
    b.end();
    expect(await b.text()).to.equal('price: €');
  });

  it('a failure of the exchange rejects the pending read and every later one with that error', async () => {
    const { body: b } = body();
    const pending = b.text();
    const reset = Object.assign(new Error('socket hang up'), { code: 'UND_ERR_SOCKET' });
    b.fail(reset);
    expect(await rejection(pending)).to.equal(reset);
    expect(await rejection(b.text())).to.equal(reset);
  });

  it('destroy(err) aborts a running exchange and fails reads with err; after the end it aborts nothing', async () => {
    const running = body();
    const stalled = new Error('stalled');
    const read = running.body.text();
    running.body.destroy(stalled);
    expect(running.controller.aborted).to.equal(true);
    expect(running.controller.reason).to.equal(stalled);
    expect(await rejection(read)).to.equal(stalled);

    const finished = body();
    finished.body.push(Buffer.from('x'));
    finished.body.end();
    finished.body.destroy();
    expect(finished.controller.aborted).to.equal(false);
  });

  it('leaving a for-await early aborts the exchange, as leaving a Readable destroys it', async () => {
    const { body: b, controller } = body();
    b.push(Buffer.from('first'));
    b.push(Buffer.from('second'));
    for await (const c of b) {
      expect(c.toString()).to.equal('first');
      break;
    }
    expect(controller.aborted).to.equal(true);
  });

  it('a throw inside the loop aborts it too, and the error is the thrower\'s', async () => {
    const { body: b, controller } = body();
    b.push(Buffer.from('chunk'));
    const mine = new Error('translator failed');
    let caught: unknown;
    try {
      for await (const _c of b) throw mine;
    } catch (err) {
      caught = err;
    }
    expect(caught).to.equal(mine);
    expect(controller.aborted).to.equal(true);
  });

  it('pauses the connection past 64 queued chunks and resumes it once the reader has caught up', async () => {
    const { body: b, controller } = body();
    for (let i = 0; i < 100; i++) b.push(Buffer.from([i]));
    expect(controller.paused).to.equal(true);
    b.end();
    let n = 0;
    for await (const _c of b) n++;
    expect(n).to.equal(100);
    expect(controller.paused).to.equal(false);
    expect(controller.resumes).to.be.greaterThan(0);
  });

  it('onClose runs once the body is fully read, failed or destroyed (and at once if it already is)', async () => {
    const calls: string[] = [];
    const read = body().body;
    read.onClose(() => calls.push('read'));
    read.push(Buffer.from('x'));
    read.end();
    expect(calls, 'not before the reader reached the end').to.deep.equal([]);
    await read.text();
    const failed = body().body;
    failed.onClose(() => calls.push('failed'));
    failed.fail(new Error('reset'));
    const destroyed = body().body;
    destroyed.onClose(() => calls.push('destroyed'));
    destroyed.destroy();
    destroyed.onClose(() => calls.push('late'));
    expect(calls).to.deep.equal(['read', 'failed', 'destroyed', 'late']);
  });

  it('completeText() hands over a body that has fully arrived, closed, and nothing before that', () => {
    const { body: b, controller } = body();
    let closed = 0;
    b.onClose(() => closed++);
    b.push(Buffer.from('{"a":'));
    expect(b.completeText()).to.equal(undefined);
    b.push(Buffer.from('1}'));
    expect(b.completeText()).to.equal(undefined);
    b.end();
    expect(b.completeText()).to.equal('{"a":1}');
    expect(closed).to.equal(1);
    expect(controller.aborted).to.equal(false);
    // Read once: a second call (or a late reader) gets nothing more.
    expect(b.completeText()).to.equal(undefined);
  });

  it('completeText() is undefined after a failure, whatever arrived before it', () => {
    const { body: b } = body();
    b.push(Buffer.from('partial'));
    b.end();
    b.fail(new Error('reset'));
    expect(b.completeText()).to.equal(undefined);
  });
});

