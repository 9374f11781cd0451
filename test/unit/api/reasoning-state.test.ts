// The reasoning-state envelope (api/reasoning-state.ts) and the item boundaries reasoning state
// opens: the stream renderer and the accumulator (the store) must agree on them, or a replayed
// item id (api/item-ids.ts) would name the wrong item. Issue 16, deliverable 3.
import { expect } from 'chai';
import { accumulate } from '../../../src/canonical/accumulate.js';
import type { CanonicalEvent, CanonicalRequest } from '../../../src/canonical/types.js';
import { unwrapReasoningState, wrapReasoningState } from '../../../src/api/reasoning-state.js';
import { renderResponse } from '../../../src/api/responses/render.js';
import { ResponsesStreamRenderer } from '../../../src/api/responses/stream.js';
import { RouterError } from '../../../src/errors/registry.js';

function ctx(request: Partial<CanonicalRequest>) {
  return {
    id: 'resp_abc',
    createdAt: 0,
    model: 'm',
    providerType: 'anthropic',
    request: { api: 'responses' as const, model: 'm', items: [], tools: [], stream: true, ...request },
    routerMetadata: { provider: 'anthropic' },
  };
}

function streamed(events: CanonicalEvent[], request: Partial<CanonicalRequest>): any[] {
  let final: any;
  const r = new ResponsesStreamRenderer(ctx(request), (name, data: any) => {
    if (name === 'response.completed') final = data.response;
  });
  for (const e of events) r.push(e);
  r.end();
  return final.output;
}

describe('reasoning state envelope', () => {
  it('round-trips every kind of state with the provider that issued it', () => {
    for (const s of [
      { provider: 'anthropic', providerType: 'anthropic', signature: 'EqQB' },
      { provider: 'anthropic', providerType: 'anthropic', redacted: 'EmwK/+=' },
      { provider: 'gemini-eu', providerType: 'gemini', signature: 'c2ln' },
      { provider: 'openai', providerType: 'openai', signature: '{"id":"rs_1","encrypted_content":"gAAA"}' },
    ]) {
      const wrapped = wrapReasoningState(s)!;
      expect(wrapped).to.match(/^trr1\.[A-Za-z0-9_-]+$/);
      expect(unwrapReasoningState(wrapped, 'input[0].encrypted_content')).to.deep.equal(s);
    }
  });

  it('wraps nothing when there is no state or no provider', () => {
    expect(wrapReasoningState({ provider: 'anthropic' })).to.equal(undefined);
    expect(wrapReasoningState({ provider: '', signature: 'x' })).to.equal(undefined);
  });

  it('a malformed envelope is 400 invalid_parameter naming the param', () => {
    const noState = 'trr1.' + Buffer.from(JSON.stringify({ v: 1, p: 'gemini' })).toString('base64url');
    for (const bad of ['gAAAAraw-openai', 'trr1.!!', 'trr1.' + Buffer.from('not json').toString('base64url'), noState, 42]) {
      try {
        unwrapReasoningState(bad, 'input[2].encrypted_content');
        expect.fail(`accepted ${String(bad)}`);
      } catch (err) {
        expect(err).to.be.instanceOf(RouterError);
        expect((err as RouterError).code).to.equal('invalid_parameter');
        expect((err as RouterError).param).to.equal('input[2].encrypted_content');
      }
    }
  });
});

describe('reasoning item boundaries: stream renderer = accumulator', () => {
  const events: CanonicalEvent[] = [
    { type: 'start' },
    { type: 'reasoning_delta', text: 'think' },
    { type: 'reasoning_delta', text: '', signature: 'sig-1' },
    { type: 'reasoning_delta', text: '', redacted: 'red-1' },
    { type: 'text_delta', text: 'answer' },
    // A Gemini signature after the text (a stream's trailing part) opens an item of its own.
    { type: 'reasoning_delta', text: '', signature: 'sig-2' },
    { type: 'finish', reason: 'stop' },
  ];

  it('the same items at the same indexes, with their state', () => {
    const stored = accumulate(events).output;
    expect(stored).to.deep.equal([
      { type: 'reasoning', text: 'think', signature: 'sig-1' },
      { type: 'reasoning', text: '', redacted: 'red-1' },
      { type: 'message', text: 'answer' },
      { type: 'reasoning', text: '', signature: 'sig-2' },
    ]);
    const wire = streamed(events, {});
    expect(wire.map((o) => o.type)).to.deep.equal(stored.map((o) => o.type));
    expect(wire.map((o) => o.id)).to.deep.equal(['rs_abc_0', 'rs_abc_1', 'msg_abc_2', 'rs_abc_3']);
  });

  it('encrypted_content only when include asks or store is false, in the stream and out of it', () => {
    const result = accumulate(events);
    for (const request of [{}, { store: true }]) {
      expect(streamed(events, request).filter((o) => 'encrypted_content' in o)).to.have.length(0);
      expect(renderResponse(ctx(request), result).output.filter((o: any) => 'encrypted_content' in o)).to.have.length(0);
    }
    for (const request of [{ includeReasoningState: true }, { store: false }]) {
      const wire = streamed(events, request);
      const json = renderResponse(ctx(request), result).output as any[];
      for (const out of [wire, json]) {
        const states = out.filter((o) => o.type === 'reasoning').map((o) => unwrapReasoningState(o.encrypted_content, 'x'));
        expect(states).to.deep.equal([
          { provider: 'anthropic', providerType: 'anthropic', signature: 'sig-1' },
          { provider: 'anthropic', providerType: 'anthropic', redacted: 'red-1' },
          { provider: 'anthropic', providerType: 'anthropic', signature: 'sig-2' },
        ]);
      }
    }
  });
});
