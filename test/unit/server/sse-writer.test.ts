// The SSE writer corks the socket for the rest of the tick: the headers and
// the events written with them leave in one socket write, not one each.
import { expect } from 'chai';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { SseWriter } from '../../../src/server/sse.js';

/** Runs `serve` for one request and returns how many writes reached the socket's writer, and what the client read. */
async function socketWrites(serve: (sse: SseWriter) => void | Promise<void>): Promise<{ writes: number; text: string }> {
  let writes = 0;
  const server = http.createServer((_req, res) => {
    const socket = res.socket as net.Socket & { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void };
    const w = socket._write.bind(socket);
    const wv = socket._writev.bind(socket);
    socket._write = (...a: unknown[]) => (writes++, w(...a));
    socket._writev = (...a: unknown[]) => (writes++, wv(...a));
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

describe('SseWriter', () => {
  it('sends the headers and the events of one tick in a single socket write', async () => {
    const { writes, text } = await socketWrites((sse) => {
      sse.open({ 'x-test': '1' });
      sse.data({ a: 1 });
      sse.event('e', { b: 2 });
      setTimeout(() => sse.end(), 5);
    });
    expect(text).to.equal('data: {"a":1}\n\nevent: e\ndata: {"b":2}\n\n');
    // One for headers + both events, one for the terminating chunk a tick later.
    expect(writes).to.equal(2);
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
