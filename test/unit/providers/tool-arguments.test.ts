// Missing and empty tool-call arguments differ (issue 16 item 3). A function without parameters
// is called with no arguments: OpenAI sends "{}", OpenAI-compatible hosts often "" or no field,
// Anthropic `input: {}`, Gemini no `args`. OpenAI's schemas make a call's `arguments` a JSON
// string, so every adapter must hand the client "{}" for such a finished call — whatever the
// provider's spelling, streamed or not. Arguments that never arrived because the stream was cut
// are something else: they must stay missing (""), never be papered over as "{}".
// Before the fix the OpenAI and OpenAI-compatible adapters produced "" for a finished call made
// with "" or no field (so a streamed Chat client got arguments "", which no client can parse),
// and the conformance property read that "" as "{}".
import { expect } from 'chai';
import { accumulate } from '../../../src/canonical/accumulate.js';
import type { CanonicalEvent, CanonicalRequest, CanonicalResult } from '../../../src/canonical/types.js';
import { ADAPTERS } from '../../../src/providers/registry.js';
import type { ProviderAdapter } from '../../../src/providers/types.js';
import { parseSseText } from '../../../src/upstream/sse.js';

const TOOLS: CanonicalRequest['tools'] = [{ name: 'get_time' }];
const request = (api: 'chat' | 'responses', stream: boolean): CanonicalRequest =>
  ({ api, model: 'm', items: [{ type: 'message', role: 'user', content: [{ type: 'text', text: 'time?' }] }], tools: TOOLS, stream }) as CanonicalRequest;

function fromStream(adapter: ProviderAdapter, req: CanonicalRequest, events: unknown[], opts: { done?: boolean } = {}): CanonicalResult {
  const sse = events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('') + (opts.done ? 'data: [DONE]\n\n' : '');
  const t = adapter.createStreamTranslator(req);
  const out: CanonicalEvent[] = [];
  for (const m of parseSseText(sse)) out.push(...t.push(m));
  out.push(...t.end());
  return accumulate(out);
}

function callArguments(r: CanonicalResult): string[] {
  return r.output.flatMap((i) => (i.type === 'function_call' ? [i.arguments] : []));
}

// ---------------------------------------------------------------- provider payloads

const chatBody = (fn: Record<string, unknown>) => ({
  id: 'c1', object: 'chat.completion', created: 1, model: 'm',
  choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_time', ...fn } }] }, finish_reason: 'tool_calls' }],
});
const chatChunk = (delta: unknown, finish: string | null = null) => ({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] });
const chatStream = (fn: Record<string, unknown>) => [
  chatChunk({ role: 'assistant', tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_time', ...fn } }] }),
  chatChunk({}, 'tool_calls'),
];

const fcItem = (args: Record<string, unknown>) => ({ id: 'fc_1', type: 'function_call', call_id: 'call_1', name: 'get_time', status: 'completed', ...args });
const responsesBody = (args: Record<string, unknown>) => ({ id: 'resp_1', object: 'response', status: 'completed', model: 'm', output: [fcItem(args)] });
const responsesStream = (args: Record<string, unknown>) => [
  { type: 'response.created', response: { id: 'resp_1', status: 'in_progress', output: [] } },
  { type: 'response.output_item.added', output_index: 0, item: { ...fcItem({ arguments: '' }), status: 'in_progress' } },
  ...(typeof args.arguments === 'string' && args.arguments !== '' ? [{ type: 'response.function_call_arguments.delta', item_id: 'fc_1', output_index: 0, delta: args.arguments }] : []),
  { type: 'response.output_item.done', output_index: 0, item: fcItem(args) },
  { type: 'response.completed', response: responsesBody(args) },
];

const anthropicBody = (input: unknown) => ({ id: 'msg_1', type: 'message', role: 'assistant', model: 'm', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_time', input }], stop_reason: 'tool_use', usage: { input_tokens: 1, output_tokens: 1 } });
const anthropicStream = (partial: string[]) => [
  { type: 'message_start', message: { id: 'msg_1', model: 'm', usage: { input_tokens: 1, output_tokens: 0 } } },
  { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_1', name: 'get_time', input: {} } },
  ...partial.map((p) => ({ type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: p } })),
  { type: 'content_block_stop', index: 0 },
  { type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 2 } },
  { type: 'message_stop' },
];

const geminiBody = (fc: Record<string, unknown>) => ({ candidates: [{ content: { role: 'model', parts: [{ functionCall: { name: 'get_time', ...fc } }] }, finishReason: 'STOP' }], modelVersion: 'm' });

// ---------------------------------------------------------------- cases

interface Case {
  name: string;
  run: () => CanonicalResult;
}

const openai = ADAPTERS.openai;
const compatible = ADAPTERS['openai-compatible'];

/** A function called with no arguments, in every spelling a provider uses. */
const NO_ARGUMENTS: Case[] = [
  { name: 'Chat body, arguments ""', run: () => accumulate(compatible.parseResponse(chatBody({ arguments: '' }), request('chat', false))) },
  { name: 'Chat body, no arguments field', run: () => accumulate(compatible.parseResponse(chatBody({}), request('chat', false))) },
  { name: 'Chat stream, arguments ""', run: () => fromStream(compatible, request('chat', true), chatStream({ arguments: '' }), { done: true }) },
  { name: 'Chat stream, no arguments field', run: () => fromStream(compatible, request('chat', true), chatStream({}), { done: true }) },
  { name: 'OpenAI Chat stream, no arguments field', run: () => fromStream(openai, request('chat', true), chatStream({}), { done: true }) },
  { name: 'Responses body, arguments ""', run: () => accumulate(openai.parseResponse(responsesBody({ arguments: '' }), request('responses', false))) },
  { name: 'Responses body, no arguments field', run: () => accumulate(openai.parseResponse(responsesBody({}), request('responses', false))) },
  { name: 'Responses stream, arguments ""', run: () => fromStream(openai, request('responses', true), responsesStream({ arguments: '' })) },
  { name: 'Anthropic body, input {}', run: () => accumulate(ADAPTERS.anthropic.parseResponse(anthropicBody({}), request('chat', false))) },
  { name: 'Anthropic stream, no input_json_delta', run: () => fromStream(ADAPTERS.anthropic, request('chat', true), anthropicStream([])) },
  { name: 'Gemini body, no args', run: () => accumulate(ADAPTERS.gemini.parseResponse(geminiBody({}), request('chat', false))) },
  { name: 'Gemini stream, no args', run: () => fromStream(ADAPTERS.gemini, request('chat', true), [geminiBody({})]) },
];

/** The same call with arguments "{}" spelled out. */
const EMPTY_OBJECT: Case[] = [
  { name: 'Chat body, arguments "{}"', run: () => accumulate(compatible.parseResponse(chatBody({ arguments: '{}' }), request('chat', false))) },
  { name: 'Chat stream, arguments "{}"', run: () => fromStream(compatible, request('chat', true), chatStream({ arguments: '{}' }), { done: true }) },
  { name: 'Responses body, arguments "{}"', run: () => accumulate(openai.parseResponse(responsesBody({ arguments: '{}' }), request('responses', false))) },
  { name: 'Responses stream, arguments "{}"', run: () => fromStream(openai, request('responses', true), responsesStream({ arguments: '{}' })) },
  { name: 'Anthropic stream, partial_json "{}"', run: () => fromStream(ADAPTERS.anthropic, request('chat', true), anthropicStream(['{}'])) },
  { name: 'Gemini body, args {}', run: () => accumulate(ADAPTERS.gemini.parseResponse(geminiBody({ args: {} }), request('chat', false))) },
];

/** Cut after the call started and before any arguments: unknown, so missing. */
const CUT: Case[] = [
  { name: 'Chat stream cut', run: () => fromStream(compatible, request('chat', true), chatStream({}).slice(0, 1)) },
  { name: 'Responses stream cut', run: () => fromStream(openai, request('responses', true), responsesStream({ arguments: '' }).slice(0, 2)) },
  { name: 'Anthropic stream cut', run: () => fromStream(ADAPTERS.anthropic, request('chat', true), anthropicStream([]).slice(0, 2)) },
];

describe('tool-call arguments: none, "{}" and missing (issue 16 item 3)', () => {
  for (const c of NO_ARGUMENTS) {
    it(`${c.name}: a finished call made with no arguments reaches the client as "{}"`, () => {
      const r = c.run();
      expect(r.error, 'the turn finished').to.equal(undefined);
      expect(callArguments(r)).to.deep.equal(['{}']);
    });
  }
  for (const c of EMPTY_OBJECT) {
    it(`${c.name}: arguments "{}" stay "{}"`, () => {
      const r = c.run();
      expect(r.error).to.equal(undefined);
      expect(callArguments(r)).to.deep.equal(['{}']);
    });
  }
  for (const c of CUT) {
    it(`${c.name}: arguments that never arrived stay missing, not "{}", and the turn is an error`, () => {
      const r = c.run();
      expect(r.error, 'a cut stream is an error').to.not.equal(undefined);
      expect(callArguments(r)).to.deep.equal(['']);
    });
  }
});
