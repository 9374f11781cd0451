// Per-dialect fates of openai-compatible hosts (src/api/field-policy.ts byDialect): the type column
// alone silently dropped `parallel_tool_calls: false` on DeepSeek and sent Mistral fields it answers
// 422 to (seed, logit_bias, stream_options). Here: the table's per-dialect answers, the routing keys,
// the bodies the adapter builds per dialect, and that the table, the dialect renames and the Mistral
// simulator's schema agree with each other.
import { expect } from 'chai';
import { CHAT_FIELDS, RESPONSES_FIELDS, checkFields, fateFor, fates } from '../../../src/api/field-policy.js';
import { normalizeChatRequest } from '../../../src/api/chat/normalize.js';
import { DIALECTS, dialectRules, fateKeys, listsProvider, type Dialect } from '../../../src/providers/openai-compatible/dialects.js';
import { buildChatBody } from '../../../src/providers/openai-compatible/request.js';
import type { Target } from '../../../src/providers/types.js';
import type { ModelSpec, ProviderSpec } from '../../../src/policy/types.js';
import { MISTRAL_CHAT_FIELDS } from '../../../src/simulator/openai-chat.js';

function provider(dialect: Dialect | undefined, baseUrl = 'http://127.0.0.1:9/v1'): ProviderSpec {
  return { name: `p-${dialect ?? 'inferred'}`, type: 'openai-compatible', baseUrl, ...(dialect ? { dialect } : {}) } as ProviderSpec;
}

function target(dialect: Dialect): Target {
  const model = { name: 'm', provider: `p-${dialect}`, contextWindow: 100_000, capabilities: ['tools', 'streaming'] } as unknown as ModelSpec;
  return { provider: provider(dialect), model, apiKey: 'unused' };
}

const TOOL = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } };

describe('field policy per openai-compatible dialect', () => {
  describe('the table', () => {
    it('DeepSeek refuses parallel_tool_calls: false (no switch), every other openai-compatible dialect maps it; true stays neutral', () => {
      for (const d of DIALECTS) expect(fateFor(CHAT_FIELDS.parallel_tool_calls!, 'openai-compatible', d), d).to.equal(d === 'deepseek' ? 'refused' : 'mapped');
      const [f] = checkFields('chat', { messages: [], tools: [TOOL], parallel_tool_calls: false });
      expect(f!.refusedBy).to.deep.equal(['gemini', 'openai-compatible:deepseek', 'bedrock']);
      expect(checkFields('chat', { messages: [], tools: [TOOL], parallel_tool_calls: true })).to.deep.equal([]);
      // The row is shared with the Responses API, where the same request reaches DeepSeek the same way.
      expect(checkFields('responses', { input: 'x', parallel_tool_calls: false })[0]!.refusedBy).to.include('openai-compatible:deepseek');
    });

    it('Mistral: seed is mapped (random_seed), logit_bias refused, the penalties passed', () => {
      expect(fateFor(CHAT_FIELDS.seed!, 'openai-compatible', 'mistral')).to.equal('mapped');
      expect(fateFor(CHAT_FIELDS.logit_bias!, 'openai-compatible', 'mistral')).to.equal('refused');
      expect(fateFor(CHAT_FIELDS.frequency_penalty!, 'openai-compatible', 'mistral')).to.equal('passed');
      expect(fateFor(CHAT_FIELDS.presence_penalty!, 'openai-compatible', 'mistral')).to.equal('passed');
    });

    it('DeepSeek: seed and logit_bias refused (not in its parameter list, it would ignore them), the penalties passed', () => {
      expect(fateFor(CHAT_FIELDS.seed!, 'openai-compatible', 'deepseek')).to.equal('refused');
      expect(fateFor(CHAT_FIELDS.logit_bias!, 'openai-compatible', 'deepseek')).to.equal('refused');
      expect(fateFor(CHAT_FIELDS.frequency_penalty!, 'openai-compatible', 'deepseek')).to.equal('passed');
    });

    it('generic, vllm, ollama, together and groq keep the openai-compatible column', () => {
      for (const table of [CHAT_FIELDS, RESPONSES_FIELDS]) {
        for (const [name, row] of Object.entries(table)) {
          for (const d of ['generic', 'vllm', 'ollama', 'together', 'groq'] as const) expect(fateFor(row, 'openai-compatible', d), `${name} on ${d}`).to.equal(row.by['openai-compatible']);
        }
      }
    });

    it('a row lists openai-compatible either bare or per dialect, never both', () => {
      for (const row of [...Object.values(CHAT_FIELDS), ...Object.values(RESPONSES_FIELDS)]) {
        const keys = fates(row).map(([k]) => k);
        const perDialect = keys.filter((k) => k.startsWith('openai-compatible:'));
        expect(perDialect.length === 0 || !keys.includes('openai-compatible')).to.equal(true);
        if (row.byDialect) expect(perDialect).to.have.length(DIALECTS.length);
      }
    });
  });

  describe('routing keys', () => {
    it('a provider is named by its type and, for openai-compatible, its declared or inferred dialect', () => {
      expect(fateKeys(provider('deepseek'))).to.deep.equal(['openai-compatible', 'openai-compatible:deepseek']);
      expect(fateKeys(provider(undefined, 'https://api.deepseek.com/v1'))).to.deep.equal(['openai-compatible', 'openai-compatible:deepseek']);
      expect(fateKeys({ type: 'anthropic', baseUrl: 'https://api.anthropic.com' } as ProviderSpec)).to.deep.equal(['anthropic']);
      const [f] = checkFields('chat', { messages: [], tools: [TOOL], parallel_tool_calls: false });
      expect(listsProvider(f!.refusedBy, provider('deepseek'))).to.equal(true);
      expect(listsProvider(f!.refusedBy, provider(undefined, 'https://api.deepseek.com'))).to.equal(true);
      expect(listsProvider(f!.refusedBy, provider('mistral'))).to.equal(false);
      expect(listsProvider(f!.refusedBy, provider('generic'))).to.equal(false);
    });
  });

  describe('the bodies the adapter builds', () => {
    const chat = (body: Record<string, unknown>) => normalizeChatRequest({ model: 'auto', messages: [{ role: 'user', content: 'hi' }], ...body });

    it('Mistral gets seed as random_seed and the penalties verbatim; generic gets seed as seed', () => {
      const req = chat({ seed: 42, frequency_penalty: 0.5, presence_penalty: 0.25 });
      const mistral = buildChatBody(req, target('mistral'), { dialect: 'mistral', maxTokensField: 'max_tokens' });
      expect(mistral).to.include({ random_seed: 42, frequency_penalty: 0.5, presence_penalty: 0.25 });
      expect(mistral).to.not.have.property('seed');
      const generic = buildChatBody(req, target('generic'), { dialect: 'generic', maxTokensField: 'max_tokens' });
      expect(generic).to.include({ seed: 42 });
      expect(generic).to.not.have.property('random_seed');
    });

    it('a streamed request asks the usage chunk of every host but Mistral (which refuses stream_options)', () => {
      const req = chat({ stream: true });
      expect(buildChatBody(req, target('mistral'), { dialect: 'mistral', maxTokensField: 'max_tokens' })).to.not.have.property('stream_options');
      expect(buildChatBody(req, target('deepseek'), { dialect: 'deepseek', maxTokensField: 'max_tokens' })).to.deep.include({ stream_options: { include_usage: true } });
    });

    it('every top-level field the adapter can send Mistral is in the Mistral schema the simulator enforces', () => {
      const req = chat({
        tools: [TOOL], tool_choice: 'required', parallel_tool_calls: false, max_tokens: 50, temperature: 0.2, top_p: 0.9, stop: ['x'],
        response_format: { type: 'json_object' }, seed: 1, frequency_penalty: 0.1, presence_penalty: 0.1, stream: true, user: 'u', metadata: { a: 'b' },
        prompt_cache_key: 'k', reasoning_effort: 'low', store: false, service_tier: 'auto', n: 1, logprobs: false,
      });
      const body = buildChatBody(req, target('mistral'), { dialect: 'mistral', maxTokensField: 'max_tokens' });
      expect(Object.keys(body).filter((k) => !MISTRAL_CHAT_FIELDS.has(k))).to.deep.equal([]);
      // And what the table passes or maps to Mistral is in that schema, under the dialect's name.
      const renames = dialectRules('mistral').fieldNames;
      for (const [name, row] of Object.entries(CHAT_FIELDS)) {
        if (row.by['openai-compatible'] !== 'passed' && !row.byDialect) continue;
        const fate = fateFor(row, 'openai-compatible', 'mistral');
        if (fate === 'passed') expect(MISTRAL_CHAT_FIELDS.has(name), name).to.equal(true);
        if (fate === 'mapped' && row.by['openai-compatible'] === 'passed') expect(MISTRAL_CHAT_FIELDS.has(renames[name] ?? ''), `${name} → ${renames[name]}`).to.equal(true);
      }
    });

    it('a dialect renames only fields the table marks "mapped" for it, and every field mapped per dialect instead of passed has a rename', () => {
      for (const d of DIALECTS) {
        const renames = dialectRules(d).fieldNames;
        for (const name of Object.keys(renames)) expect(fateFor(CHAT_FIELDS[name]!, 'openai-compatible', d), `${name} on ${d}`).to.equal('mapped');
        for (const [name, row] of Object.entries(CHAT_FIELDS)) {
          if (row.byDialect?.[d] === 'mapped' && row.by['openai-compatible'] === 'passed') expect(renames, `${name} on ${d}`).to.have.property(name);
        }
      }
    });
  });
});
