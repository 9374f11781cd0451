// The SSE writer sends the headers with the first event at once, even from inside
// a long promise chain (the upstream body's for-await), then corks the socket for
// the rest of the tick: the later events leave in one socket write, not one each.
import { expect } from 'chai';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { SseWriter } from '../../../src/server/sse.js';

/** Runs `serve` for one request and returns how many writes reached the socket's writer, and what the client read. */
async function socketWrites(serve: (sse: SseWriter) => void | Promise<void>, onWrite: () => void = () => {}): Promise<{ writes: number; text: string }> {
  let writes = 0;
  const server = http.createServer((_req, res) => {
    const socket = res.socket as net.Socket & { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void };
    const w = socket._write.bind(socket);
    const wv = socket._writev.bind(socket);
    socket._write = (...a: unknown[]) => (writes++, onWrite(), w(...a));
    socket._writev = (...a: unknown[]) => (writes++, onWrite(), wv(...a));
    void serve(new SseWriter(res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    return { text: await res.text(), writes };
  } finally {
    server.close();
  }
}

/** As socketWrites, with the live write count handed to `serve`. */
async function socketWritesCounted(serve: (sse: SseWriter, writes: () => number) => Promise<void>): Promise<{ writes: number; text: string }> {
  let n = 0;
  const out = await socketWrites((sse) => serve(sse, () => n), () => n++);
  return { ...out, writes: n };
}

describe('SseWriter', () => {
  it('sends the headers with the first event at once, and the later events of one tick in a single socket write', async () => {
    let atFirst = -1;
    let counter: () => number = () => 0;
    const { writes, text } = await socketWritesCounted(async (sse, n) => {
      counter = n;
      sse.open({ 'x-test': '1' });
      sse.data({ a: 1 });
      // The client's first byte does not wait for the rest of the tick's rendering.
      atFirst = counter();
      sse.event('e', { b: 2 });
      sse.data({ c: 3 });
      setTimeout(() => sse.end(), 5);
    });
    expect(text).to.equal('data: {"a":1}\n\nevent: e\ndata: {"b":2}\n\ndata: {"c":3}\n\n');
    expect(atFirst).to.equal(1);
    // Headers + the first event; the two later events; the terminating chunk a tick later.
    expect(writes).to.equal(3);
  });

  it('still sends the headers at open() when no event follows in the same tick', async () => {
    let sawHeaders = false;
    const server = http.createServer((_req, res) => {
      const sse = new SseWriter(res);
      sse.open({});
      setTimeout(() => sse.end(), 200);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const started = Date.now();
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      sawHeaders = Date.now() - started < 150;
      expect(res.headers.get('content-type')).to.equal('text/event-stream; charset=utf-8');
      await res.text();
    } finally {
      server.close();
    }
    expect(sawHeaders).to.equal(true);
  });

  it('sends the first event written inside a promise chain before the chain goes on (not after the microtask queue drains)', async () => {
    let writesDuringChain = -1;
    let writesBefore = -1;
    let counter: () => number = () => 0;
    const { text } = await socketWritesCounted((sse, writes) => {
      counter = writes;
      return (async () => {
        await null;
        writesBefore = counter();
        sse.open({});
        sse.data({ a: 1 });
        sse.data({ b: 2 });
        // What a for-await over chunks already buffered does: one continuation after another.
        for (let i = 0; i < 50; i++) await null;
        writesDuringChain = counter();
        sse.data('[DONE]');
        sse.end();
      })();
    });
    expect(text).to.equal('data: {"a":1}\n\ndata: {"b":2}\n\ndata: [DONE]\n\n');
    expect(writesBefore).to.equal(0);
    // Headers with the first event, before the chain went on; the second waits for the tick, to leave with what follows.
    expect(writesDuringChain).to.equal(1);
  });

  it('writes each tick\'s events in order across ticks', async () => {
    const { text } = await socketWrites(async (sse) => {
      sse.open({});
      for (let i = 0; i < 3; i++) {
        sse.data({ i });
        await new Promise((r) => setImmediate(r));
      }
      sse.data('[DONE]');
      sse.end();
    });
    expect(text).to.equal('data: {"i":0}\n\ndata: {"i":1}\n\ndata: {"i":2}\n\ndata: [DONE]\n\n');
  });
});
