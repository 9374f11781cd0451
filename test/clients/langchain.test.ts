// LangChain (`@langchain/openai` ChatOpenAI on `@langchain/core`) as the client, both with
// `useResponsesApi` (Responses API) and without (Chat Completions), against the router in front
// of every provider type's simulator: invoke, stream, multi-turn history, a tool loop with
// reasoning effort, and structured output from a zod schema.
import { expect } from 'chai';
import { ChatOpenAI } from '@langchain/openai';
import { AIMessage, HumanMessage, type AIMessageChunk, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { z } from 'zod';
import { startDemoStack, type DemoStack } from '../../src/cli/demo-stack.js';
import { CLIENT_TARGETS, GREETING, callsTo, expectNoJsonSchemaRefusal, upstreamReasoning } from './targets.js';

const City = z.object({ city: z.string() });
const Weather = z.object({ city: z.string(), temperatureC: z.number(), sunny: z.boolean() });

/** LangChain message content as text (a string, or the text parts of a content array). */
function textOf(m: BaseMessage): string {
  if (typeof m.content === 'string') return m.content;
  return m.content.map((p) => (p.type === 'text' && typeof p.text === 'string' ? p.text : '')).join('');
}

describe('client SDKs: LangChain (@langchain/openai) → router → every provider type', function () {
  this.timeout(30_000);
  let stack: DemoStack;

  before(async () => {
    stack = await startDemoStack();
  });
  after(async () => {
    await stack?.stop();
  });
  beforeEach(() => stack.sim.reset());

  for (const useResponsesApi of [true, false]) {
    for (const t of CLIENT_TARGETS) {
      describe(`ChatOpenAI useResponsesApi=${useResponsesApi} → ${t.label}`, () => {
        const chat = (extra: Partial<ConstructorParameters<typeof ChatOpenAI>[0] & object> = {}): ChatOpenAI =>
          new ChatOpenAI({ model: t.model, apiKey: 'caller-key', configuration: { baseURL: `${stack.router.url}/v1` }, useResponsesApi, maxRetries: 0, ...extra });

        it('invoke: the simulator answer, with usage', async () => {
          const m = await chat().invoke('Say hello');
          expect(textOf(m)).to.match(GREETING);
          expect(textOf(m)).to.include('Say hello');
          expect(m.usage_metadata?.input_tokens).to.be.greaterThan(0);
          expect(callsTo(stack.sim.calls, t)).to.have.length(1);
        });

        it('stream: chunks add up to the simulator answer', async () => {
          let text = '';
          for await (const c of await chat().stream('Stream a greeting')) text += textOf(c);
          expect(text).to.match(GREETING);
          expect(text).to.include('Stream a greeting');
          expect(callsTo(stack.sim.calls, t)[0]!.stream).to.equal(true);
        });

        it('multi-turn: the earlier turns reach the provider', async () => {
          const model = chat();
          const history: BaseMessage[] = [new HumanMessage('First turn marker-alpha')];
          const first = await model.invoke(history);
          expect(textOf(first)).to.match(GREETING);
          history.push(first, new HumanMessage('Second turn marker-beta'));
          const second = await model.invoke(history);
          expect(textOf(second)).to.include('Second turn marker-beta');
          const calls = callsTo(stack.sim.calls, t);
          expect(calls).to.have.length(2);
          const upstream = JSON.stringify(calls[1]!.body);
          expect(upstream).to.include('marker-alpha');
          expect(upstream).to.include(textOf(first).slice(0, 40));
        });

        it('tool loop with reasoning effort: schema-valid tool call, tool result, final answer', async () => {
          const seen: unknown[] = [];
          const getWeather = tool(
            async (input: z.infer<typeof City>) => {
              seen.push(input);
              return JSON.stringify({ city: input.city, temperatureC: 21, sky: 'clear' });
            },
            { name: 'get_weather', description: 'Current weather for a city', schema: City },
          );
          // LangChain sends `reasoning` only for model names it knows as reasoning models (^o\d,
          // gpt-5): a router's "provider/model" never matches, so the effort goes in modelKwargs.
          const effort = useResponsesApi ? { reasoning: { effort: 'low' } } : { reasoning_effort: 'low' };
          const model = chat({ modelKwargs: effort }).bindTools([getWeather]);
          const history: BaseMessage[] = [new HumanMessage('What is the weather in Paris?')];
          let final: AIMessage | undefined;
          for (let step = 0; step < 4 && !final; step++) {
            const m = await model.invoke(history);
            history.push(m);
            if (!m.tool_calls?.length) {
              final = m;
              break;
            }
            for (const call of m.tool_calls) {
              expect(call.name).to.equal('get_weather');
              expect(City.safeParse(call.args).success, JSON.stringify(call.args)).to.equal(true);
              const out = await getWeather.invoke(call);
              history.push(out instanceof ToolMessage ? out : new ToolMessage({ content: String(out), tool_call_id: call.id ?? '' }));
            }
          }
          expect(seen).to.have.length(1);
          expect(final, 'the loop reached a final answer').to.not.equal(undefined);
          expect(textOf(final!)).to.match(/^Tool result received: /);
          expect(textOf(final!)).to.include('clear');
          const calls = callsTo(stack.sim.calls, t);
          expect(calls).to.have.length(2);
          expect(JSON.stringify(calls[1]!.body)).to.include('clear');
          // only where the catalog lists reasoning does the router forward the effort
          expect(upstreamReasoning(t.provider, calls[0]!.body)).to.equal(t.reasoning);
        });

        it('streamed tool call: chunks assemble into a schema-valid call, the streamed answer uses its output', async () => {
          const getWeather = tool(async (input: z.infer<typeof City>) => JSON.stringify({ city: input.city, temperatureC: 25, sky: 'sunny' }), {
            name: 'get_weather',
            description: 'Current weather for a city',
            schema: City,
          });
          const model = chat().bindTools([getWeather]);
          const history: BaseMessage[] = [new HumanMessage('What is the weather in Rome?')];
          let gathered: AIMessageChunk | undefined;
          for await (const c of await model.stream(history)) gathered = gathered ? gathered.concat(c) : c;
          const calls = gathered?.tool_calls ?? [];
          expect(calls.map((c) => c.name)).to.deep.equal(['get_weather']);
          expect(City.safeParse(calls[0]!.args).success, JSON.stringify(calls[0]!.args)).to.equal(true);
          history.push(gathered!, await getWeather.invoke(calls[0]!));
          let text = '';
          for await (const c of await model.stream(history)) text += textOf(c);
          expect(text).to.match(/^Tool result received: /);
          expect(text).to.include('sunny');
          expect(callsTo(stack.sim.calls, t).map((c) => c.stream)).to.deep.equal([true, true]);
        });

        it('withStructuredOutput(zod): an object valid against the schema', async () => {
          const call = () => chat().withStructuredOutput(Weather).invoke('Weather in Oslo');
          if (!t.jsonSchema) {
            await expectNoJsonSchemaRefusal(call);
            expect(stack.sim.calls).to.have.length(0);
            return;
          }
          const r = await call();
          expect(Weather.safeParse(r).success, JSON.stringify(r)).to.equal(true);
          expect(callsTo(stack.sim.calls, t)).to.have.length(1);
        });
      });
    }
  }
});
