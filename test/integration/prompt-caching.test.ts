// Prompt caching end to end (TokenRouter issue 16, deliverable 4 and the audit gap
// "cached-token pricing is untested"). Before this file every simulator reported 0
// cached tokens, so billing cached tokens at the full input price passed every test.
// Here the simulators report cached tokens (and Anthropic cache writes) through the
// model-name convention -cached<n> / -cachewrite<n> (src/simulator/script.ts), in
// each provider's native usage shape, streamed and not, and the tests check that the
// cost header, the key's budget spend, the usage ledger and the metrics all price
// them at pricing.cachedInput / pricing.cacheWrite:
//   cost = ((input − cached − written)·input + cached·cachedInput + written·cacheWrite + output·output) / 1e6
// A cost stage that bills cached tokens at the input price fails every case below
// (checked by breaking src/stages/cost.ts by hand).
//
// Then prompt_cache_key: passed to OpenAI on the Responses and Chat wire, mapped to
// Anthropic cache breakpoints on the stable prefix, and reported in
// x-tokenrouter-warnings (never silently dropped) where the provider has no equivalent.
import { expect } from 'chai';
import OpenAI from 'openai';
import type { DemoStack } from '../../src/cli/demo-stack.js';
import { parsePromText } from '../helpers/prom-text.js';
import { call, startStack, type KeyDef } from './shared-state-stack.js';

// Prices per 1M tokens. The request below has 7 input words (the simulator's tokens) and
// max_tokens 4 (the simulator truncates the answer to exactly 4 output tokens).
const PRICE = { input: 1000, cachedInput: 100, cacheWrite: 1250, output: 2000 };
const INPUT = 7;
const OUTPUT = 4;
const PROMPT = 'one two three four five six seven';

const MODELS = `apiVersion: tokenrouter/v1
kind: Models
metadata:
  name: caching
spec:
  models:
    - { name: oa-cached, provider: openai, upstreamModel: oa-cached6, pricing: { input: ${PRICE.input}, cachedInput: ${PRICE.cachedInput}, output: ${PRICE.output} }, quality: 0.5, contextWindow: 100000, capabilities: [streaming, tools] }
    - { name: cl-cached, provider: anthropic, upstreamModel: cl-cached3-cachewrite2, pricing: { input: ${PRICE.input}, cachedInput: ${PRICE.cachedInput}, cacheWrite: ${PRICE.cacheWrite}, output: ${PRICE.output} }, quality: 0.5, contextWindow: 100000, capabilities: [streaming, tools] }
    - { name: cl-plain, provider: anthropic, pricing: { input: 1, output: 1 }, quality: 0.5, contextWindow: 100000, capabilities: [streaming, tools] }
    - { name: cl-auto, provider: anthropic, promptCaching: auto, pricing: { input: 1, output: 1 }, quality: 0.5, contextWindow: 100000, capabilities: [streaming, tools] }
    - { name: gm-cached, provider: gemini, upstreamModel: gm-cached5, pricing: { input: ${PRICE.input}, cachedInput: ${PRICE.cachedInput}, output: ${PRICE.output} }, quality: 0.5, contextWindow: 100000, capabilities: [streaming] }
    - { name: ds-cached, provider: deepseek, upstreamModel: ds-cached4, pricing: { input: ${PRICE.input}, cachedInput: ${PRICE.cachedInput}, output: ${PRICE.output} }, quality: 0.5, contextWindow: 100000, capabilities: [streaming] }
    - { name: mi-plain, provider: mistral, pricing: { input: 1, output: 1 }, quality: 0.5, contextWindow: 100000, capabilities: [streaming] }
`;

interface Case {
  name: string;
  provider: string;
  model: string;
  api: 'chat' | 'responses';
  stream: boolean;
  cached: number;
  written: number;
}

const CASES: Case[] = [
  { name: 'openai chat', provider: 'openai', model: 'oa-cached', api: 'chat', stream: false, cached: 6, written: 0 },
  { name: 'openai chat stream', provider: 'openai', model: 'oa-cached', api: 'chat', stream: true, cached: 6, written: 0 },
  { name: 'openai responses', provider: 'openai', model: 'oa-cached', api: 'responses', stream: false, cached: 6, written: 0 },
  { name: 'openai responses stream', provider: 'openai', model: 'oa-cached', api: 'responses', stream: true, cached: 6, written: 0 },
  { name: 'anthropic', provider: 'anthropic', model: 'cl-cached', api: 'chat', stream: false, cached: 3, written: 2 },
  { name: 'anthropic stream', provider: 'anthropic', model: 'cl-cached', api: 'responses', stream: true, cached: 3, written: 2 },
  { name: 'gemini', provider: 'gemini', model: 'gm-cached', api: 'chat', stream: false, cached: 5, written: 0 },
  { name: 'gemini stream', provider: 'gemini', model: 'gm-cached', api: 'chat', stream: true, cached: 5, written: 0 },
  { name: 'deepseek', provider: 'deepseek', model: 'ds-cached', api: 'chat', stream: false, cached: 4, written: 0 },
  { name: 'deepseek stream', provider: 'deepseek', model: 'ds-cached', api: 'chat', stream: true, cached: 4, written: 0 },
];

const keyOf = (c: Case): KeyDef => {
  const slug = c.name.replace(/ /g, '-');
  return { name: `k-${slug}`, key: `sk-cache-${slug}`, extra: 'budgetUsd: { amount: 1, period: day }' };
};

function expectedCost(c: Case): number {
  return ((INPUT - c.cached - c.written) * PRICE.input + c.cached * PRICE.cachedInput + c.written * PRICE.cacheWrite + OUTPUT * PRICE.output) / 1e6;
}

function fullPriceCost(): number {
  return (INPUT * PRICE.input + OUTPUT * PRICE.output) / 1e6;
}

function body(c: Case): Record<string, unknown> {
  const model = `${c.provider}/${c.model}`;
  if (c.api === 'chat') return { model, messages: [{ role: 'user', content: PROMPT }], max_tokens: OUTPUT, stream: c.stream, ...(c.stream ? { stream_options: { include_usage: true } } : {}) };
  return { model, input: PROMPT, max_output_tokens: OUTPUT, stream: c.stream };
}

/** The sum of a family's samples whose labels include `labels`. */
function metric(text: string, family: string, labels: Record<string, string>): number {
  const f = parsePromText(text).get(family);
  if (!f) return 0;
  return f.samples.filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0);
}

describe('prompt caching: cached-token pricing and prompt_cache_key', function () {
  this.timeout(30_000);
  let stack: DemoStack;
  let url: string;
  const plainKey: KeyDef = { name: 'plain', key: 'sk-cache-plain' };

  before(async () => {
    stack = await startStack({ keys: [...CASES.map(keyOf), plainKey], files: { 'caching.yaml': MODELS } });
    url = stack.router.url;
  });
  after(async () => {
    await stack?.stop();
  });

  it('the cases discriminate: the cached price differs from the full input price in every case', () => {
    for (const c of CASES) expect(expectedCost(c), c.name).to.be.lessThan(fullPriceCost());
  });

  for (const c of CASES) {
    it(`${c.name}: ${c.cached} cached${c.written ? ` and ${c.written} written` : ''} tokens priced at the cache prices in the cost header, budget, ledger and metrics`, async () => {
      const k = keyOf(c);
      const before = await (await fetch(`${url}/metrics`)).text();
      const a = await call(url, k.key, c.api === 'chat' ? '/v1/chat/completions' : '/v1/responses', body(c));
      expect(a.status, JSON.stringify(a.body)).to.equal(200);
      expect(a.headers.get('x-tokenrouter-provider')).to.equal(c.provider);
      const want = expectedCost(c);
      // A stream's headers go out before its usage: they carry the routing estimate, not the cost.
      if (!c.stream) expect(Number(a.headers.get('x-tokenrouter-cost-usd'))).to.be.closeTo(want, 1e-8);
      if (!c.stream && c.api === 'chat') expect(a.body.usage.prompt_tokens_details?.cached_tokens).to.equal(c.cached);
      if (!c.stream && c.api === 'responses') expect(a.body.usage.input_tokens_details?.cached_tokens).to.equal(c.cached);
      await stack.router.state.flush();

      const spent = await stack.router.state.keys.deps.budgets.status(k.name, { amountUsd: 1, period: 'day' });
      expect(spent.spentUsd, 'budget spend').to.be.closeTo(want, 1e-9);
      expect(spent.reservedUsd, 'the reservation is released').to.equal(0);

      const usage = await call(url, k.key, '/v1/usage', null);
      expect(usage.body.data).to.have.length(1);
      expect(usage.body.data[0]).to.include({ provider: c.provider, model: c.model, requests: 1, input_tokens: INPUT, output_tokens: OUTPUT, cached_tokens: c.cached, cache_write_tokens: c.written });
      expect(usage.body.data[0].cost_usd, 'ledger cost').to.be.closeTo(want, 1e-9);

      const after = await (await fetch(`${url}/metrics`)).text();
      const labels = { provider: c.provider, model: c.model };
      const delta = (family: string, extra: Record<string, string> = {}): number => metric(after, family, { ...labels, ...extra }) - metric(before, family, { ...labels, ...extra });
      expect(delta('tokenrouter_tokens_total', { direction: 'cached' }), 'cached tokens metric').to.equal(c.cached);
      expect(delta('tokenrouter_tokens_total', { direction: 'cache_write' }), 'cache-write tokens metric').to.equal(c.written);
      expect(delta('tokenrouter_tokens_total', { direction: 'input' }), 'input tokens metric').to.equal(INPUT);
      expect(delta('tokenrouter_cost_usd_total'), 'cost metric').to.be.closeTo(want, 1e-9);
    });
  }

  describe('prompt_cache_key', () => {
    let client: OpenAI;
    before(() => {
      client = new OpenAI({ apiKey: plainKey.key, baseURL: `${url}/v1`, maxRetries: 0 });
    });
    const lastCall = () => stack.sim.calls.at(-1)!;

    it('reaches OpenAI on the Responses wire', async () => {
      await client.responses.create({ model: 'openai/oa-cached', input: 'hello there', prompt_cache_key: 'tenant-42' });
      expect(lastCall().protocol).to.equal('openai-responses');
      expect(lastCall().body.prompt_cache_key).to.equal('tenant-42');
    });

    it('reaches OpenAI on the Chat wire, streamed too', async () => {
      await client.chat.completions.create({ model: 'openai/oa-cached', messages: [{ role: 'user', content: 'hi' }], prompt_cache_key: 'tenant-43' });
      expect(lastCall().protocol).to.equal('openai-chat');
      expect(lastCall().body.prompt_cache_key).to.equal('tenant-43');
      const s = await client.chat.completions.create({ model: 'openai/oa-cached', messages: [{ role: 'user', content: 'hi' }], prompt_cache_key: 'tenant-44', stream: true });
      for await (const _ of s) void _;
      expect(lastCall().body.prompt_cache_key).to.equal('tenant-44');
    });

    const conversation: OpenAI.Chat.ChatCompletionMessageParam[] = [
      { role: 'system', content: 'You are a careful assistant.' },
      { role: 'user', content: 'first question' },
      { role: 'assistant', content: 'first answer' },
      { role: 'user', content: 'second question' },
    ];
    const tools: OpenAI.Chat.ChatCompletionTool[] = [
      { type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } } },
      { type: 'function', function: { name: 'fetch_page', parameters: { type: 'object', properties: { url: { type: 'string' } } } } },
    ];
    const marks = (b: any): string[] => {
      const out: string[] = [];
      (b.tools ?? []).forEach((t: any, i: number) => t.cache_control && out.push(`tools[${i}]`));
      if (Array.isArray(b.system)) b.system.forEach((s: any, i: number) => s.cache_control && out.push(`system[${i}]`));
      b.messages.forEach((m: any, i: number) => Array.isArray(m.content) && m.content.forEach((p: any, j: number) => p.cache_control && out.push(`messages[${i}].content[${j}]`)));
      return out;
    };

    it('maps to Anthropic cache breakpoints on the stable prefix: last tool, system, the turn before the newest; the key itself is not sent', async () => {
      await client.chat.completions.create({ model: 'anthropic/cl-plain', messages: conversation, tools, tool_choice: 'none', prompt_cache_key: 'tenant-45' });
      const b = lastCall().body;
      expect(lastCall().protocol).to.equal('anthropic');
      expect(b).to.not.have.property('prompt_cache_key');
      expect(marks(b)).to.deep.equal(['tools[1]', 'system[0]', 'messages[1].content[0]']);
      expect(b.tools[1].cache_control).to.deep.equal({ type: 'ephemeral' });
      expect(b.system).to.deep.equal([{ type: 'text', text: 'You are a careful assistant.', cache_control: { type: 'ephemeral' } }]);
      expect(b.messages[1].role).to.equal('assistant');
    });

    it('Anthropic without prompt_cache_key and promptCaching off (the default): no breakpoints, system stays a string', async () => {
      await client.chat.completions.create({ model: 'anthropic/cl-plain', messages: conversation, tools, tool_choice: 'none' });
      const b = lastCall().body;
      expect(marks(b)).to.deep.equal([]);
      expect(b.system).to.equal('You are a careful assistant.');
    });

    it('Anthropic model with promptCaching: auto gets breakpoints on every request, never more than 4', async () => {
      await client.chat.completions.create({ model: 'anthropic/cl-auto', messages: conversation });
      const b = lastCall().body;
      expect(marks(b)).to.deep.equal(['system[0]', 'messages[1].content[0]']);
      // One-turn request: nothing earlier to mark.
      await client.chat.completions.create({ model: 'anthropic/cl-auto', messages: [{ role: 'user', content: 'only turn' }] });
      expect(marks(lastCall().body)).to.deep.equal([]);
    });

    it('Mistral and Gemini have no per-request key: not sent upstream, and the answer says so in x-tokenrouter-warnings', async () => {
      for (const model of ['mistral/mi-plain', 'gemini/gm-cached']) {
        const { data, response } = await client.chat.completions
          .create({ model, messages: [{ role: 'user', content: 'hi' }], prompt_cache_key: 'tenant-46' })
          .withResponse();
        expect(data.choices[0]!.message.content, model).to.be.a('string');
        expect(JSON.stringify(lastCall().body), model).to.not.include('tenant-46');
        const provider = model.split('/')[0];
        expect(decodeURIComponent(response.headers.get('x-tokenrouter-warnings') ?? ''), model).to.include(`prompt_cache_key not forwarded: provider "${provider}"`);
      }
      const r = await client.responses.create({ model: 'gemini/gm-cached', input: 'hi', prompt_cache_key: 'tenant-47' });
      const listed = JSON.parse(r.metadata?.warnings ?? '[]') as string[];
      expect(listed.join('\n'), 'Responses metadata carries the warning too (a JSON array)').to.include('prompt_cache_key not forwarded: provider "gemini"');
      const { response } = await client.chat.completions.create({ model: 'mistral/mi-plain', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
      expect(response.headers.get('x-tokenrouter-warnings'), 'no key, no warning').to.equal(null);
    });

    describe("the client's own cache_control marks", () => {
      // OpenAI's types have no cache_control: the body is what an app (or a LiteLLM/OpenRouter-style client) sends.
      const markedChat = {
        model: 'anthropic/cl-plain',
        messages: [
          { role: 'system', content: [{ type: 'text', text: 'A long, stable system prompt.', cache_control: { type: 'ephemeral', ttl: '1h' } }] },
          { role: 'user', content: [{ type: 'text', text: 'a long document' }, { type: 'text', text: 'the question' }], cache_control: { type: 'ephemeral' } },
        ],
        tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: {} } }, cache_control: { type: 'ephemeral' } }],
        tool_choice: 'none',
      };

      it('pass through to Anthropic on parts, messages (their last part) and tools, ttl kept; system becomes blocks to carry the mark', async () => {
        const a = await call(url, plainKey.key, '/v1/chat/completions', markedChat);
        expect(a.status, JSON.stringify(a.body)).to.equal(200);
        const b = lastCall().body;
        expect(marks(b)).to.deep.equal(['tools[0]', 'system[0]', 'messages[0].content[1]']);
        expect(b.system[0].cache_control).to.deep.equal({ type: 'ephemeral', ttl: '1h' });
        expect(b.messages[0].content[1].cache_control).to.deep.equal({ type: 'ephemeral' });
        expect(b.tools[0].cache_control).to.deep.equal({ type: 'ephemeral' });
        expect(a.headers.get('x-tokenrouter-warnings')).to.equal(null);
      });

      it('on the Responses wire too, and prompt_cache_key breakpoints add to them without passing four', async () => {
        const input = [
          { role: 'user', content: [{ type: 'input_text', text: 'first question', cache_control: { type: 'ephemeral' } }] },
          { role: 'assistant', content: 'first answer' },
          { role: 'user', content: 'second question' },
        ];
        const a = await call(url, plainKey.key, '/v1/responses', { model: 'anthropic/cl-plain', instructions: 'Be brief.', input, prompt_cache_key: 'tenant-48' });
        expect(a.status, JSON.stringify(a.body)).to.equal(200);
        const b = lastCall().body;
        // The client's mark on the first turn, then the router's on system and the turn before the newest.
        expect(marks(b)).to.deep.equal(['system[0]', 'messages[0].content[0]', 'messages[1].content[0]']);
      });

      it('a later turn by previous_response_id does not bring the earlier marks back', async () => {
        const first = await call(url, plainKey.key, '/v1/responses', {
          model: 'anthropic/cl-plain',
          input: [{ role: 'user', content: [{ type: 'input_text', text: 'remember this', cache_control: { type: 'ephemeral' } }] }],
        });
        expect(first.status).to.equal(200);
        const next = await call(url, plainKey.key, '/v1/responses', { model: 'anthropic/cl-plain', previous_response_id: first.body.id, input: 'and now?' });
        expect(next.status, JSON.stringify(next.body)).to.equal(200);
        expect(marks(lastCall().body)).to.deep.equal([]);
      });

      it('are not forwarded to providers that take none, and the answer says so', async () => {
        for (const model of ['openai/oa-cached', 'gemini/gm-cached', 'mistral/mi-plain']) {
          // Without the tool: the Gemini model here has no tools capability.
          const a = await call(url, plainKey.key, '/v1/chat/completions', { model, messages: markedChat.messages });
          expect(a.status, `${model}: ${JSON.stringify(a.body)}`).to.equal(200);
          expect(JSON.stringify(lastCall().body), model).to.not.include('cache_control');
          const provider = model.split('/')[0];
          expect(decodeURIComponent(a.headers.get('x-tokenrouter-warnings') ?? ''), model).to.include(`cache_control not forwarded: provider "${provider}"`);
        }
      });

      it('a malformed mark or more than four marks answer 400 naming the place, whatever the provider', async () => {
        const bad = await call(url, plainKey.key, '/v1/chat/completions', {
          model: 'openai/oa-cached',
          messages: [{ role: 'user', content: [{ type: 'text', text: 'hi', cache_control: { type: 'persistent' } }] }],
        });
        expect(bad.status).to.equal(400);
        expect(bad.body.error.param).to.equal('messages[0].content[0].cache_control');
        const ttl = await call(url, plainKey.key, '/v1/responses', { model: 'openai/oa-cached', input: [{ role: 'user', content: [{ type: 'input_text', text: 'hi', cache_control: { type: 'ephemeral', ttl: '2h' } }] }] });
        expect(ttl.status).to.equal(400);
        expect(ttl.body.error.param).to.equal('input[0].content[0].cache_control.ttl');
        const five = Array.from({ length: 5 }, (_, i) => ({ type: 'text', text: `part ${i}`, cache_control: { type: 'ephemeral' } }));
        const many = await call(url, plainKey.key, '/v1/chat/completions', { model: 'anthropic/cl-plain', messages: [{ role: 'user', content: five }] });
        expect(many.status).to.equal(400);
        expect(many.body.error.param).to.equal('cache_control');
        expect(many.body.error.message).to.include('at most 4');
      });
    });

    it('a non-string prompt_cache_key is refused with 400 naming the field', async () => {
      const a = await call(url, plainKey.key, '/v1/chat/completions', { model: 'openai/oa-cached', messages: [{ role: 'user', content: 'hi' }], prompt_cache_key: 42 });
      expect(a.status).to.equal(400);
      expect(a.body.error.param).to.equal('prompt_cache_key');
    });
  });
});
