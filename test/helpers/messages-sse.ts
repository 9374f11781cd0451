// Anthropic Messages streams in tests: the event grammar and a raw SSE reader.
import { expect } from 'chai';

/**
 * Anthropic's stream grammar: message_start first; blocks one at a time with dense indexes from 0
 * (start, deltas of that index, stop); message_delta then message_stop last. Pings may appear
 * anywhere after message_start.
 */
export function assertEventOrder(events: { type: string; index?: number }[]): void {
  const types = events.map((e) => e.type).filter((t) => t !== 'ping');
  expect(types[0], types.join(' ')).to.equal('message_start');
  expect(types.slice(-2), types.join(' ')).to.deep.equal(['message_delta', 'message_stop']);
  let open: number | undefined;
  let next = 0;
  for (const e of events.slice(1, -2)) {
    if (e.type === 'ping') continue;
    if (e.type === 'content_block_start') {
      expect(open, 'a block starts while another is open').to.equal(undefined);
      expect(e.index, 'dense block indexes').to.equal(next);
      open = next++;
    } else if (e.type === 'content_block_delta') {
      expect(e.index, 'a delta for the open block').to.equal(open);
    } else if (e.type === 'content_block_stop') {
      expect(e.index, 'stop closes the open block').to.equal(open);
      open = undefined;
    } else {
      expect.fail(`unexpected ${e.type} between message_start and message_delta`);
    }
  }
  expect(open, 'every block is closed').to.equal(undefined);
  expect(next, 'at least one block').to.be.greaterThan(0);
}

/** Read a raw SSE body: event names and parsed data. */
export function parseSse(text: string): { event: string; data: any }[] {
  const out: { event: string; data: any }[] = [];
  for (const frame of text.split(/\n\n/)) {
    const event = /^event: (.*)$/m.exec(frame)?.[1];
    const data = /^data: (.*)$/m.exec(frame)?.[1];
    if (event && data) out.push({ event, data: JSON.parse(data) });
  }
  return out;
}

