// The matching rules between price-table ids and catalog models (table-driven).
import { expect } from 'chai';
import { parsePriceTable } from '../../../src/prices/price-formats.js';
import { lookupIds, matchPrice } from '../../../src/prices/price-match.js';
import type { ModelSpec, ProviderSpec } from '../../../src/policy/types.js';

function target(p: Partial<ProviderSpec> & { name: string }, m: Partial<ModelSpec> & { name: string }): { provider: ProviderSpec; model: ModelSpec } {
  return {
    provider: { type: 'openai', baseUrl: 'http://127.0.0.1:1', ...p },
    model: { provider: p.name, pricing: { input: 99, output: 99 }, quality: 0.5, contextWindow: 1000, capabilities: [], ...m },
  };
}

const litellm = parsePriceTable('litellm', {
  'gpt-4o': { input_cost_per_token: 2.5e-6, output_cost_per_token: 1e-5, litellm_provider: 'openai' },
  'gpt-4o-2024-08-06': { input_cost_per_token: 2.4e-6, output_cost_per_token: 9e-6, litellm_provider: 'openai' },
  'gemini/gemini-2.5-flash': { input_cost_per_token: 3e-7, output_cost_per_token: 2.5e-6, litellm_provider: 'gemini' },
  'gemini-2.5-flash': { input_cost_per_token: 9e-7, output_cost_per_token: 9e-6, litellm_provider: 'vertex_ai-language-models' },
  'deepseek/deepseek-chat': { input_cost_per_token: 2.8e-7, output_cost_per_token: 4.2e-7, litellm_provider: 'deepseek' },
  'together_ai/meta-llama/llama-4-maverick-17b-128e-instruct-fp8': { input_cost_per_token: 2.7e-7, output_cost_per_token: 8.5e-7, litellm_provider: 'together_ai' },
  'my-local-model': { input_cost_per_token: 1e-7, output_cost_per_token: 1e-7 },
  'llama-3-8b': { input_cost_per_token: 5e-8, output_cost_per_token: 5e-8, litellm_provider: 'groq' },
});
const openrouter = parsePriceTable('openrouter', {
  data: [
    { id: 'openai/gpt-4o', pricing: { prompt: '0.0000025', completion: '0.00001' } },
    { id: 'anthropic/claude-sonnet-4.5', pricing: { prompt: '0.000003', completion: '0.000015' } },
    { id: 'google/gemini-2.5-flash', pricing: { prompt: '0.0000003', completion: '0.0000025' } },
    { id: 'mistralai/mistral-large', pricing: { prompt: '0.000002', completion: '0.000006' } },
    { id: 'meta-llama/llama-4-maverick', pricing: { prompt: '0.00000015', completion: '0.0000006' } },
  ],
});

describe('price matching', () => {
  const cases: [string, ReturnType<typeof target>, 'litellm' | 'openrouter', number | undefined][] = [
    ['provider name + model name (derived litellm_provider/key)', target({ name: 'openai' }, { name: 'gpt-4o' }), 'litellm', 2.5],
    ['upstreamModel before name', target({ name: 'openai' }, { name: 'gpt-4o', upstreamModel: 'gpt-4o-2024-08-06' }), 'litellm', 2.4],
    ['provider type when the provider has another name', target({ name: 'oai-eu' }, { name: 'gpt-4o' }), 'litellm', 2.5],
    ['explicit gemini/ key beats the vertex entry of the same bare name', target({ name: 'gemini', type: 'gemini' }, { name: 'gemini-2.5-flash' }), 'litellm', 0.3],
    ['openai-compatible: the dialect names the provider', target({ name: 'ds', type: 'openai-compatible', dialect: 'deepseek' }, { name: 'deepseek-v3', upstreamModel: 'deepseek-chat' }), 'litellm', 0.28],
    ['synonym together → together_ai with a slashed upstream id', target({ name: 'together', type: 'openai-compatible' }, { name: 'llama-4-maverick', upstreamModel: 'meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8' }), 'litellm', 0.27],
    ['an entry without a provider matches by bare name', target({ name: 'local', type: 'openai-compatible' }, { name: 'my-local-model' }), 'litellm', 0.1],
    ['a bare name of another provider does not match', target({ name: 'llama', type: 'openai-compatible' }, { name: 'llama-3-8b' }), 'litellm', undefined],
    ['no fuzzy matching: claude-sonnet-4-5 ≠ claude-sonnet-4.5', target({ name: 'anthropic', type: 'anthropic' }, { name: 'claude-sonnet-4-5' }), 'openrouter', undefined],
    ['…unless the model lists the spelling as an alias', target({ name: 'anthropic', type: 'anthropic' }, { name: 'claude-sonnet-4-5', aliases: ['claude-sonnet-4.5'] }), 'openrouter', 3],
    ['openrouter: gemini is google', target({ name: 'gemini', type: 'gemini' }, { name: 'gemini-2.5-flash' }), 'openrouter', 0.3],
    ['openrouter: mistral is mistralai', target({ name: 'mistral', type: 'openai-compatible', dialect: 'mistral' }, { name: 'mistral-large' }), 'openrouter', 2],
    ['a slashed upstreamModel is looked up as it is', target({ name: 'llama', type: 'openai-compatible' }, { name: 'llama-4-maverick', upstreamModel: 'meta-llama/llama-4-maverick' }), 'openrouter', 0.15],
    ['case does not matter', target({ name: 'OpenAI' }, { name: 'GPT-4o' }), 'openrouter', 2.5],
    ['unknown model', target({ name: 'openai' }, { name: 'gpt-9' }), 'openrouter', undefined],
  ];
  for (const [name, t, format, input] of cases) {
    it(`${format}: ${name}`, () => {
      const e = matchPrice(format === 'litellm' ? litellm : openrouter, t);
      expect(e?.input).to.equal(input);
    });
  }

  it('lookupIds: upstreamModel first, provider name then type then synonyms, bare names last', () => {
    const ids = lookupIds(target({ name: 'gemini', type: 'gemini' }, { name: 'flash', upstreamModel: 'gemini-2.5-flash', aliases: ['fast'] }));
    expect(ids.qualified.slice(0, 2)).to.deep.equal(['gemini/gemini-2.5-flash', 'google/gemini-2.5-flash']);
    expect(ids.qualified).to.include('google/fast');
    expect(ids.bare).to.deep.equal(['gemini-2.5-flash', 'flash', 'fast']);
  });
});
