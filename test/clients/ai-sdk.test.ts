// The Vercel AI SDK (`ai` 6 + `@ai-sdk/openai` 3) as the client, through both of its OpenAI
// model factories — `.responses()` (Responses API, multi-turn by item_reference) and `.chat()`
// (Chat Completions) — against the router in front of every provider type's simulator.
// Each scenario asserts what the SDK handed back and what the simulator actually received.
import { expect } from 'chai';
import { generateObject, generateText, stepCountIs, streamText, tool, type LanguageModel, type ModelMessage } from 'ai';
import { createOpenAI } from '@ai-sdk/openai';
import { z } from 'zod';
import { startDemoStack, type DemoStack } from '../../src/cli/demo-stack.js';
import { CLIENT_TARGETS, GREETING, callsTo, expectNoJsonSchemaRefusal, upstreamReasoning } from './targets.js';

const APIS = ['responses', 'chat'] as const;

const City = z.object({ city: z.string() });
const Weather = z.object({ city: z.string(), temperatureC: z.number(), sunny: z.boolean() });

describe('client SDKs: AI SDK (ai + @ai-sdk/openai) → router → every provider type', function () {
  this.timeout(30_000);
  let stack: DemoStack;
  let provider: ReturnType<typeof createOpenAI>;
  /** Bodies the SDK sent to the router, to check the request shape it chose. */
  const sent: Array<Record<string, any>> = [];
  const recordingFetch: typeof fetch = async (input, init) => {
    if (typeof init?.body === 'string') sent.push(JSON.parse(init.body) as Record<string, any>);
    return fetch(input, init);
  };

  before(async () => {
    stack = await startDemoStack();
    provider = createOpenAI({ baseURL: `${stack.router.url}/v1`, apiKey: 'caller-key', fetch: recordingFetch });
  });
  after(async () => {
    await stack?.stop();
  });
  beforeEach(() => {
    stack.sim.reset();
    sent.length = 0;
  });

  for (const api of APIS) {
    for (const t of CLIENT_TARGETS) {
      describe(`.${api}() → ${t.label}`, () => {
        const model = (): LanguageModel => (api === 'responses' ? provider.responses(t.model) : provider.chat(t.model));

        it('generateText: the simulator answer, served by the right provider', async () => {
          const r = await generateText({ model: model(), prompt: 'Say hello', maxRetries: 0 });
          expect(r.text).to.match(GREETING);
          expect(r.text).to.include('Say hello');
          expect(r.finishReason).to.equal('stop');
          expect(r.usage.inputTokens).to.be.greaterThan(0);
          expect(callsTo(stack.sim.calls, t)).to.have.length(1);
        });

        it('streamText: deltas add up to the simulator answer', async () => {
          const r = streamText({ model: model(), prompt: 'Stream a greeting', maxRetries: 0 });
          const parts: string[] = [];
          for await (const d of r.textStream) parts.push(d);
          const text = await r.text;
          expect(parts.join('')).to.equal(text);
          expect(text).to.match(GREETING);
          expect(text).to.include('Stream a greeting');
          expect(await r.finishReason).to.equal('stop');
          expect(callsTo(stack.sim.calls, t)[0]!.stream).to.equal(true);
        });

        it('multi-turn with response.messages: the second call carries the first turn upstream', async () => {
          const first = await generateText({ model: model(), prompt: 'First turn marker-alpha', maxRetries: 0 });
          expect(first.text).to.match(GREETING);
          const messages: ModelMessage[] = [
            { role: 'user', content: 'First turn marker-alpha' },
            ...first.response.messages,
            { role: 'user', content: 'Second turn marker-beta' },
          ];
          const second = await generateText({ model: model(), messages, maxRetries: 0 });
          expect(second.text).to.match(GREETING);
          expect(second.text).to.include('Second turn marker-beta');
          const calls = callsTo(stack.sim.calls, t);
          expect(calls).to.have.length(2);
          // the provider saw the earlier user turn and the assistant's earlier answer
          const upstream = JSON.stringify(calls[1]!.body);
          expect(upstream).to.include('marker-alpha');
          expect(upstream).to.include(first.text.slice(0, 40));
          expect(upstream).to.include('marker-beta');
          // the Responses model refers to its stored earlier output by id; the router resolved it
          if (api === 'responses') expect(JSON.stringify(sent[1]!.input)).to.include('"item_reference"');
        });

        it('multi-step tool loop with reasoning effort: tool called with schema-valid args, loop reaches a final answer', async () => {
          const seen: unknown[] = [];
          const r = await generateText({
            model: model(),
            prompt: 'What is the weather in Paris?',
            tools: {
              get_weather: tool({
                description: 'Current weather for a city',
                inputSchema: City,
                execute: async (input) => {
                  seen.push(input);
                  return { city: input.city, temperatureC: 21, sky: 'clear' };
                },
              }),
            },
            stopWhen: stepCountIs(4),
            providerOptions: { openai: { reasoningEffort: 'low', reasoningSummary: 'auto', forceReasoning: true } },
            maxRetries: 0,
          });
          expect(seen).to.have.length(1);
          expect(City.safeParse(seen[0]).success, JSON.stringify(seen[0])).to.equal(true);
          expect(r.steps).to.have.length(2);
          expect(r.steps[0]!.toolCalls.map((c) => c.toolName)).to.deep.equal(['get_weather']);
          expect(r.steps[0]!.finishReason).to.equal('tool-calls');
          expect(r.finishReason).to.equal('stop');
          expect(r.text).to.match(/^Tool result received: /);
          expect(r.text).to.include('clear');
          const calls = callsTo(stack.sim.calls, t);
          expect(calls).to.have.length(2);
          expect(JSON.stringify(calls[1]!.body)).to.include('clear');
          // the effort reached the provider in its own dialect, where the catalog lists reasoning
          expect(upstreamReasoning(t.provider, calls[0]!.body)).to.equal(t.reasoning);
        });

        it('streamText multi-step tool loop: streamed tool call, tool output, streamed final answer', async () => {
          const seen: unknown[] = [];
          const r = streamText({
            model: model(),
            prompt: 'What is the weather in Rome?',
            tools: {
              get_weather: tool({
                description: 'Current weather for a city',
                inputSchema: City,
                execute: async (input) => {
                  seen.push(input);
                  return { city: input.city, temperatureC: 25, sky: 'sunny' };
                },
              }),
            },
            stopWhen: stepCountIs(4),
            maxRetries: 0,
          });
          let text = '';
          for await (const d of r.textStream) text += d;
          const steps = await r.steps;
          expect(seen).to.have.length(1);
          expect(City.safeParse(seen[0]).success, JSON.stringify(seen[0])).to.equal(true);
          expect(steps).to.have.length(2);
          expect(steps[0]!.toolCalls.map((c) => c.toolName)).to.deep.equal(['get_weather']);
          expect(text).to.match(/^Tool result received: /);
          expect(text).to.include('sunny');
          const calls = callsTo(stack.sim.calls, t);
          expect(calls.map((c) => c.stream)).to.deep.equal([true, true]);
        });

        it('generateObject: an object valid against its zod schema', async () => {
          const call = () => generateObject({ model: model(), schema: Weather, prompt: 'Weather in Oslo as JSON', maxRetries: 0 });
          if (!t.jsonSchema) {
            await expectNoJsonSchemaRefusal(call);
            expect(stack.sim.calls).to.have.length(0);
            return;
          }
          const r = await call();
          expect(Weather.safeParse(r.object).success, JSON.stringify(r.object)).to.equal(true);
          expect(r.finishReason).to.equal('stop');
          expect(callsTo(stack.sim.calls, t)).to.have.length(1);
        });
      });
    }
  }
});
