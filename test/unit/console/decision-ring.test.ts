import { expect } from 'chai';
import { cutPrompt, DecisionRing, MAX_DECISIONS, MAX_PROMPT_CHARS } from '../../../src/console/decision-ring.js';
import { record } from './records.js';

describe('console: decision ring', () => {
  it('keeps the newest `capacity` records, newest first', () => {
    const ring = new DecisionRing(10);
    for (let i = 0; i < 25; i++) ring.write(record(`r${i}`));
    expect(ring.size).to.equal(10);
    expect(ring.newestFirst().map((r) => r.requestId)).to.deep.equal(['r24', 'r23', 'r22', 'r21', 'r20', 'r19', 'r18', 'r17', 'r16', 'r15']);
    expect(ring.find('r15')?.requestId).to.equal('r15');
    expect(ring.find('r14')).to.equal(undefined);
  });

  it('clamps its size to 10..10000 (default 500)', () => {
    expect(new DecisionRing(3).capacity).to.equal(10);
    expect(new DecisionRing(1e9).capacity).to.equal(MAX_DECISIONS);
    expect(new DecisionRing().capacity).to.equal(500);
  });

  it('resizing keeps the newest records that fit', () => {
    const ring = new DecisionRing(20);
    for (let i = 0; i < 15; i++) ring.write(record(`r${i}`));
    ring.resize(10);
    expect(ring.newestFirst().map((r) => r.requestId)).to.deep.equal(['r14', 'r13', 'r12', 'r11', 'r10', 'r9', 'r8', 'r7', 'r6', 'r5']);
    ring.resize(30);
    ring.write(record('r15'));
    expect(ring.size).to.equal(11);
    expect(ring.newestFirst()[0]!.requestId).to.equal('r15');
  });

  it('tells subscribers of each write until they unsubscribe', () => {
    const ring = new DecisionRing(10);
    const seen: string[] = [];
    const off = ring.subscribe((r) => seen.push(r.requestId));
    ring.write(record('a'));
    off();
    ring.write(record('b'));
    expect(seen).to.deep.equal(['a']);
  });

  it('cuts prompts to 4 KiB without splitting a surrogate pair', () => {
    expect(cutPrompt('short')).to.equal('short');
    expect(cutPrompt('x'.repeat(10_000))).to.have.length(MAX_PROMPT_CHARS);
    const cut = cutPrompt('x'.repeat(MAX_PROMPT_CHARS - 1) + '😀tail');
    expect(cut).to.equal('x'.repeat(MAX_PROMPT_CHARS - 1));
  });
});
