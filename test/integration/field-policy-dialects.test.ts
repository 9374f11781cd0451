// Per-dialect field fates over HTTP, with the openai SDK as client (src/api/field-policy.ts byDialect).
// Before: `parallel_tool_calls: false` reached DeepSeek and was silently dropped (DeepSeek has no such
// switch); `seed` went to Mistral verbatim and Mistral's 422 extra_forbidden was relayed; so did
// `logit_bias`, and a streamed request's `stream_options`. Now a field a host's dialect refuses routes
// away from it (422 no_candidates naming the field when nothing is left), Mistral gets `random_seed`,
// and the Mistral simulator answers 422 to any field outside Mistral's schema, as the real host does.
import { expect } from 'chai';
import OpenAI from 'openai';
import { DEMO_PROVIDER_KEY, startDemoStack, type DemoStack } from '../../src/cli/demo-stack.js';

/** The demo stack with only these models in the catalog (providers stay; a provider with no model is never a candidate). */
async function stackWith(models: string[]): Promise<DemoStack> {
  const all: Record<string, string> = {
    'gpt-4o': "{ name: gpt-4o, provider: openai, pricing: { input: 2.5, output: 10 }, quality: 0.85, contextWindow: 128000, maxOutputTokens: 16384, capabilities: [tools, vision, json_schema, streaming] }",
    'mistral-large': '{ name: mistral-large, provider: mistral, pricing: { input: 2, output: 6 }, quality: 0.8, contextWindow: 131072, capabilities: [tools, json_schema, streaming] }',
    'deepseek-v3': '{ name: deepseek-v3, provider: deepseek, pricing: { input: 0.28, output: 0.42 }, quality: 0.82, contextWindow: 131072, maxOutputTokens: 8192, capabilities: [tools, streaming] }',
  };
  const modelsYaml = ['apiVersion: tokenrouter/v1', 'kind: Models', 'metadata:', '  name: dialect-test-models', 'spec:', '  models:', ...models.map((m) => `    - ${all[m]}`), ''].join('\n');
  const routingYaml = ['apiVersion: tokenrouter/v1', 'kind: RoutingRules', 'metadata:', '  name: dialect-test-routing', 'spec:', '  rules: []', ''].join('\n');
  return startDemoStack({ extraFiles: { 'models.yaml': modelsYaml, 'routing.yaml': routingYaml } });
}

const TOOLS: OpenAI.Chat.Completions.ChatCompletionTool[] = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
const MESSAGES: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: 'user', content: 'hello there' }];

function clientOf(stack: DemoStack): OpenAI {
  return new OpenAI({ baseURL: `${stack.router.url}/v1`, apiKey: 'unused', maxRetries: 0 });
}

async function failure(p: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'the request should have failed').to.be.instanceOf(OpenAI.APIError);
  return err as InstanceType<typeof OpenAI.APIError>;
}

describe('field policy per openai-compatible dialect over HTTP (openai SDK)', function () {
  this.timeout(30_000);
  let onlyDeepseek: DemoStack;
  let openaiDeepseek: DemoStack;
  let openaiMistral: DemoStack;

  before(async () => {
    [onlyDeepseek, openaiDeepseek, openaiMistral] = await Promise.all([stackWith(['deepseek-v3']), stackWith(['gpt-4o', 'deepseek-v3']), stackWith(['gpt-4o', 'mistral-large'])]);
  });
  after(async () => {
    await Promise.all([onlyDeepseek?.stop(), openaiDeepseek?.stop(), openaiMistral?.stop()]);
  });
  beforeEach(() => {
    for (const s of [onlyDeepseek, openaiDeepseek, openaiMistral]) s.sim.reset();
  });

  it('reasoning_effort on an OpenAI-compatible host: not sent (no host has the switch), and the answer says so', async () => {
    const { response } = await clientOf(onlyDeepseek).chat.completions.create({ model: 'auto', messages: MESSAGES, reasoning_effort: 'high' }).withResponse();
    expect(onlyDeepseek.sim.calls[0]!.body).to.not.have.property('reasoning_effort');
    expect(decodeURIComponent(response.headers.get('x-tokenrouter-warnings') ?? '')).to.include('reasoning effort not forwarded: provider "deepseek" (openai-compatible)');
    const plain = await clientOf(onlyDeepseek).chat.completions.create({ model: 'auto', messages: MESSAGES }).withResponse();
    expect(plain.response.headers.get('x-tokenrouter-warnings'), 'no effort, no warning').to.equal(null);
  });

  describe('DeepSeek has no parallel_tool_calls switch', () => {
    it('false with only DeepSeek available: 422 no_candidates naming the field and the dialect, nothing sent', async () => {
      const err = await failure(clientOf(onlyDeepseek).chat.completions.create({ model: 'auto', messages: MESSAGES, tools: TOOLS, parallel_tool_calls: false }));
      expect(err.status).to.equal(422);
      expect(err.code).to.equal('no_candidates');
      expect(err.message).to.contain('deepseek/deepseek-v3: parallel_tool_calls is not supported by openai-compatible:deepseek providers');
      expect(onlyDeepseek.sim.calls).to.have.length(0);
    });

    it('true (the default) still serves on DeepSeek', async () => {
      const { data, response } = await clientOf(onlyDeepseek).chat.completions.create({ model: 'auto', messages: MESSAGES, tools: TOOLS, parallel_tool_calls: true }).withResponse();
      expect(data.choices).to.have.length(1);
      expect(response.headers.get('x-tokenrouter-provider')).to.equal('deepseek');
    });

    it('false with DeepSeek and OpenAI available: routed to OpenAI, which receives the field (cost mode would pick DeepSeek otherwise)', async () => {
      const client = clientOf(openaiDeepseek);
      const control = await client.chat.completions.create({ model: 'auto:cost', messages: MESSAGES, tools: TOOLS }).withResponse();
      expect(control.response.headers.get('x-tokenrouter-provider')).to.equal('deepseek');
      openaiDeepseek.sim.reset();

      const { response } = await client.chat.completions.create({ model: 'auto:cost', messages: MESSAGES, tools: TOOLS, parallel_tool_calls: false }).withResponse();
      expect(response.headers.get('x-tokenrouter-provider')).to.equal('openai');
      expect(openaiDeepseek.sim.calls.map((c) => c.provider)).to.deep.equal(['openai']);
      expect(openaiDeepseek.sim.calls[0]!.body.parallel_tool_calls).to.equal(false);
    });
  });

  describe('Mistral takes only the fields of its own schema', () => {
    it('seed reaches the Mistral simulator as random_seed (and not as seed, which it answers 422 to)', async () => {
      const { data, response } = await clientOf(openaiMistral).chat.completions.create({ model: 'mistral/mistral-large', messages: MESSAGES, seed: 42, frequency_penalty: 0.5 }).withResponse();
      expect(response.headers.get('x-tokenrouter-provider')).to.equal('mistral');
      expect(data.choices[0]!.message.content).to.be.a('string');
      const body = openaiMistral.sim.calls[0]!.body;
      expect(body).to.include({ random_seed: 42, frequency_penalty: 0.5 });
      expect(body).to.not.have.property('seed');
    });

    it('a streamed request to Mistral completes with usage (no stream_options, which Mistral refuses)', async () => {
      const stream = await clientOf(openaiMistral).chat.completions.create({ model: 'mistral/mistral-large', messages: MESSAGES, stream: true, stream_options: { include_usage: true } });
      let text = '';
      let usage: OpenAI.CompletionUsage | null | undefined;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? '';
        if (chunk.usage) usage = chunk.usage;
      }
      expect(text).to.not.equal('');
      expect(usage?.completion_tokens).to.be.greaterThan(0);
      expect(openaiMistral.sim.calls[0]!.body).to.not.have.property('stream_options');
    });

    it('logit_bias (which Mistral does not take) routes away from Mistral instead of relaying its 422', async () => {
      const client = clientOf(openaiMistral);
      const control = await client.chat.completions.create({ model: 'auto:cost', messages: MESSAGES }).withResponse();
      expect(control.response.headers.get('x-tokenrouter-provider')).to.equal('mistral');
      openaiMistral.sim.reset();

      const { response } = await client.chat.completions.create({ model: 'auto:cost', messages: MESSAGES, logit_bias: { '50256': -100 } }).withResponse();
      expect(response.headers.get('x-tokenrouter-provider')).to.equal('openai');
      expect(openaiMistral.sim.calls.map((c) => c.provider)).to.deep.equal(['openai']);
      expect(openaiMistral.sim.calls[0]!.body.logit_bias).to.deep.equal({ '50256': -100 });
    });

    it('logit_bias pinned to Mistral: the router answers 422 no_candidates naming the field; Mistral is never called', async () => {
      const err = await failure(clientOf(openaiMistral).chat.completions.create({ model: 'mistral/mistral-large', messages: MESSAGES, logit_bias: { '50256': -100 } }));
      expect(err.status).to.equal(422);
      expect(err.code).to.equal('no_candidates');
      expect(err.message).to.contain('logit_bias is not supported by openai-compatible:mistral providers');
      expect(openaiMistral.sim.calls).to.have.length(0);
    });

    it('the Mistral simulator itself answers 422 extra_forbidden to such a field, as Mistral does (so a leak would fail these tests)', async () => {
      const res = await fetch(`${openaiMistral.sim.url}/mistral/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${DEMO_PROVIDER_KEY}` },
        body: JSON.stringify({ model: 'mistral-large', messages: MESSAGES, logit_bias: { '1': 1 }, seed: 1 }),
      });
      expect(res.status).to.equal(422);
      const json = (await res.json()) as { detail: { type: string; loc: string[] }[] };
      expect(json.detail.map((d) => [d.type, d.loc.join('.')])).to.deep.equal([
        ['extra_forbidden', 'body.logit_bias'],
        ['extra_forbidden', 'body.seed'],
      ]);
    });
  });
});
