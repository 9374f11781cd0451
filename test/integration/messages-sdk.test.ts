// POST /v1/messages with the official Anthropic SDK (`@anthropic-ai/sdk`) as the client, against the
// simulator of every provider type (issue 18): messages.create, messages.stream() with the raw event
// order, a tool-use round trip, images, stop sequences; Anthropic upstream only: extended thinking
// with the signature handed back on the next turn, redacted_thinking, cache_control and the client's
// anthropic-beta reaching the upstream verbatim; the SDK's typed errors (401, 403, 404, 429 with
// retry-after, 529) and a mid-stream failure as an `error` event; decision headers, the
// `api="messages"` metric, and the prompt and response firewall on Messages traffic.
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import Anthropic from '@anthropic-ai/sdk';
import { startDemoStack, type DemoStack } from '../../src/cli/demo-stack.js';
import { REDACTED_THINKING_TRIGGER, validRedactedData, validThinkingSignature } from '../../src/simulator/reasoning.js';
import type { RecordedCall } from '../../src/simulator/types.js';
import { assertEventOrder, parseSse } from '../helpers/messages-sse.js';

interface Target {
  provider: string;
  model: string;
  protocol: RecordedCall['protocol'];
  /** The catalog model can read images (demo/policies/models.yaml). */
  vision: boolean;
  /** The provider's wire has stop sequences (the Responses wire does not: routing excludes it). */
  stop: boolean;
}

const TARGETS: Target[] = [
  { provider: 'anthropic', model: 'anthropic/claude-sonnet-4-5', protocol: 'anthropic', vision: true, stop: true },
  { provider: 'openai', model: 'openai/gpt-4o', protocol: 'openai-responses', vision: true, stop: false },
  { provider: 'gemini', model: 'gemini/gemini-2.5-flash', protocol: 'gemini', vision: true, stop: true },
  { provider: 'mistral', model: 'mistral/mistral-large', protocol: 'openai-chat', vision: false, stop: true },
  { provider: 'deepseek', model: 'deepseek/deepseek-v3', protocol: 'openai-chat', vision: false, stop: true },
  { provider: 'llama', model: 'llama/llama-4-maverick', protocol: 'openai-chat', vision: true, stop: true },
];

// Client keys are names, not secrets: only their SHA-256 is in the policy.
const MAIN_KEY = 'messages-sdk-main';
const RPM_KEY = 'messages-sdk-rpm-one';
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
const KEYS = `apiVersion: tokenrouter/v1
kind: ApiKeys
metadata: { name: messages-sdk-keys }
spec:
  keys:
    - { name: sdk-main, sha256: "${sha(MAIN_KEY)}" }
    - { name: sdk-rpm-one, sha256: "${sha(RPM_KEY)}", rpm: 1 }
`;

// Demo firewall: card numbers blocked and e-mails masked in prompts; plus a response mask.
const FIREWALL = `apiVersion: tokenrouter/v1
kind: FirewallRules
metadata: { name: messages-sdk-firewall }
spec:
  rules:
    - { name: mask-alpha-bravo, priority: 50, scope: response, type: substring, pattern: "alpha bravo", action: mask, replacement: "[AB]" }
`;

// One model per provider whose simulator answer breaks with the provider's in-band error after 8
// stream events (the -inband convention, src/simulator/script.ts): text has begun by then.
const MIDFAIL = `apiVersion: tokenrouter/v1
kind: Models
metadata: { name: messages-sdk-midfail }
spec:
  models:
${TARGETS.map((t) => `    - { name: midfail-${t.provider}, provider: ${t.provider}, upstreamModel: midfail-inband8, pricing: { input: 1, output: 1 }, quality: 0.5, contextWindow: 100000, capabilities: [tools, streaming] }`).join('\n')}
`;

const WEATHER_TOOL = {
  name: 'get_weather',
  description: 'Current weather for a city',
  input_schema: { type: 'object' as const, properties: { city: { type: 'string', enum: ['Paris'] } }, required: ['city'] },
};

// A 1x1 PNG.
const PIXEL = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

type RawEvent = Anthropic.RawMessageStreamEvent;

/** The stop sequences the upstream received, in its own wire's field. */
function upstreamStop(call: RecordedCall): unknown {
  return call.body.stop_sequences ?? call.body.generationConfig?.stopSequences ?? call.body.stop;
}

function textOf(message: Anthropic.Message): string {
  return message.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
}

describe('Messages front door: @anthropic-ai/sdk → router → every provider type', function () {
  this.timeout(60_000);
  let stack: DemoStack;
  let client: Anthropic;
  const providerCalls = (p: string): RecordedCall[] => stack.sim.calls.filter((c) => c.provider === p);

  before(async () => {
    stack = await startDemoStack({ extraFiles: { 'keys.yaml': KEYS, 'firewall-sdk.yaml': FIREWALL, 'midfail.yaml': MIDFAIL } });
    client = new Anthropic({ baseURL: stack.router.url, apiKey: MAIN_KEY, maxRetries: 0 });
  });
  after(async () => {
    await stack?.stop();
  });
  beforeEach(() => stack.sim.reset());

  for (const t of TARGETS) {
    describe(`served by ${t.provider} (${t.protocol})`, () => {
      it('messages.create: text with a system string, decision headers, usage', async () => {
        const { data, response } = await client.messages
          .create({ model: t.model, max_tokens: 200, system: 'You are terse.', messages: [{ role: 'user', content: 'Say hello' }] })
          .withResponse();
        expect(data.type).to.equal('message');
        expect(data.role).to.equal('assistant');
        expect(data.id).to.match(/^msg_/);
        expect(data.stop_reason).to.equal('end_turn');
        expect(data.stop_sequence).to.equal(null);
        expect(textOf(data)).to.match(/^Hello from /).and.include('Say hello');
        expect(data.usage.input_tokens).to.be.greaterThan(0);
        expect(data.usage.output_tokens).to.be.greaterThan(0);
        expect(response.headers.get('x-tokenrouter-provider')).to.equal(t.provider);
        expect(response.headers.get('x-tokenrouter-model')).to.equal(t.model.split('/')[1]);
        expect(response.headers.get('x-tokenrouter-request-id')).to.match(/^req_/);
        const calls = providerCalls(t.provider);
        expect(calls).to.have.length(1);
        expect(calls[0]!.protocol).to.equal(t.protocol);
        expect(JSON.stringify(calls[0]!.body)).to.include('You are terse.');
        expect(JSON.stringify(calls[0]!.headers), 'the client key never reaches a provider').to.not.include(MAIN_KEY);
      });

      it('messages.create: system as blocks reaches the provider, in order', async () => {
        const msg = await client.messages.create({
          model: t.model,
          max_tokens: 200,
          system: [
            { type: 'text', text: 'First rule: be brief.' },
            { type: 'text', text: 'Second rule: be kind.' },
          ],
          messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi there' }] }],
        });
        expect(textOf(msg)).to.include('Hi there');
        const sent = JSON.stringify(providerCalls(t.provider)[0]!.body);
        expect(sent.indexOf('First rule: be brief.')).to.be.within(0, sent.indexOf('Second rule: be kind.'));
      });

      it('messages.stream(): raw event order, finalMessage() equals the streamed text', async () => {
        const stream = client.messages.stream({ model: t.model, max_tokens: 200, messages: [{ role: 'user', content: 'Stream me a greeting' }] });
        const events: RawEvent[] = [];
        let text = '';
        stream.on('streamEvent', (e) => void events.push(e));
        stream.on('text', (d) => void (text += d));
        const final = await stream.finalMessage();
        assertEventOrder(events);
        expect(text).to.match(/^Hello from /).and.include('Stream me a greeting');
        expect(textOf(final)).to.equal(text);
        expect(final.stop_reason).to.equal('end_turn');
        expect(final.usage.output_tokens).to.be.greaterThan(0);
        expect(providerCalls(t.provider)[0]!.stream).to.equal(true);
      });

      it('tool use round trip: tool_use → tool_result → final text (streamed first turn)', async () => {
        const first = await client.messages
          .stream({ model: t.model, max_tokens: 300, tools: [WEATHER_TOOL], messages: [{ role: 'user', content: 'Weather in Paris?' }] })
          .finalMessage();
        expect(first.stop_reason).to.equal('tool_use');
        const use = first.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
        expect(use, JSON.stringify(first.content)).to.not.equal(undefined);
        expect(use!.name).to.equal('get_weather');
        expect(use!.input).to.deep.equal({ city: 'Paris' });
        expect(use!.id).to.match(/^[a-zA-Z0-9_-]+$/);

        const second = await client.messages.create({
          model: t.model,
          max_tokens: 300,
          tools: [WEATHER_TOOL],
          messages: [
            { role: 'user', content: 'Weather in Paris?' },
            { role: 'assistant', content: first.content },
            { role: 'user', content: [{ type: 'tool_result', tool_use_id: use!.id, content: 'Sunny, 21 C' }] },
          ],
        });
        expect(second.stop_reason).to.equal('end_turn');
        expect(textOf(second)).to.equal('Tool result received: Sunny, 21 C');
        expect(providerCalls(t.provider)).to.have.length(2);
      });

      if (t.vision) {
        it('an image (base64) reaches a vision model', async () => {
          const msg = await client.messages.create({
            model: t.model,
            max_tokens: 200,
            messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PIXEL } }, { type: 'text', text: 'What is this?' }] }],
          });
          expect(textOf(msg)).to.include('I see 1 image(s).');
          expect(JSON.stringify(providerCalls(t.provider)[0]!.body)).to.include(PIXEL);
        });
      } else {
        it('an image is refused for a model without vision (routing excludes it), nothing sent', async () => {
          const err = await client.messages
            .create({ model: t.model, max_tokens: 200, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PIXEL } }, { type: 'text', text: 'What?' }] }] })
            .then(() => undefined, (e: unknown) => e);
          expect(err, 'Anthropic answers 400, never 422').to.be.instanceOf(Anthropic.BadRequestError);
          expect((err as any).error.error.type).to.equal('invalid_request_error');
          expect((err as InstanceType<typeof Anthropic.APIError>).message).to.match(/vision/);
          expect(providerCalls(t.provider)).to.have.length(0);
        });
      }

      if (t.stop) {
        it('stop_sequences reach the provider in its own field', async () => {
          await client.messages.create({ model: t.model, max_tokens: 200, stop_sequences: ['HALT', 'DONE'], messages: [{ role: 'user', content: 'Count up' }] });
          expect(upstreamStop(providerCalls(t.provider)[0]!)).to.deep.equal(['HALT', 'DONE']);
        });
      } else {
        it('stop_sequences are refused where the wire has none (no silent drop), nothing sent', async () => {
          const err = await client.messages
            .create({ model: t.model, max_tokens: 200, stop_sequences: ['HALT'], messages: [{ role: 'user', content: 'Count up' }] })
            .then(() => undefined, (e: unknown) => e);
          expect(err, 'Anthropic answers 400, never 422').to.be.instanceOf(Anthropic.BadRequestError);
          expect((err as any).error.error.type).to.equal('invalid_request_error');
          expect((err as InstanceType<typeof Anthropic.APIError>).message).to.include('stop_sequences');
          expect(providerCalls(t.provider)).to.have.length(0);
        });
      }

      it('a failure after the stream began is an `error` event, never message_stop; the SDK throws', async () => {
        const res = await fetch(`${stack.router.url}/v1/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': MAIN_KEY, 'anthropic-version': '2023-06-01' },
          body: JSON.stringify({ model: `midfail-${t.provider}`, max_tokens: 300, stream: true, messages: [{ role: 'user', content: 'Tell me a long story about rivers and mountains' }] }),
        });
        expect(res.status).to.equal(200);
        const events = parseSse(await res.text());
        const names = events.map((e) => e.event);
        expect(names[0]).to.equal('message_start');
        expect(names, names.join(' ')).to.include('content_block_delta');
        expect(names.at(-1), names.join(' ')).to.equal('error');
        expect(names).to.not.include('message_stop');
        expect(names).to.not.include('message_delta');
        const err = events.at(-1)!.data;
        expect(err.type).to.equal('error');
        // Anthropic's own overloaded_error passes through as Anthropic sent it; other providers' server errors are api_error.
        expect(err.error.type).to.equal(t.provider === 'anthropic' ? 'overloaded_error' : 'api_error');

        const sdkErr = await client.messages
          .stream({ model: `midfail-${t.provider}`, max_tokens: 300, messages: [{ role: 'user', content: 'Tell me a long story about rivers and mountains' }] })
          .finalMessage()
          .then(() => undefined, (e: unknown) => e);
        expect(sdkErr, 'the SDK raises on the error event').to.be.instanceOf(Anthropic.APIError);
        expect((sdkErr as any).error).to.deep.equal(err);
      });
    });
  }

  describe('Anthropic upstream: lossless', () => {
    const MODEL = 'anthropic/claude-sonnet-4-5';

    it('extended thinking: thinking block with a valid signature, handed back on the tool loop and received verbatim', async () => {
      const thinking = { type: 'enabled' as const, budget_tokens: 1024 };
      const first = await client.messages.create({ model: MODEL, max_tokens: 2048, thinking, tools: [WEATHER_TOOL], messages: [{ role: 'user', content: 'Weather in Paris?' }] });
      expect(first.content.map((b) => b.type)).to.deep.equal(['thinking', 'tool_use']);
      const block = first.content[0] as Anthropic.ThinkingBlock;
      expect(validThinkingSignature(block.thinking, block.signature), 'the simulator-issued signature, unchanged').to.equal(true);
      expect(providerCalls('anthropic')[0]!.body.thinking).to.deep.equal(thinking);

      const use = first.content[1] as Anthropic.ToolUseBlock;
      const second = await client.messages.create({
        model: MODEL,
        max_tokens: 2048,
        thinking,
        tools: [WEATHER_TOOL],
        messages: [
          { role: 'user', content: 'Weather in Paris?' },
          { role: 'assistant', content: first.content },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'Sunny' }] },
        ],
      });
      expect(textOf(second)).to.equal('Tool result received: Sunny');
      const sent = providerCalls('anthropic')[1]!.body;
      expect(sent.thinking).to.deep.equal(thinking);
      expect(sent.messages[1].content[0]).to.deep.equal({ type: 'thinking', thinking: block.thinking, signature: block.signature });
    });

    it('extended thinking streamed: thinking_delta then signature_delta; finalMessage() keeps the signature', async () => {
      const stream = client.messages.stream({ model: MODEL, max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: [{ role: 'user', content: 'Think first' }] });
      const events: RawEvent[] = [];
      stream.on('streamEvent', (e) => void events.push(e));
      const final = await stream.finalMessage();
      assertEventOrder(events);
      const deltas = events.filter((e): e is Anthropic.RawContentBlockDeltaEvent => e.type === 'content_block_delta' && e.index === 0).map((e) => e.delta.type);
      expect(deltas.at(-1)).to.equal('signature_delta');
      expect(deltas.slice(0, -1)).to.satisfy((d: string[]) => d.length > 0 && d.every((x) => x === 'thinking_delta'));
      expect(final.content.map((b) => b.type)).to.deep.equal(['thinking', 'text']);
      const block = final.content[0] as Anthropic.ThinkingBlock;
      expect(validThinkingSignature(block.thinking, block.signature)).to.equal(true);
    });

    it('redacted_thinking (streamed) comes back whole and returns to Anthropic verbatim', async () => {
      const thinking = { type: 'enabled' as const, budget_tokens: 1024 };
      const prompt = `${REDACTED_THINKING_TRIGGER}_46C9A13E193C177646C7398A98432ECCCE4C1253D5E2D82641AC0E52CC2876CB`;
      const stream = client.messages.stream({ model: MODEL, max_tokens: 2048, thinking, messages: [{ role: 'user', content: prompt }] });
      const events: RawEvent[] = [];
      stream.on('streamEvent', (e) => void events.push(e));
      const first = await stream.finalMessage();
      assertEventOrder(events);
      expect(first.content.map((b) => b.type)).to.deep.equal(['thinking', 'redacted_thinking', 'text']);
      const redacted = first.content.find((b): b is Anthropic.RedactedThinkingBlock => b.type === 'redacted_thinking');
      expect(redacted, JSON.stringify(first.content)).to.not.equal(undefined);
      expect(validRedactedData(redacted!.data)).to.equal(true);

      await client.messages.create({
        model: MODEL,
        max_tokens: 2048,
        thinking,
        messages: [
          { role: 'user', content: prompt },
          { role: 'assistant', content: first.content },
          { role: 'user', content: 'And now?' },
        ],
      });
      const sent = providerCalls('anthropic')[1]!.body.messages[1].content;
      expect(sent).to.deep.include({ type: 'redacted_thinking', data: redacted!.data });
    });

    it('cache_control on system blocks and tools, metadata.user_id, anthropic-version and anthropic-beta reach the simulator as sent', async () => {
      const system = [
        { type: 'text' as const, text: 'Long stable preamble.', cache_control: { type: 'ephemeral' as const } },
        { type: 'text' as const, text: 'Per-session notes.', cache_control: { type: 'ephemeral' as const, ttl: '1h' as const } },
      ];
      const tools = [
        { name: 'read_file', description: 'Read a file', input_schema: { type: 'object' as const, properties: { path: { type: 'string' } }, required: ['path'] } },
        { ...WEATHER_TOOL, cache_control: { type: 'ephemeral' as const } },
      ];
      const betas = 'prompt-caching-2024-07-31,extended-cache-ttl-2025-04-11';
      await client.messages.create(
        { model: MODEL, max_tokens: 200, system, tools, tool_choice: { type: 'none' }, metadata: { user_id: 'user-42' }, messages: [{ role: 'user', content: 'Hello' }] },
        { headers: { 'anthropic-beta': betas, 'anthropic-version': '2023-06-01' } },
      );
      const call = providerCalls('anthropic')[0]!;
      expect(call.body.system).to.deep.equal(system);
      expect(call.body.tools).to.deep.equal(tools);
      expect(call.body.metadata).to.deep.equal({ user_id: 'user-42' });
      expect(call.headers['anthropic-beta']).to.equal(betas);
      expect(call.headers['anthropic-version']).to.equal('2023-06-01');
    });

    it('client.beta.messages (?beta=true, betas → anthropic-beta) is served the same way', async () => {
      const msg = await client.beta.messages.create({ model: MODEL, max_tokens: 200, betas: ['token-efficient-tools-2025-02-19'], messages: [{ role: 'user', content: 'Hello beta' }] });
      expect(msg.content[0]).to.include({ type: 'text' });
      expect(providerCalls('anthropic')[0]!.headers['anthropic-beta']).to.equal('token-efficient-tools-2025-02-19');
    });

    it('Bearer auth (authToken, as Claude Code with an auth token sends it) is accepted', async () => {
      const bearer = new Anthropic({ baseURL: stack.router.url, apiKey: null, authToken: MAIN_KEY, maxRetries: 0 });
      const msg = await bearer.messages.create({ model: MODEL, max_tokens: 200, messages: [{ role: 'user', content: 'Hello bearer' }] });
      expect(textOf(msg)).to.include('Hello bearer');
    });
  });

  describe('typed errors from the SDK', () => {
    const body = { model: 'anthropic/claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user' as const, content: 'Hello' }] };
    const fail = (p: Promise<unknown>): Promise<any> => p.then(() => expect.fail('expected an error'), (e: unknown) => e);

    it('401 AuthenticationError for an unknown key, nothing sent upstream', async () => {
      const wrong = new Anthropic({ baseURL: stack.router.url, apiKey: 'messages-sdk-not-a-key', maxRetries: 0 });
      const err = await fail(wrong.messages.create(body));
      expect(err).to.be.instanceOf(Anthropic.AuthenticationError);
      expect(err.status).to.equal(401);
      expect(err.error).to.deep.include({ type: 'error' });
      expect(err.error.error.type).to.equal('authentication_error');
      expect(stack.sim.calls).to.have.length(0);
    });

    it('403 PermissionDeniedError for a firewall block', async () => {
      const err = await fail(client.messages.create({ ...body, messages: [{ role: 'user', content: 'charge 4111 1111 1111 1111' }] }));
      expect(err).to.be.instanceOf(Anthropic.PermissionDeniedError);
      expect(err.error.error.type).to.equal('permission_error');
      expect(err.message).to.include('block-credit-cards');
      expect(stack.sim.calls).to.have.length(0);
    });

    it('404 NotFoundError (not_found_error) for a model the router does not know', async () => {
      const err = await fail(client.messages.create({ ...body, model: 'claude-does-not-exist' }));
      expect(err).to.be.instanceOf(Anthropic.NotFoundError);
      expect(err.error.error.type).to.equal('not_found_error');
      expect(err.message).to.include('claude-does-not-exist');
    });

    it('400 BadRequestError (invalid_request_error) for a malformed body', async () => {
      const err = await fail(client.messages.create({ ...body, max_tokens: undefined as unknown as number }));
      expect(err).to.be.instanceOf(Anthropic.BadRequestError);
      expect(err.error.error.type).to.equal('invalid_request_error');
    });

    it('429 RateLimitError with retry-after once the key is over its rpm', async () => {
      const limited = new Anthropic({ baseURL: stack.router.url, apiKey: RPM_KEY, maxRetries: 0 });
      await limited.messages.create(body);
      const err = await fail(limited.messages.create(body));
      expect(err).to.be.instanceOf(Anthropic.RateLimitError);
      expect(err.error.error.type).to.equal('rate_limit_error');
      expect(Number(err.headers.get('retry-after'))).to.be.within(1, 60);
      expect(providerCalls('anthropic')).to.have.length(1);
    });
  });

  describe('one pipeline: metrics and the firewall', () => {
    it('requests are counted with api="messages"', async () => {
      const scrape = async (): Promise<number> => {
        const text = await (await fetch(`${stack.router.url}/metrics`)).text();
        return text
          .split('\n')
          .filter((l) => l.startsWith('tokenrouter_requests_total{') && l.includes('api="messages"'))
          .reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
      };
      const before = await scrape();
      await client.messages.create({ model: 'gemini/gemini-2.5-flash', max_tokens: 100, messages: [{ role: 'user', content: 'Count me' }] });
      expect(await scrape()).to.equal(before + 1);
    });

    it('the prompt firewall masks a Messages prompt before it reaches the provider', async () => {
      const msg = await client.messages.create({ model: 'openai/gpt-4o', max_tokens: 100, messages: [{ role: 'user', content: 'mail jane@example.org today' }] });
      expect(textOf(msg)).to.include('You said: mail [EMAIL] today');
      const sent = JSON.stringify(providerCalls('openai')[0]!.body);
      expect(sent).to.not.include('jane@example.org');
      expect(sent).to.include('[EMAIL]');
    });

    it('the response firewall masks a Messages stream, across deltas', async () => {
      const stream = client.messages.stream({ model: 'anthropic/claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'say alpha bravo charlie' }] });
      let text = '';
      stream.on('text', (d) => void (text += d));
      const final = await stream.finalMessage();
      expect(text).to.include('You said: say [AB] charlie').and.not.include('alpha bravo');
      expect(textOf(final)).to.equal(text);
    });
  });
});

// Every provider answers 503 (Anthropic's simulator sends its 529 overloaded_error): after failover
// has tried them all, the client gets Anthropic's 529, which the SDK raises as OverloadedError.
describe('Messages front door: every provider overloaded', function () {
  this.timeout(60_000);
  let stack: DemoStack;
  before(async () => {
    stack = await startDemoStack({ script: { default: { fail: { status: 503 } } } });
  });
  after(async () => {
    await stack?.stop();
  });

  it('529 OverloadedError (overloaded_error) when no fallback is left', async () => {
    const client = new Anthropic({ baseURL: stack.router.url, apiKey: 'any-caller', maxRetries: 0 });
    const err = await client.messages.create({ model: 'auto', max_tokens: 100, messages: [{ role: 'user', content: 'Hello' }] }).then(
      () => expect.fail('expected an error'),
      (e: any) => e,
    );
    expect(err).to.be.instanceOf(Anthropic.OverloadedError);
    expect(err.status).to.equal(529);
    expect(err.error.error.type).to.equal('overloaded_error');
    expect(new Set(stack.sim.calls.map((c) => c.provider)).size, 'failover tried more than one provider').to.be.greaterThan(1);
  });
});
