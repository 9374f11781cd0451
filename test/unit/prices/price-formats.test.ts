// Parsing the two public price-table formats into USD per 1M tokens, and what
// happens with malformed documents and entries.
import { expect } from 'chai';
import { parsePriceTable, PriceFormatError } from '../../../src/prices/price-formats.js';

// Shapes copied from the real files (values trimmed to what the parser reads, plus noise it must ignore).
const LITELLM = {
  sample_spec: { input_cost_per_token: 0.0, output_cost_per_token: 0.0, litellm_provider: 'one of https://docs.litellm.ai/docs/providers', mode: 'one of: chat, embedding, ...' },
  'gpt-4o': { max_tokens: 16384, input_cost_per_token: 2.5e-6, output_cost_per_token: 1e-5, cache_read_input_token_cost: 1.25e-6, litellm_provider: 'openai', mode: 'chat', supports_vision: true },
  'gemini/gemini-2.5-flash': { input_cost_per_token: 3e-7, output_cost_per_token: 2.5e-6, cache_read_input_token_cost: 7.5e-8, litellm_provider: 'gemini', mode: 'chat' },
  'gemini-2.5-flash': { input_cost_per_token: 3.1e-7, output_cost_per_token: 2.6e-6, litellm_provider: 'vertex_ai-language-models', mode: 'chat' },
  'claude-sonnet-4-5': { input_cost_per_token: 3e-6, output_cost_per_token: 1.5e-5, litellm_provider: 'anthropic' },
  'text-embedding-3-small': { input_cost_per_token: 2e-8, output_cost_per_token: 0, litellm_provider: 'openai', mode: 'embedding' },
  'dall-e-3': { output_cost_per_image: 0.04, litellm_provider: 'openai', mode: 'image_generation' },
  'broken-negative': { input_cost_per_token: -1, output_cost_per_token: 1e-6 },
  'broken-string': { input_cost_per_token: 'cheap', output_cost_per_token: 1e-6 },
  'not-an-object': 42,
  'custom-local': { input_cost_per_token: 1e-7, output_cost_per_token: 2e-7 },
};

const OPENROUTER = {
  data: [
    { id: 'openai/gpt-4o', name: 'OpenAI: GPT-4o', pricing: { prompt: '0.0000025', completion: '0.00001', request: '0', image: '0.003613', input_cache_read: '0.00000125' } },
    { id: 'anthropic/claude-sonnet-4.5', pricing: { prompt: '0.000003', completion: '0.000015', input_cache_read: '0.0000003' } },
    { id: 'google/gemini-2.5-flash', pricing: { prompt: '0.0000003', completion: '0.0000025' } },
    { id: 'openrouter/auto', pricing: { prompt: '-1', completion: '-1' } },
    { id: 'meta-llama/llama-3.3-70b-instruct:free', pricing: { prompt: '0', completion: '0' } },
    { id: 'no-pricing/model' },
    { pricing: { prompt: '0.000001', completion: '0.000001' } },
    'junk',
  ],
};

describe('price table formats', () => {
  describe('litellm (model_prices_and_context_window.json)', () => {
    const t = parsePriceTable('litellm', LITELLM);

    it('converts USD per token to USD per 1M tokens, with the cache-read price', () => {
      expect(t.entries.get('gpt-4o')).to.deep.equal({ input: 2.5, output: 10, cachedInput: 1.25, provider: 'openai' });
      expect(t.entries.get('gemini/gemini-2.5-flash')).to.deep.equal({ input: 0.3, output: 2.5, cachedInput: 0.075, provider: 'gemini' });
    });
    it('also indexes a bare key under litellm_provider/key, never over an explicit key', () => {
      expect(t.entries.get('openai/gpt-4o')).to.equal(t.entries.get('gpt-4o'));
      expect(t.entries.get('anthropic/claude-sonnet-4-5')).to.deep.include({ input: 3, output: 15 });
      // The vertex entry of the same bare name stays under its own provider.
      expect(t.entries.get('vertex_ai-language-models/gemini-2.5-flash')).to.deep.include({ input: 0.31 });
      expect(t.entries.get('gemini/gemini-2.5-flash')).to.deep.include({ input: 0.3 });
    });
    it('keeps a zero price (free output of embeddings) and entries without a provider', () => {
      expect(t.entries.get('text-embedding-3-small')).to.deep.include({ input: 0.02, output: 0 });
      expect(t.entries.get('custom-local')).to.deep.equal({ input: 0.1, output: 0.2 });
    });
    it('skips sample_spec, entries without both token prices, negative, non-numeric and non-object entries', () => {
      expect(t.entries.has('sample_spec')).to.equal(false);
      for (const k of ['dall-e-3', 'broken-negative', 'broken-string', 'not-an-object']) expect(t.entries.has(k), k).to.equal(false);
      expect(t.skipped).to.equal(4);
    });
    it('rejects a document that is not an object, or has no usable entry', () => {
      expect(() => parsePriceTable('litellm', [])).to.throw(PriceFormatError, /JSON object/);
      expect(() => parsePriceTable('litellm', 'x')).to.throw(PriceFormatError);
      expect(() => parsePriceTable('litellm', null)).to.throw(PriceFormatError);
      expect(() => parsePriceTable('litellm', { a: { input_cost_per_token: 'x' } })).to.throw(PriceFormatError, /no usable prices.*1 entries skipped/);
      // The OpenRouter shape given to the litellm parser: no usable entry either.
      expect(() => parsePriceTable('litellm', OPENROUTER)).to.throw(PriceFormatError, /no usable prices/);
    });
  });

  describe('openrouter (/api/v1/models)', () => {
    const t = parsePriceTable('openrouter', OPENROUTER);

    it('parses decimal strings per token into USD per 1M tokens, provider from the id prefix', () => {
      expect(t.entries.get('openai/gpt-4o')).to.deep.equal({ input: 2.5, output: 10, cachedInput: 1.25, provider: 'openai' });
      expect(t.entries.get('anthropic/claude-sonnet-4.5')).to.deep.equal({ input: 3, output: 15, cachedInput: 0.3, provider: 'anthropic' });
      expect(t.entries.get('google/gemini-2.5-flash')).to.deep.equal({ input: 0.3, output: 2.5, provider: 'google' });
    });
    it('keeps free models, skips variable-price (-1), unpriced, id-less and non-object entries', () => {
      expect(t.entries.get('meta-llama/llama-3.3-70b-instruct:free')).to.deep.include({ input: 0, output: 0 });
      expect(t.entries.has('openrouter/auto')).to.equal(false);
      expect(t.entries.has('no-pricing/model')).to.equal(false);
      expect(t.skipped).to.equal(4);
    });
    it('rejects a document without a data array', () => {
      expect(() => parsePriceTable('openrouter', { models: [] })).to.throw(PriceFormatError, /"data" array/);
      expect(() => parsePriceTable('openrouter', LITELLM)).to.throw(PriceFormatError, /"data" array/);
      expect(() => parsePriceTable('openrouter', { data: [] })).to.throw(PriceFormatError, /no usable prices/);
    });
  });
});
