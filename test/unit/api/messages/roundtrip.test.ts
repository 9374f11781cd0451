// "Served by Anthropic it is lossless": an Anthropic Messages body normalized by the Messages
// dialect and built again by the Anthropic adapter (buildAnthropicRequest) is the body the client
// sent — system blocks, messages, tools, tool_choice, thinking with signatures, redacted_thinking,
// documents, images, cache_control, is_error, top_k, metadata — modulo the model id, key order, and
// the spellings Anthropic itself treats as equal (a string for one text block).
import { expect } from 'chai';
import { normalizeMessagesRequest } from '../../../../src/api/messages/normalize.js';
import { buildAnthropicRequest } from '../../../../src/providers/anthropic/request.js';
import type { ModelSpec, ProviderSpec } from '../../../../src/policy/types.js';

const E = { type: 'ephemeral' };
const provider: ProviderSpec = { name: 'anthropic-main', type: 'anthropic', baseUrl: 'http://127.0.0.1:1/v1' };
const model: ModelSpec = {
  name: 'claude-main',
  provider: 'anthropic-main',
  upstreamModel: 'claude-upstream-id',
  pricing: { input: 1, output: 1 },
  quality: 1,
  contextWindow: 200_000,
  maxOutputTokens: 64_000,
  capabilities: ['tools', 'vision', 'reasoning', 'streaming'],
};

/** A Claude Code-shaped turn: system blocks with a cache mark, tools, thinking, a tool loop, documents. */
function sessionBody(): Record<string, any> {
  return {
    model: 'auto:quality',
    max_tokens: 32_000,
    stream: true,
    system: [
      { type: 'text', text: 'You are a coding agent.' },
      { type: 'text', text: 'Repository rules: be careful.', cache_control: { type: 'ephemeral', ttl: '1h' } },
    ],
    tools: [
      { name: 'Read', description: 'Read a file', input_schema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } },
      { name: 'Bash', description: 'Run a command', input_schema: { type: 'object', properties: { command: { type: 'string' } } }, cache_control: E },
    ],
    tool_choice: { type: 'auto', disable_parallel_tool_use: true },
    thinking: { type: 'enabled', budget_tokens: 10_000 },
    top_k: 40,
    stop_sequences: ['</done>'],
    metadata: { user_id: 'session-42' },
    messages: [
      {
        role: 'user',
        content: [
          { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0xLjQK' }, title: 'design.pdf', citations: { enabled: true } },
          { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'notes' }, context: 'meeting' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
          { type: 'text', text: 'Fix the build.' },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'Read the file first.', signature: 'EqQBCkYIARgCKkD' },
          { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3' },
          { type: 'text', text: 'Reading it.' },
          { type: 'tool_use', id: 'toolu_01A', name: 'Read', input: { path: 'src/a.ts' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_01A', content: 'file text', is_error: true, cache_control: E },
          { type: 'text', text: 'Keep going.' },
        ],
      },
      {
        role: 'assistant',
        // With thinking on, Anthropic wants the last assistant turn of a tool loop to open with its thinking block.
        content: [
          { type: 'thinking', thinking: 'Look at the screenshot.', signature: 'EqQBCkYIARgCKkE' },
          { type: 'tool_use', id: 'toolu_01C', name: 'Read', input: { path: 'shot.png' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_01C', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }] },
          { type: 'text', text: 'What does it show?' },
        ],
      },
    ],
  };
}

/** Spellings Anthropic treats alike: a string system / content / tool_result content is one text block. */
function canonical(body: Record<string, any>): Record<string, any> {
  const blocks = (v: unknown) => (typeof v === 'string' ? [{ type: 'text', text: v }] : v);
  const out = JSON.parse(JSON.stringify(body));
  delete out.model;
  if (out.system !== undefined) out.system = blocks(out.system);
  for (const m of out.messages ?? []) {
    m.content = blocks(m.content);
    for (const b of m.content) {
      if (b.type === 'tool_result' && Array.isArray(b.content) && b.content.length === 1 && b.content[0].type === 'text' && !b.content[0].cache_control) b.content = b.content[0].text;
    }
  }
  return out;
}

function roundTrip(body: Record<string, any>): Record<string, any> {
  const req = normalizeMessagesRequest(body);
  const upstream = buildAnthropicRequest(req, { provider, model, apiKey: 'test-key-placeholder' });
  return JSON.parse(upstream.body as string);
}

describe('messages round trip through the Anthropic adapter', () => {
  it('a Claude Code-shaped request comes back as sent (modulo model id and key order)', () => {
    const body = sessionBody();
    const built = roundTrip(body);
    expect(built.model).to.equal('claude-upstream-id');
    expect(canonical(built)).to.deep.equal(canonical(body));
  });

  it('plain spellings: string system, string content, tool_choice any/tool/none, temperature and top_p as sent', () => {
    const body = {
      model: 'claude-main',
      max_tokens: 1000,
      system: 'be brief',
      temperature: 0.2,
      top_p: 0.8,
      tools: [{ name: 'get', input_schema: { type: 'object' } }],
      tool_choice: { type: 'tool', name: 'get' },
      messages: [{ role: 'user', content: 'hi' }],
    };
    expect(canonical(roundTrip(body))).to.deep.equal(canonical(body));
    for (const tc of [{ type: 'any' }, { type: 'none' }, { type: 'auto' }]) {
      expect(roundTrip({ ...body, tool_choice: tc }).tool_choice).to.deep.equal(tc);
    }
  });

  it('adaptive thinking goes as adaptive; a service tier is passed', () => {
    const built = roundTrip({ model: 'm', max_tokens: 4000, thinking: { type: 'adaptive' }, service_tier: 'standard_only', messages: [{ role: 'user', content: 'x' }] });
    expect(built.thinking).to.deep.equal({ type: 'adaptive' });
    expect(built.service_tier).to.equal('standard_only');
  });

  it('thinking state the client got from Anthropic reaches any anthropic provider, never another type', () => {
    const req = normalizeMessagesRequest(sessionBody());
    const other = buildAnthropicRequest(req, { provider: { ...provider, name: 'anthropic-eu' }, model, apiKey: 'test-key-placeholder' });
    expect(JSON.parse(other.body as string).messages[1].content[0]).to.deep.equal({ type: 'thinking', thinking: 'Read the file first.', signature: 'EqQBCkYIARgCKkD' });
  });
});

describe('messages round trip of the answer (Anthropic → canonical → Messages)', () => {
  const ctx = { id: 'msg_router', model: 'claude-main', provider: 'anthropic-main', providerType: 'anthropic' };
  const answer = {
    id: 'msg_upstream',
    type: 'message',
    role: 'assistant',
    model: 'claude-upstream-id',
    content: [
      { type: 'thinking', thinking: 'Plan: read.', signature: 'EqQBCkYIARgCKkD' },
      { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3' },
      { type: 'text', text: 'Reading.' },
      { type: 'tool_use', id: 'toolu_01B', name: 'Read', input: { path: 'a.ts', opts: { lines: [1, 2] } } },
    ],
    stop_reason: 'tool_use',
    stop_sequence: null,
    usage: { input_tokens: 12, output_tokens: 34, cache_read_input_tokens: 1000, cache_creation_input_tokens: 200 },
  };

  it('a JSON Message comes back as Anthropic sent it (modulo id and model)', async () => {
    const { parseAnthropicResponse } = await import('../../../../src/providers/anthropic/response.js');
    const { accumulate } = await import('../../../../src/canonical/accumulate.js');
    const { renderMessage } = await import('../../../../src/api/messages/render.js');
    const req = normalizeMessagesRequest(sessionBody());
    const rendered = renderMessage(ctx, accumulate(parseAnthropicResponse(answer, req)));
    expect({ ...rendered, id: answer.id, model: answer.model }).to.deep.equal(answer);
  });

  it('an Anthropic event stream comes back as the same events (modulo id and model)', async () => {
    const { createAnthropicStreamTranslator } = await import('../../../../src/providers/anthropic/stream.js');
    const { MessagesStreamRenderer } = await import('../../../../src/api/messages/stream.js');
    const req = normalizeMessagesRequest(sessionBody());
    const usage0 = { input_tokens: 12, output_tokens: 0, cache_read_input_tokens: 1000, cache_creation_input_tokens: 200 };
    const upstream: Record<string, any>[] = [
      { type: 'message_start', message: { id: 'msg_upstream', type: 'message', role: 'assistant', content: [], model: 'claude-upstream-id', stop_reason: null, stop_sequence: null, usage: usage0 } },
      { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Plan: ' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'read.' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'EqQBCkYIARgCKkD' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Reading.' } },
      { type: 'content_block_stop', index: 1 },
      { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'toolu_01B', name: 'Read', input: {} } },
      { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"path":' } },
      { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '"a.ts"}' } },
      { type: 'content_block_stop', index: 2 },
      { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { ...usage0, output_tokens: 34 } },
      { type: 'message_stop' },
    ];
    const t = createAnthropicStreamTranslator(req);
    const out: Record<string, any>[] = [];
    const r = new MessagesStreamRenderer(ctx, (_event, data) => out.push(data as Record<string, any>));
    r.begin();
    for (const e of upstream) for (const c of t.push({ event: e.type, data: JSON.stringify(e) })) r.push(c);
    for (const c of t.end()) r.push(c);
    r.end();
    // Known gap: the canonical stream reports usage at the end only (the Anthropic translator's golden
    // fixtures fix that order), so message_start carries zeros; message_delta carries all four fields,
    // which is what the SDK's finalMessage() keeps.
    expect(out[0]!.message.usage).to.deep.equal({ input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
    out[0]!.message = { ...out[0]!.message, id: 'msg_upstream', model: 'claude-upstream-id', usage: usage0 };
    expect(out).to.deep.equal(upstream);
  });
});
