// Anthropic Messages request → CanonicalRequest (src/api/messages/normalize.ts): every field the
// dialect reads, the routing fields it raises (top_k, documents, service_tier) and its 400s with param.
import { expect } from 'chai';
import { normalizeMessagesRequest, effortForBudget } from '../../../../src/api/messages/normalize.js';
import { RouterError } from '../../../../src/errors/registry.js';
import { ANTHROPIC_CLIENT_STATE } from '../../../../src/providers/reasoning-state.js';
import { wrapReasoningState } from '../../../../src/api/reasoning-state.js';

const base = { model: 'auto:cost', max_tokens: 1000, messages: [{ role: 'user', content: 'hi' }] };
const norm = (extra: Record<string, unknown>) => normalizeMessagesRequest({ ...base, ...extra });

function refused(body: Record<string, unknown>, param: string, code?: string, message?: RegExp): void {
  let err: unknown;
  try {
    normalizeMessagesRequest(body);
  } catch (e) {
    err = e;
  }
  expect(err, `expected a 400 naming ${param}`).to.be.instanceOf(RouterError);
  const re = err as RouterError & { param?: string; code?: string };
  expect(re.param).to.equal(param);
  if (code) expect(re.code).to.equal(code);
  if (message) expect(re.message).to.match(message);
}

describe('messages normalize', () => {
  it('keeps model as sent, max_tokens as maxOutputTokens, api messages, string content as one text part', () => {
    const r = norm({ model: 'claude-sonnet-4:quality' });
    expect(r.api).to.equal('messages');
    expect(r.model).to.equal('claude-sonnet-4:quality');
    expect(r.maxOutputTokens).to.equal(1000);
    expect(r.stream).to.equal(false);
    expect(r.items).to.deep.equal([{ type: 'message', role: 'user', content: [{ type: 'text', text: 'hi' }] }]);
  });

  it('requires model, max_tokens and messages', () => {
    refused({ max_tokens: 5, messages: base.messages }, 'model');
    refused({ model: 'm', messages: base.messages }, 'max_tokens');
    refused({ model: 'm', max_tokens: 5 }, 'messages');
    refused({ ...base, messages: [] }, 'messages');
  });

  it('unknown top-level fields are 400 in Anthropic words; container and mcp_servers are refused', () => {
    refused({ ...base, frequency_penalty: 1 }, 'frequency_penalty', 'unknown_parameter', /Extra inputs are not permitted/);
    refused({ ...base, container: 'c1' }, 'container', 'unsupported_parameter');
    refused({ ...base, mcp_servers: [{ type: 'url', url: 'https://x', name: 'x' }] }, 'mcp_servers', 'unsupported_parameter');
  });

  it('system: a string is one system message; blocks are one message each, keeping cache_control', () => {
    expect(norm({ system: 'be brief' }).items[0]).to.deep.equal({ type: 'message', role: 'system', content: [{ type: 'text', text: 'be brief' }] });
    const r = norm({ system: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b', cache_control: { type: 'ephemeral', ttl: '1h' } }] });
    expect(r.items.slice(0, 2)).to.deep.equal([
      { type: 'message', role: 'system', content: [{ type: 'text', text: 'a' }] },
      { type: 'message', role: 'system', content: [{ type: 'text', text: 'b', cacheControl: { ttl: '1h' } }] },
    ]);
    expect(r.cacheMarks).to.equal(1);
    refused({ ...base, system: [{ type: 'image' }] }, 'system[0].type');
  });

  it('images: base64 and url sources become data: and https URLs', () => {
    const r = norm({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' }, cache_control: { type: 'ephemeral' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/a.jpg' } },
            { type: 'text', text: 'what?' },
          ],
        },
      ],
    });
    expect(r.items[0]).to.deep.equal({
      type: 'message',
      role: 'user',
      content: [
        { type: 'image', url: 'data:image/png;base64,iVBORw0KGgo=', cacheControl: {} },
        { type: 'image', url: 'https://example.com/a.jpg' },
        { type: 'text', text: 'what?' },
      ],
    });
    refused({ ...base, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/bmp', data: 'x' } }] }] }, 'messages[0].content[0].source.media_type');
    refused({ ...base, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'f' } }] }] }, 'messages[0].content[0].source.type', 'unsupported_parameter');
  });

  it('documents: PDF base64, url and text sources with title/context/citations; routing excludes Chat-wire hosts', () => {
    const r = norm({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' }, title: 'Spec', citations: { enabled: true }, cache_control: { type: 'ephemeral' } },
            { type: 'document', source: { type: 'url', url: 'https://example.com/x.pdf' } },
            { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'plain words' }, context: 'ctx' },
          ],
        },
      ],
    });
    const msg = r.items[0] as any;
    expect(msg.content).to.deep.equal([
      { type: 'document', url: 'data:application/pdf;base64,JVBERi0=', title: 'Spec', citations: true, cacheControl: {} },
      { type: 'document', url: 'https://example.com/x.pdf' },
      { type: 'document', text: 'plain words', context: 'ctx' },
    ]);
    const f = r.fields!.find((x) => x.name === 'document')!;
    expect(f.value).to.equal(3);
    expect(f.refusedBy).to.deep.equal(['openai-compatible']);
    refused({ ...base, messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'image/png', data: 'x' } }] }] }, 'messages[0].content[0].source.media_type');
  });

  it('tool_use and tool_result become function_call / function_call_output, with is_error and cache marks', () => {
    const r = norm({
      messages: [
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: [{ type: 'text', text: 'checking' }, { type: 'tool_use', id: 'toolu_1', name: 'get', input: { city: 'Oslo' } }] },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }], is_error: true, cache_control: { type: 'ephemeral' } },
            { type: 'text', text: 'go on' },
          ],
        },
      ],
    });
    expect(r.items.slice(1)).to.deep.equal([
      { type: 'message', role: 'assistant', content: [{ type: 'text', text: 'checking' }] },
      { type: 'function_call', callId: 'toolu_1', name: 'get', arguments: '{"city":"Oslo"}' },
      { type: 'function_call_output', callId: 'toolu_1', output: 'a\nb', isError: true, cacheControl: {} },
      { type: 'message', role: 'user', content: [{ type: 'text', text: 'go on' }] },
    ]);
    expect(r.cacheMarks).to.equal(1);
    const inner = norm({ messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'text', text: 'x', cache_control: { type: 'ephemeral', ttl: '1h' } }] }] }] });
    expect(inner.items[0]).to.deep.equal({ type: 'function_call_output', callId: 't', output: 'x', cacheControl: { ttl: '1h' } });
    // Images a tool returned ride along (only Anthropic takes them: routing excludes the rest, and they need vision).
    const img = norm({ messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'text', text: 'shot:' }, { type: 'image', source: { type: 'url', url: 'https://x/y.png' } }] }] }] });
    expect(img.items[0]).to.deep.equal({ type: 'function_call_output', callId: 't', output: 'shot:', images: [{ type: 'image', url: 'https://x/y.png' }] });
    expect(img.fields!.find((f) => f.name === 'tool_result_image')!.refusedBy).to.deep.equal(['openai', 'gemini', 'openai-compatible']);
    refused({ ...base, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'document', source: { type: 'url', url: 'https://x/y.pdf' } }] }] }] }, 'messages[0].content[0].content[0].type', 'unsupported_parameter');
    refused({ ...base, messages: [{ role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'n', input: 'x' }] }] }, 'messages[0].content[0].input');
    refused({ ...base, messages: [{ role: 'user', content: [{ type: 'tool_use', id: 't', name: 'n', input: {} }] }] }, 'messages[0].content[0].type');
  });

  it('thinking and redacted_thinking become reasoning items attributed to any anthropic provider', () => {
    const r = norm({
      messages: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'hmm', signature: 'sig-1' }, { type: 'redacted_thinking', data: 'opaque' }, { type: 'text', text: 'a' }] },
        { role: 'user', content: 'q2' },
      ],
    });
    expect(r.items.slice(1, 3)).to.deep.equal([
      { type: 'reasoning', text: 'hmm', provider: ANTHROPIC_CLIENT_STATE, signature: 'sig-1' },
      { type: 'reasoning', text: '', provider: ANTHROPIC_CLIENT_STATE, redacted: 'opaque' },
    ]);
    refused({ ...base, messages: [{ role: 'assistant', content: [{ type: 'thinking', thinking: 'x' }] }] }, 'messages[0].content[0].signature');
  });

  it('a signature the router wrapped for another provider goes back to that provider only', () => {
    const wrapped = wrapReasoningState({ provider: 'gem-main', providerType: 'gemini', signature: 'g-sig' })!;
    const r = norm({ messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: [{ type: 'thinking', thinking: 't', signature: wrapped }, { type: 'text', text: 'a' }] }, { role: 'user', content: 'q2' }] });
    expect(r.items[1]).to.deep.equal({ type: 'reasoning', text: 't', provider: 'gem-main', signature: 'g-sig' });
  });

  it('tools: custom tools with input_schema and cache_control; server tools are refused naming their type', () => {
    const r = norm({ tools: [{ name: 'get', description: 'd', input_schema: { type: 'object', properties: {} }, cache_control: { type: 'ephemeral' } }] });
    expect(r.tools).to.deep.equal([{ name: 'get', description: 'd', parameters: { type: 'object', properties: {} }, cacheControl: {} }]);
    refused({ ...base, tools: [{ type: 'web_search_20250305', name: 'web_search' }] }, 'tools[0].type', 'unsupported_parameter', /web_search_20250305/);
    refused({ ...base, tools: [{ type: 'bash_20250124', name: 'bash' }] }, 'tools[0].type', 'unsupported_parameter', /bash_20250124/);
    refused({ ...base, tools: [{ name: 'x' }] }, 'tools[0].input_schema');
  });

  it('tool_choice: auto/any/tool/none and disable_parallel_tool_use', () => {
    const tools = [{ name: 'get', input_schema: { type: 'object' } }];
    expect(norm({ tools, tool_choice: { type: 'auto' } }).toolChoice).to.equal('auto');
    expect(norm({ tools, tool_choice: { type: 'none' } }).toolChoice).to.equal('none');
    const any = norm({ tools, tool_choice: { type: 'any', disable_parallel_tool_use: true } });
    expect(any.toolChoice).to.equal('required');
    expect(any.parallelToolCalls).to.equal(false);
    // Nested, but the same routing fate as Chat's parallel_tool_calls: false (Gemini has no switch).
    const par = any.fields!.find((f) => f.name === 'parallel_tool_calls')!;
    expect(par.refusedBy).to.include('gemini');
    expect(par.refusedBy).to.not.include('anthropic');
    expect(norm({ tools, tool_choice: { type: 'auto' } }).fields).to.equal(undefined);
    expect(norm({ tools, tool_choice: { type: 'tool', name: 'get' } }).toolChoice).to.deep.equal({ name: 'get' });
    refused({ ...base, tools, tool_choice: { type: 'tool', name: 'nope' } }, 'tool_choice.name');
    refused({ ...base, tool_choice: { type: 'any' } }, 'tool_choice');
    refused({ ...base, tools, tool_choice: { type: 'required' } }, 'tool_choice.type');
  });

  it('thinking: exact budget plus its effort band; disabled; adaptive; budget checked against max_tokens', () => {
    const r = norm({ max_tokens: 20000, thinking: { type: 'enabled', budget_tokens: 5000 } });
    expect(r.thinkingBudgetTokens).to.equal(5000);
    expect(r.reasoningEffort).to.equal('medium');
    expect(norm({ thinking: { type: 'disabled' } })).to.not.have.any.keys('reasoningEffort', 'thinkingBudgetTokens');
    const a = norm({ thinking: { type: 'adaptive' } });
    expect(a.thinkingAdaptive).to.equal(true);
    expect(a.reasoningEffort).to.equal('medium');
    expect([1024, 4095, 4096, 16383, 16384].map(effortForBudget)).to.deep.equal(['low', 'low', 'medium', 'medium', 'high']);
    refused({ ...base, thinking: { type: 'enabled', budget_tokens: 512 } }, 'thinking.budget_tokens');
    refused({ ...base, max_tokens: 2000, thinking: { type: 'enabled', budget_tokens: 2000 } }, 'thinking.budget_tokens');
    refused({ ...base, thinking: { type: 'on' } }, 'thinking.type');
  });

  it('sampling, stops, metadata.user_id, stream', () => {
    const r = norm({ temperature: 0.5, top_p: 0.9, stop_sequences: ['END'], metadata: { user_id: 'u-1' }, stream: true });
    expect(r).to.include({ temperature: 0.5, topP: 0.9, user: 'u-1', stream: true });
    expect(r.stop).to.deep.equal(['END']);
    // The OpenAI adapter speaks Responses for Messages, which has no stop sequences: routed around.
    expect(r.fields!.find((f) => f.name === 'stop_sequences')!.refusedBy).to.deep.equal(['openai']);
    refused({ ...base, temperature: 1.5 }, 'temperature');
    refused({ ...base, metadata: { tenant: 'x' } }, 'metadata.tenant');
  });

  it('top_k and service_tier are routing fields: top_k passed to Anthropic, mapped for Gemini, refused by OpenAI types', () => {
    const r = norm({ top_k: 40, service_tier: 'standard_only' });
    const k = r.fields!.find((f) => f.name === 'top_k')!;
    expect(k.value).to.equal(40);
    expect(k.passedTo).to.deep.equal(['anthropic']);
    expect(k.refusedBy).to.include.members(['openai']);
    expect(k.refusedBy.some((t) => t.startsWith('openai-compatible'))).to.equal(true);
    expect(k.refusedBy).to.not.include('gemini');
    const tier = r.fields!.find((f) => f.name === 'service_tier')!;
    expect(tier.passedTo).to.deep.equal(['anthropic']);
    expect(norm({ service_tier: 'auto' }).fields ?? []).to.deep.equal([]);
    refused({ ...base, top_k: 1.5 }, 'top_k');
    refused({ ...base, service_tier: 'priority' }, 'service_tier');
  });

  it('unknown content blocks and roles are refused with their param', () => {
    refused({ ...base, messages: [{ role: 'assistant', content: [{ type: 'server_tool_use', id: 'x', name: 'web_search', input: {} }] }] }, 'messages[0].content[0].type', 'unsupported_parameter');
    refused({ ...base, messages: [{ role: 'system', content: 'x' }] }, 'messages[0].role');
    refused({ ...base, messages: [{ role: 'user', content: 'x', name: 'bob' }] }, 'messages[0].name', 'invalid_parameter', /Extra inputs are not permitted/);
    refused({ ...base, messages: [{ role: 'user', content: [{ type: 'text', text: 'x', extra: 1 }] }] }, 'messages[0].content[0].extra');
  });
});
