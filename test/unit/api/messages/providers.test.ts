// What the Messages dialect's canonical additions become at each provider type: documents (OpenAI
// input_file, Gemini inlineData, refused by Chat-wire hosts), top_k (Gemini topK, never OpenAI),
// the exact thinking budget (Gemini 2.5), the matched stop sequence (Anthropic JSON and stream), and
// Messages-client thinking state (only ever to anthropic providers).
import { expect } from 'chai';
import { normalizeMessagesRequest } from '../../../../src/api/messages/normalize.js';
import { buildResponsesBody } from '../../../../src/providers/openai/request.js';
import { buildBody as buildGeminiBody } from '../../../../src/providers/gemini/request.js';
import { buildChatBody } from '../../../../src/providers/openai-compatible/request.js';
import { parseAnthropicResponse } from '../../../../src/providers/anthropic/response.js';
import { createAnthropicStreamTranslator } from '../../../../src/providers/anthropic/stream.js';
import { accumulate } from '../../../../src/canonical/accumulate.js';
import { listsProvider } from '../../../../src/providers/openai-compatible/dialects.js';
import { foreignReasoningWarning } from '../../../../src/providers/reasoning-state.js';
import type { CanonicalEvent } from '../../../../src/canonical/types.js';
import type { ModelSpec, ProviderSpec } from '../../../../src/policy/types.js';

const model = (name: string): ModelSpec => ({ name, provider: 'p', upstreamModel: name, pricing: { input: 1, output: 1 }, quality: 1, contextWindow: 100_000, capabilities: ['tools', 'vision', 'reasoning', 'streaming'] });
const target = (type: ProviderSpec['type'], upstream: string) => ({ provider: { name: `${type}-main`, type, baseUrl: 'http://127.0.0.1:1/v1' } as ProviderSpec, model: model(upstream), apiKey: 'test-key-placeholder' });

const withDoc = normalizeMessagesRequest({
  model: 'auto',
  max_tokens: 20_000,
  top_k: 20,
  thinking: { type: 'enabled', budget_tokens: 3000 },
  messages: [
    { role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' }, title: 'spec' }, { type: 'text', text: 'summarise' }] },
    { role: 'assistant', content: [{ type: 'thinking', thinking: 't', signature: 'anthropic-sig' }, { type: 'text', text: 'ok' }] },
    { role: 'user', content: 'more' },
  ],
});

describe('messages canonical additions at each provider type', () => {
  it('OpenAI Responses: a PDF is an input_file with file_data and a filename; top_k is never sent', () => {
    const body = buildResponsesBody(withDoc, target('openai', 'gpt-x')) as any;
    expect(body.input[0].content[0]).to.deep.equal({ type: 'input_file', file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'spec.pdf' });
    expect(body).to.not.have.property('top_k');
    expect(body.reasoning).to.deep.equal({ effort: 'low' });
    expect(JSON.stringify(body.input)).to.not.include('anthropic-sig');
  });

  it('Gemini: inlineData for the PDF, topK, and the exact budget on 2.5', () => {
    const body = buildGeminiBody(withDoc, target('gemini', 'gemini-2.5-flash')) as any;
    expect(body.contents[0].parts[0]).to.deep.equal({ inlineData: { mimeType: 'application/pdf', data: 'JVBERi0=' } });
    expect(body.generationConfig.topK).to.equal(20);
    expect(body.generationConfig.thinkingConfig).to.deep.include({ thinkingBudget: 3000 });
    expect(JSON.stringify(body.contents)).to.not.include('anthropic-sig');
  });

  it('routing: the document and top_k fields exclude openai-compatible hosts (and top_k OpenAI), not Anthropic or Gemini', () => {
    const doc = withDoc.fields!.find((f) => f.name === 'document')!;
    const topK = withDoc.fields!.find((f) => f.name === 'top_k')!;
    const p = (type: ProviderSpec['type'], baseUrl = 'https://api.example.com/v1') => ({ type, baseUrl });
    expect(listsProvider(doc.refusedBy, p('openai-compatible'))).to.equal(true);
    expect(listsProvider(doc.refusedBy, p('openai-compatible', 'https://api.mistral.ai/v1'))).to.equal(true);
    for (const t of ['openai', 'anthropic', 'gemini'] as const) expect(listsProvider(doc.refusedBy, p(t))).to.equal(false);
    expect(listsProvider(topK.refusedBy, p('openai'))).to.equal(true);
    expect(listsProvider(topK.refusedBy, p('openai-compatible'))).to.equal(true);
    expect(listsProvider(topK.refusedBy, p('gemini'))).to.equal(false);
    expect(listsProvider(topK.refusedBy, p('anthropic'))).to.equal(false);
  });

  it('Chat-wire hosts refuse a document outright if routing ever let one through', () => {
    expect(() => buildChatBody(withDoc, target('openai-compatible', 'llama'), {} as any)).to.throw(/cannot read documents/);
  });

  it('Messages-client thinking state is foreign everywhere but at anthropic providers', () => {
    expect(foreignReasoningWarning(withDoc, { name: 'anthropic-eu', type: 'anthropic' })).to.equal(undefined);
    expect(foreignReasoningWarning(withDoc, { name: 'gemini-main', type: 'gemini' })).to.match(/not sent/);
  });

  it('Anthropic stop_sequence reaches the canonical result, from JSON and from the stream', () => {
    const json = parseAnthropicResponse({ id: 'm', content: [{ type: 'text', text: 'a' }], stop_reason: 'stop_sequence', stop_sequence: '</done>', usage: {} }, withDoc);
    expect(accumulate(json)).to.include({ finish: 'stop', stopSequence: '</done>' });
    const t = createAnthropicStreamTranslator(withDoc);
    const evs: CanonicalEvent[] = [];
    const sse = [
      { type: 'message_start', message: { id: 'm', model: 'x', usage: { input_tokens: 3 } } },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'a' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'message_delta', delta: { stop_reason: 'stop_sequence', stop_sequence: '</done>' }, usage: { output_tokens: 1 } },
      { type: 'message_stop' },
    ];
    for (const d of sse) evs.push(...t.push({ event: d.type, data: JSON.stringify(d) }));
    expect(accumulate(evs)).to.include({ finish: 'stop', stopSequence: '</done>' });
    const plain = parseAnthropicResponse({ content: [], stop_reason: 'end_turn', stop_sequence: null }, withDoc);
    expect(accumulate(plain)).to.not.have.property('stopSequence');
  });
});

describe('messages documents and policy', () => {
  it('a plain-text document is prompt text: routing reads it and the firewall scans it', async () => {
    const { requestText } = await import('../../../../src/routing/decide.js');
    const { promptTexts } = await import('../../../../src/firewall/prompt.js');
    const req = normalizeMessagesRequest({ model: 'auto', max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'secret plan' } }, { type: 'text', text: 'q' }] }] });
    expect(requestText(req)).to.include('secret plan');
    expect(promptTexts(req)).to.include('secret plan');
  });
});
