// inStage (telemetry/request-span.ts): off, the stage's own promise; on, one stage span ended
// with the stage's attributes, or failed with its error — also when describe() itself throws.
import { expect } from 'chai';
import type { Attributes } from '@opentelemetry/api';
import { inStage, NO_REQUEST_SPAN, type RequestSpan } from '../../../src/telemetry/request-span.js';

function recordingSpan() {
  const log: { name: string; attrs: Attributes[]; ended: number; err?: unknown }[] = [];
  const span = {
    ...NO_REQUEST_SPAN,
    recording: true,
    stage(name: string) {
      const rec: (typeof log)[number] = { name, attrs: [], ended: 0 };
      log.push(rec);
      return { set: (a: Attributes) => rec.attrs.push(a), end: (err?: unknown) => ((rec.ended += 1), (rec.err = err)) };
    },
  } as unknown as RequestSpan;
  return { span, log };
}

describe('inStage', () => {
  it('off: returns the stage’s promise itself, and a synchronous throw as a rejection', async () => {
    const p = Promise.resolve(7);
    expect(inStage(NO_REQUEST_SPAN, 'x', () => p)).to.equal(p);
    const err = await inStage(NO_REQUEST_SPAN, 'x', () => {
      throw new Error('sync');
    }).catch((e: Error) => e.message);
    expect(err).to.equal('sync');
  });
  it('on: the value, its attributes, the span ended once', async () => {
    const { span, log } = recordingSpan();
    expect(await inStage(span, 'tokenrouter.route', async () => 3, (v) => ({ v: v ?? -1 }))).to.equal(3);
    expect(log).to.deep.equal([{ name: 'tokenrouter.route', attrs: [{ v: 3 }], ended: 1, err: undefined }]);
  });
  it('on: a failed stage (or a throwing describe) ends its span with the error and rethrows it', async () => {
    const { span, log } = recordingSpan();
    const boom = new Error('boom');
    expect(await inStage(span, 'a', async () => Promise.reject(boom), () => ({ failed: true })).catch((e: unknown) => e)).to.equal(boom);
    const bad = new Error('describe');
    expect(await inStage(span, 'b', async () => 1, (v) => { if (v !== undefined) throw bad; return { after: true }; }).catch((e: unknown) => e)).to.equal(bad);
    expect(log.map((l) => [l.name, l.attrs, l.ended, l.err])).to.deep.equal([
      ['a', [{ failed: true }], 1, boom],
      ['b', [{ after: true }], 1, bad],
    ]);
  });
});
