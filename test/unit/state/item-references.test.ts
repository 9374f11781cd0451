// Issue 16, finding 1, the parts the simulators cannot show (they emit no
// reasoning): a reasoning item the AI SDK sends back by id with no content
// ({type: "reasoning", id: "rs_…", summary: []}) and an item_reference resolve
// to the stored items in place — the reasoning with its signature and
// provider, so Anthropic can validate the thinking block — and a streamed
// answer's item ids name the same stored output items a non-stream answer's
// do: the Accumulator (stored result) and the stream renderer open items at
// the same boundaries.
import { expect } from 'chai';
import { normalizeResponsesRequest } from '../../../src/api/responses/normalize.js';
import { renderResponse } from '../../../src/api/responses/render.js';
import type { ResponseContext } from '../../../src/api/responses/shapes.js';
import { ResponsesStreamRenderer } from '../../../src/api/responses/stream.js';
import { accumulate } from '../../../src/canonical/accumulate.js';
import type { CanonicalEvent, CanonicalResult } from '../../../src/canonical/types.js';
import { withConversation } from '../../../src/state/conversations.js';
import { MemoryConversationStore } from '../../../src/state/conversations-memory.js';

const RESP = 'resp_00112233445566778899aabbccddeeff';
const SUFFIX = RESP.slice(5);
const USAGE = { inputTokens: 1, outputTokens: 1, cachedTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, totalTokens: 2 };

describe('item references: reasoning by id, and stream ids that match the stored result', () => {
  it('a content-less reasoning item and an item_reference become the stored items, in place, with the signature', async () => {
    const store = new MemoryConversationStore();
    const result: CanonicalResult = {
      output: [
        { type: 'reasoning', text: 'Think about Paris.', signature: 'sig-abc' },
        { type: 'function_call', callId: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
      ],
      usage: USAGE,
      finish: 'tool_calls',
    };
    await store.put({ id: RESP, owner: 'team-a', stored: true, items: [], result, provider: 'anthropic', createdAt: Date.now() });
    const req = normalizeResponsesRequest({
      model: 'anthropic/claude-sonnet-4-5',
      input: [
        { role: 'user', content: 'Weather in Paris?' },
        { type: 'reasoning', id: `rs_${SUFFIX}_0`, summary: [] },
        { type: 'item_reference', id: `fc_${SUFFIX}_1` },
        { type: 'function_call_output', call_id: 'call_1', output: 'sunny' },
      ],
    });
    expect(req.itemRefs).to.deep.equal([
      { at: 1, id: `rs_${SUFFIX}_0`, param: 'input[1].id' },
      { at: 1, id: `fc_${SUFFIX}_1`, param: 'input[2].id' },
    ]);
    const out = await withConversation(store, req, { name: 'team-a', admin: false });
    expect(out).to.not.have.property('itemRefs');
    expect(out.items).to.deep.equal([
      { type: 'message', role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
      { type: 'reasoning', text: 'Think about Paris.', provider: 'anthropic', signature: 'sig-abc' },
      { type: 'function_call', callId: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
      { type: 'function_call_output', callId: 'call_1', output: 'sunny' },
    ]);
    // another key: the 404 an unknown id gets
    const err = await withConversation(store, req, { name: 'team-b', admin: false }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.include({ code: 'response_not_found', param: 'input[1].id' });
  });

  it('a reasoning item carrying its summary is taken as sent, not looked up', () => {
    const req = normalizeResponsesRequest({ input: [{ role: 'user', content: 'hi' }, { type: 'reasoning', id: 'rs_elsewhere', summary: [{ type: 'summary_text', text: 'kept' }] }] });
    expect(req.itemRefs).to.equal(undefined);
    expect(req.items[1]).to.deep.equal({ type: 'reasoning', text: 'kept' });
  });

  const SEQUENCES: Record<string, CanonicalEvent[]> = {
    'reasoning, text, tool call': [
      { type: 'reasoning_delta', text: 'hmm' },
      { type: 'reasoning_delta', text: '', signature: 'sig' },
      { type: 'text_delta', text: 'Let me look.' },
      { type: 'tool_call_start', key: '0', callId: 'c1', name: 'f' },
      { type: 'tool_call_delta', key: '0', arguments: '{}' },
      { type: 'tool_call_end', key: '0' },
    ],
    'empty text before a tool call': [
      { type: 'text_delta', text: '' },
      { type: 'tool_call_start', key: '0', callId: 'c1', name: 'f' },
      { type: 'tool_call_end', key: '0' },
      { type: 'tool_call_start', key: '1', callId: 'c2', name: 'g' },
      { type: 'tool_call_end', key: '1' },
    ],
    'text, reasoning, text': [
      { type: 'text_delta', text: 'a' },
      { type: 'reasoning_delta', text: 'r' },
      { type: 'text_delta', text: 'b' },
      { type: 'refusal_delta', text: 'no' },
    ],
  };
  for (const [label, events] of Object.entries(SEQUENCES)) {
    it(`${label}: the streamed output ids and kinds equal the stored result's rendering`, () => {
      const all: CanonicalEvent[] = [{ type: 'start' }, ...events, { type: 'usage', usage: USAGE }, { type: 'finish', reason: 'stop' }];
      const ctx: ResponseContext = { id: RESP, createdAt: 0, model: 'm', request: { api: 'responses', model: 'm', items: [], tools: [], stream: true }, routerMetadata: {} };
      let terminal: { output: { id: string; type: string }[] } | undefined;
      const r = new ResponsesStreamRenderer(ctx, (name, data) => {
        if (name === 'response.completed') terminal = (data as { response: typeof terminal }).response;
      });
      for (const e of all) r.push(e);
      r.end();
      const stored = accumulate(all);
      const streamed = terminal!.output.map((o) => [o.id, o.type]);
      expect(streamed).to.deep.equal((renderResponse(ctx, stored).output as { id: string; type: string }[]).map((o) => [o.id, o.type]));
      expect(streamed.map(([id]) => id!.split('_')[1])).to.satisfy((s: string[]) => s.every((x) => x === SUFFIX));
    });
  }
});
