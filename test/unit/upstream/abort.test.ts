// RequestAbort stands in for an AbortSignal on the upstream path: the same
// listener semantics the attempt loop, back-off sleep and client rely on.
import { expect } from 'chai';
import { RequestAbort } from '../../../src/upstream/abort.js';
import { sleep } from '../../../src/upstream/backoff.js';

describe('upstream: RequestAbort', () => {
  it('runs each listener once on the first abort, not removed ones, not ones added after', () => {
    const a = new RequestAbort();
    const calls: string[] = [];
    const one = () => calls.push('one');
    const two = () => calls.push('two');
    a.addEventListener('abort', one);
    a.addEventListener('abort', one); // held once, as on an AbortSignal
    a.addEventListener('abort', two);
    a.removeEventListener('abort', two);
    expect(a.aborted).to.equal(false);
    a.abort();
    a.abort();
    a.addEventListener('abort', () => calls.push('late'));
    expect(a.aborted).to.equal(true);
    expect(calls).to.deep.equal(['one']);
  });

  it('a throwing listener does not stop the others or the caller', async () => {
    const a = new RequestAbort();
    let ran = false;
    a.addEventListener('abort', () => {
      throw new Error('listener bug');
    });
    a.addEventListener('abort', () => (ran = true));
    const uncaught = new Promise<Error>((resolve) => {
      const original = process.listeners('uncaughtException');
      process.removeAllListeners('uncaughtException');
      process.once('uncaughtException', (err) => {
        for (const l of original) process.on('uncaughtException', l);
        resolve(err);
      });
    });
    expect(() => a.abort()).to.not.throw();
    expect(ran).to.equal(true);
    expect((await uncaught).message).to.equal('listener bug');
  });

  it('ends a back-off sleep early', async () => {
    const a = new RequestAbort();
    const t0 = Date.now();
    setTimeout(() => a.abort(), 20);
    await sleep(5_000, a);
    expect(Date.now() - t0).to.be.lessThan(2_000);
  });
});
