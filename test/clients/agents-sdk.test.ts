// The OpenAI Agents SDK (`@openai/agents`) as the client, on both of its model transports —
// Responses (the default) and Chat Completions — against the router in front of every provider
// type's simulator: a plain run, a streamed run, multi-turn from the run history (and, on
// Responses, from previousResponseId), an agent tool loop with reasoning effort, and a zod
// outputType.
import { expect } from 'chai';
import OpenAI from 'openai';
import { Agent, OpenAIProvider, Runner, setTracingDisabled, tool, user } from '@openai/agents';
import { z } from 'zod';
import { startDemoStack, type DemoStack } from '../../src/cli/demo-stack.js';
import { CLIENT_TARGETS, GREETING, callsTo, expectNoJsonSchemaRefusal, upstreamReasoning } from './targets.js';

const City = z.object({ city: z.string() });
const Weather = z.object({ city: z.string(), temperatureC: z.number(), sunny: z.boolean() });

describe('client SDKs: OpenAI Agents SDK (@openai/agents) → router → every provider type', function () {
  this.timeout(30_000);
  let stack: DemoStack;

  before(async () => {
    // no trace export to api.openai.com from an offline test
    setTracingDisabled(true);
    stack = await startDemoStack();
  });
  after(async () => {
    await stack?.stop();
  });
  beforeEach(() => stack.sim.reset());

  for (const useResponses of [true, false]) {
    for (const t of CLIENT_TARGETS) {
      describe(`${useResponses ? 'Responses' : 'Chat Completions'} model → ${t.label}`, () => {
        const runner = (): Runner =>
          new Runner({
            modelProvider: new OpenAIProvider({ openAIClient: new OpenAI({ baseURL: `${stack.router.url}/v1`, apiKey: 'caller-key', maxRetries: 0 }), useResponses }),
            tracingDisabled: true,
          });

        it('run: the final output is the simulator answer', async () => {
          const agent = new Agent({ name: 'greeter', instructions: 'Be brief.', model: t.model });
          const r = await runner().run(agent, 'Say hello');
          expect(r.finalOutput).to.match(GREETING);
          expect(r.finalOutput).to.include('Say hello');
          expect(callsTo(stack.sim.calls, t)).to.have.length(1);
        });

        it('run with stream: text deltas add up to the final output', async () => {
          const agent = new Agent({ name: 'greeter', instructions: 'Be brief.', model: t.model });
          const r = await runner().run(agent, 'Stream a greeting', { stream: true });
          let text = '';
          for await (const d of r.toTextStream()) text += d;
          await r.completed;
          expect(text).to.equal(r.finalOutput);
          expect(text).to.match(GREETING);
          expect(text).to.include('Stream a greeting');
          expect(callsTo(stack.sim.calls, t)[0]!.stream).to.equal(true);
        });

        it('multi-turn from the run history: the earlier turns reach the provider', async () => {
          const agent = new Agent({ name: 'greeter', instructions: 'Be brief.', model: t.model });
          const run = runner();
          const first = await run.run(agent, 'First turn marker-alpha');
          expect(first.finalOutput).to.match(GREETING);
          const second = await run.run(agent, [...first.history, user('Second turn marker-beta')]);
          expect(second.finalOutput).to.include('Second turn marker-beta');
          const calls = callsTo(stack.sim.calls, t);
          expect(calls).to.have.length(2);
          const upstream = JSON.stringify(calls[1]!.body);
          expect(upstream).to.include('marker-alpha');
          expect(upstream).to.include(first.finalOutput!.slice(0, 40));
        });

        if (useResponses) {
          it('multi-turn from previousResponseId: the router replays the stored turn', async () => {
            const agent = new Agent({ name: 'greeter', instructions: 'Be brief.', model: t.model });
            const run = runner();
            const first = await run.run(agent, 'First turn marker-alpha');
            expect(first.lastResponseId).to.be.a('string');
            const second = await run.run(agent, 'Second turn marker-beta', { previousResponseId: first.lastResponseId });
            expect(second.finalOutput).to.include('Second turn marker-beta');
            const calls = callsTo(stack.sim.calls, t);
            expect(calls).to.have.length(2);
            const upstream = JSON.stringify(calls[1]!.body);
            expect(upstream).to.include('marker-alpha');
            expect(upstream).to.include(String(first.finalOutput).slice(0, 40));
          });
        }

        it('tool loop with reasoning effort: schema-valid call, tool output, final answer', async () => {
          const seen: unknown[] = [];
          const getWeather = tool({
            name: 'get_weather',
            description: 'Current weather for a city',
            parameters: City,
            execute: async (input) => {
              seen.push(input);
              return JSON.stringify({ city: input.city, temperatureC: 21, sky: 'clear' });
            },
          });
          const agent = new Agent({ name: 'weather', instructions: 'Use the tool.', model: t.model, tools: [getWeather], modelSettings: { reasoning: { effort: 'low' } } });
          const r = await runner().run(agent, 'What is the weather in Paris?', { maxTurns: 4 });
          expect(seen).to.have.length(1);
          expect(City.safeParse(seen[0]).success, JSON.stringify(seen[0])).to.equal(true);
          expect(r.newItems.map((i) => i.type)).to.include.members(['tool_call_item', 'tool_call_output_item', 'message_output_item']);
          expect(r.finalOutput).to.match(/^Tool result received: /);
          expect(r.finalOutput).to.include('clear');
          const calls = callsTo(stack.sim.calls, t);
          expect(calls).to.have.length(2);
          expect(JSON.stringify(calls[1]!.body)).to.include('clear');
          // only where the catalog lists reasoning does the router forward the effort
          expect(upstreamReasoning(t.provider, calls[0]!.body)).to.equal(t.reasoning);
        });

        it('streamed tool run: the tool runs and the streamed final answer carries its output', async () => {
          const seen: unknown[] = [];
          const getWeather = tool({
            name: 'get_weather',
            description: 'Current weather for a city',
            parameters: City,
            execute: async (input) => {
              seen.push(input);
              return JSON.stringify({ city: input.city, temperatureC: 25, sky: 'sunny' });
            },
          });
          const agent = new Agent({ name: 'weather', instructions: 'Use the tool.', model: t.model, tools: [getWeather] });
          const r = await runner().run(agent, 'What is the weather in Rome?', { stream: true, maxTurns: 4 });
          let text = '';
          for await (const d of r.toTextStream()) text += d;
          await r.completed;
          expect(seen).to.have.length(1);
          expect(City.safeParse(seen[0]).success, JSON.stringify(seen[0])).to.equal(true);
          expect(text).to.match(/^Tool result received: /);
          expect(text).to.include('sunny');
          expect(callsTo(stack.sim.calls, t).map((c) => c.stream)).to.deep.equal([true, true]);
        });

        it('outputType (zod): the final output is valid against the schema', async () => {
          const agent = new Agent({ name: 'reporter', instructions: 'Report the weather.', model: t.model, outputType: Weather });
          const call = () => runner().run(agent, 'Weather in Oslo');
          if (!t.jsonSchema) {
            await expectNoJsonSchemaRefusal(call);
            expect(stack.sim.calls).to.have.length(0);
            return;
          }
          const r = await call();
          expect(Weather.safeParse(r.finalOutput).success, JSON.stringify(r.finalOutput)).to.equal(true);
          expect(callsTo(stack.sim.calls, t)).to.have.length(1);
        });
      });
    }
  }
});
