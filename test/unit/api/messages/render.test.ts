// CanonicalResult / CanonicalEvents → Anthropic Message and event stream (src/api/messages/render.ts,
// stream.ts): block order and indexes, stop_reason and usage mappings, error event without message_stop.
import { expect } from 'chai';
import type { CanonicalEvent, Usage } from '../../../../src/canonical/types.js';
import { accumulate } from '../../../../src/canonical/accumulate.js';
import { renderMessage, messagesStopReason, messagesUsageWire, type MessagesContext } from '../../../../src/api/messages/render.js';
import { MessagesStreamRenderer, anthropicErrorType } from '../../../../src/api/messages/stream.js';
import { unwrapReasoningState } from '../../../../src/api/reasoning-state.js';

const anth: MessagesContext = { id: 'msg_1', model: 'claude-x', provider: 'anthropic-main', providerType: 'anthropic' };
const gem: MessagesContext = { id: 'msg_2', model: 'gemini-x', provider: 'gem-main', providerType: 'gemini' };
const usage: Usage = { inputTokens: 100, cachedTokens: 30, cacheWriteTokens: 20, outputTokens: 7, reasoningTokens: 2, totalTokens: 107 };

const events: CanonicalEvent[] = [
  { type: 'start', upstreamId: 'u' },
  { type: 'reasoning_delta', text: 'let me ' },
  { type: 'reasoning_delta', text: 'think' },
  { type: 'reasoning_delta', text: '', signature: 'sig' },
  { type: 'reasoning_delta', text: '', redacted: 'red' },
  { type: 'text_delta', text: 'Hel' },
  { type: 'text_delta', text: 'lo' },
  { type: 'tool_call_start', key: '0', callId: 'toolu_a', name: 'get' },
  { type: 'tool_call_delta', key: '0', arguments: '{"ci' },
  { type: 'tool_call_delta', key: '0', arguments: 'ty":"Oslo"}' },
  { type: 'tool_call_end', key: '0' },
  { type: 'usage', usage },
  { type: 'finish', reason: 'tool_calls' },
];

function stream(ctx: MessagesContext, evs: CanonicalEvent[], end = true): { event: string; data: any }[] {
  const out: { event: string; data: any }[] = [];
  const r = new MessagesStreamRenderer(ctx, (event, data) => out.push({ event, data }));
  r.begin();
  for (const e of evs) r.push(e);
  if (end) r.end();
  return out;
}

describe('messages render', () => {
  it('renders blocks in order with usage excluding cache reads and writes', () => {
    const m = renderMessage(anth, accumulate(events));
    expect(m).to.deep.equal({
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-x',
      content: [
        { type: 'thinking', thinking: 'let me think', signature: 'sig' },
        { type: 'redacted_thinking', data: 'red' },
        { type: 'text', text: 'Hello' },
        { type: 'tool_use', id: 'toolu_a', name: 'get', input: { city: 'Oslo' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 50, output_tokens: 7, cache_read_input_tokens: 30, cache_creation_input_tokens: 20 },
    });
  });

  it('maps every finish reason, and the matched stop sequence', () => {
    expect(messagesStopReason('stop', undefined)).to.equal('end_turn');
    expect(messagesStopReason('stop', 'END')).to.equal('stop_sequence');
    expect(messagesStopReason('length', undefined)).to.equal('max_tokens');
    expect(messagesStopReason('tool_calls', undefined)).to.equal('tool_use');
    expect(messagesStopReason('content_filter', undefined)).to.equal('refusal');
    const m = renderMessage(anth, accumulate([{ type: 'text_delta', text: 'a' }, { type: 'finish', reason: 'stop', stopSequence: 'END' }]));
    expect(m.stop_reason).to.equal('stop_sequence');
    expect(m.stop_sequence).to.equal('END');
  });

  it('a non-Anthropic provider state is wrapped naming that provider; Anthropic state is verbatim', () => {
    const r = accumulate([{ type: 'reasoning_delta', text: 't', signature: 'g-sig' }, { type: 'finish', reason: 'stop' }]);
    const block = renderMessage(gem, r).content[0] as { signature: string };
    expect(block.signature).to.not.equal('g-sig');
    expect(unwrapReasoningState(block.signature, 'x')).to.include({ provider: 'gem-main', signature: 'g-sig' });
    expect((renderMessage(anth, r).content[0] as { signature: string }).signature).to.equal('g-sig');
  });

  it('usage never goes negative', () => {
    expect(messagesUsageWire({ ...usage, inputTokens: 10 }).input_tokens).to.equal(0);
  });
});

describe('messages stream', () => {
  it('emits message_start, one block at a time with dense indexes, message_delta and message_stop', () => {
    const out = stream(anth, events);
    expect(out.map((e) => e.event)).to.deep.equal([
      'message_start',
      'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_stop',
      'content_block_start', 'content_block_stop',
      'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop',
      'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    for (const e of out) expect(e.data.type).to.equal(e.event);
    expect(out[0]!.data.message).to.deep.include({ id: 'msg_1', type: 'message', role: 'assistant', content: [], model: 'claude-x', stop_reason: null });
    const starts = out.filter((e) => e.event === 'content_block_start').map((e) => [e.data.index, e.data.content_block.type]);
    expect(starts).to.deep.equal([[0, 'thinking'], [1, 'redacted_thinking'], [2, 'text'], [3, 'tool_use']]);
    const deltas = out.filter((e) => e.event === 'content_block_delta').map((e) => [e.data.index, e.data.delta]);
    expect(deltas).to.deep.equal([
      [0, { type: 'thinking_delta', thinking: 'let me ' }],
      [0, { type: 'thinking_delta', thinking: 'think' }],
      [0, { type: 'signature_delta', signature: 'sig' }],
      [2, { type: 'text_delta', text: 'Hel' }],
      [2, { type: 'text_delta', text: 'lo' }],
      [3, { type: 'input_json_delta', partial_json: '{"ci' }],
      [3, { type: 'input_json_delta', partial_json: 'ty":"Oslo"}' }],
    ]);
    expect(out.at(-2)!.data).to.deep.equal({
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { input_tokens: 50, output_tokens: 7, cache_read_input_tokens: 30, cache_creation_input_tokens: 20 },
    });
  });

  it('message_start carries the usage known before the first content', () => {
    const out = stream(anth, [{ type: 'usage', usage: { ...usage, outputTokens: 0 } }, { type: 'text_delta', text: 'x' }, { type: 'finish', reason: 'stop' }]);
    expect(out[0]!.data.message.usage).to.include({ input_tokens: 50, cache_read_input_tokens: 30 });
  });

  it('ping: after message_start, as a keep-alive', () => {
    const out: string[] = [];
    const r = new MessagesStreamRenderer(anth, (event) => out.push(event));
    r.begin();
    r.ping();
    r.push({ type: 'text_delta', text: 'a' });
    r.ping();
    r.push({ type: 'finish', reason: 'stop' });
    r.end();
    r.ping();
    expect(out).to.deep.equal(['message_start', 'ping', 'content_block_start', 'content_block_delta', 'ping', 'content_block_stop', 'message_delta', 'message_stop']);
  });

  it('a failure after the stream began is an error event and no message_stop', () => {
    const out = stream(anth, [{ type: 'text_delta', text: 'a' }, { type: 'error', code: 'server_error', message: 'boom', detail: { status: 529, type: 'server_error', code: null } }]);
    expect(out.at(-1)).to.deep.equal({ event: 'error', data: { type: 'error', error: { type: 'overloaded_error', message: 'boom' } } });
    expect(out.map((e) => e.event)).to.not.include('message_stop');
  });

  it('a stream that ends without a finish fails instead of looking complete', () => {
    const out = stream(anth, [{ type: 'text_delta', text: 'a' }]);
    expect(out.at(-1)!.event).to.equal('error');
    expect(out.at(-1)!.data.error.type).to.equal('api_error');
  });

  it('firewall and rate-limit failures keep their Anthropic error types', () => {
    const fw = stream(anth, [{ type: 'error', code: 'firewall_blocked', message: 'blocked' }], false);
    expect(fw.at(-1)!.data.error.type).to.equal('permission_error');
    expect([400, 401, 403, 404, 413, 429, 500, 529].map(anthropicErrorType)).to.deep.equal([
      'invalid_request_error', 'authentication_error', 'permission_error', 'not_found_error', 'request_too_large', 'rate_limit_error', 'api_error', 'overloaded_error',
    ]);
  });

  it('the stop sequence reaches message_delta', () => {
    const out = stream(anth, [{ type: 'text_delta', text: 'a' }, { type: 'finish', reason: 'stop', stopSequence: 'END' }]);
    expect(out.at(-2)!.data.delta).to.deep.equal({ stop_reason: 'stop_sequence', stop_sequence: 'END' });
  });

  it('interleaved tool-call arguments fail loudly rather than being dropped', () => {
    const out = stream(anth, [
      { type: 'tool_call_start', key: 'a', callId: 'c1', name: 'x' },
      { type: 'tool_call_start', key: 'b', callId: 'c2', name: 'y' },
      { type: 'tool_call_delta', key: 'a', arguments: '{}' },
    ], false);
    expect(out.at(-1)!.event).to.equal('error');
  });
});

describe('messages render and stream agree', () => {
  it('the streamed blocks, folded, are the rendered Message content (refusal as text included)', () => {
    const evs: CanonicalEvent[] = [
      { type: 'text_delta', text: 'I ' },
      { type: 'refusal_delta', text: 'cannot.' },
      { type: 'reasoning_delta', text: 'r', signature: 's' },
      { type: 'text_delta', text: 'after' },
      { type: 'finish', reason: 'content_filter' },
    ];
    const folded: any[] = [];
    for (const e of stream(anth, evs)) {
      if (e.event === 'content_block_start') folded[e.data.index] = { ...e.data.content_block };
      if (e.event === 'content_block_delta') {
        const b = folded[e.data.index];
        const d = e.data.delta;
        if (d.type === 'text_delta') b.text += d.text;
        if (d.type === 'thinking_delta') b.thinking += d.thinking;
        if (d.type === 'signature_delta') b.signature = d.signature;
      }
    }
    const m = renderMessage(anth, accumulate(evs));
    expect(folded).to.deep.equal(m.content);
    expect(m.content[0]).to.deep.equal({ type: 'text', text: 'I cannot.' });
    expect(m.stop_reason).to.equal('refusal');
  });
});
