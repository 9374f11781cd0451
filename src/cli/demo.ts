// `npm run demo`: the no-keys way to see the router work. Starts the provider
// simulators and the router with the demo policies, sends a handful of
// requests with the official openai SDK, and prints who served each and why.
import OpenAI from 'openai';
import { DEMO_AWS, startDemoStack } from './demo-stack.js';

interface Row {
  what: string;
  served: string;
  why: string;
  output: string;
}

export async function demoCommand(): Promise<number> {
  // The demo's own process: Bedrock's credential chain finds the pair its simulator verifies.
  process.env.AWS_ACCESS_KEY_ID ??= DEMO_AWS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY ??= DEMO_AWS.secretAccessKey;
  const stack = await startDemoStack({ script: { models: { 'gpt-4.1': { fail: { status: 503 } } } } });
  const client = new OpenAI({ baseURL: `${stack.router.url}/v1`, apiKey: 'demo-caller', maxRetries: 0 });
  const rows: Row[] = [];
  const served = (h: Headers): string => `${h.get('x-tokenrouter-provider') ?? '-'}/${h.get('x-tokenrouter-model') ?? '-'}`;
  const why = (h: Headers): string =>
    [`mode=${h.get('x-tokenrouter-mode') ?? '-'}`, `rules=${h.get('x-tokenrouter-rules') ?? 'none'}`, `attempts=${h.get('x-tokenrouter-attempts') ?? '-'}`].join(' ');
  try {
    process.stdout.write(`router ${stack.router.url}, simulators ${stack.sim.url}, policies ${stack.policyDir}\n\n`);

    {
      const { data, response } = await client.responses.create({ model: 'auto', input: 'Say hello in one short sentence.' }).withResponse();
      rows.push({ what: 'plain (auto)', served: served(response.headers), why: why(response.headers), output: data.output_text });
    }
    {
      // A cloud deployment: Bedrock's Converse API, every call SigV4-signed and verified by the simulator.
      const { data, response } = await client.chat.completions.create({ model: 'aws/bedrock-nova-pro', messages: [{ role: 'user', content: 'Hello from a signed request.' }] }).withResponse();
      rows.push({ what: 'AWS Bedrock (SigV4)', served: served(response.headers), why: why(response.headers), output: data.choices[0]?.message.content ?? '' });
    }
    {
      const stream = client.responses.stream({ model: 'auto:cost', input: 'Stream a short greeting.' });
      let deltas = 0;
      stream.on('response.output_text.delta', () => deltas++);
      const final = await stream.finalResponse();
      rows.push({ what: `streamed (auto:cost, ${deltas} deltas)`, served: `${String(final.metadata?.provider)}/${final.model}`, why: `mode=${String(final.metadata?.routing_mode)}`, output: final.output_text });
    }
    {
      const { data, response } = await client.chat.completions
        .create({
          model: 'gemini/gemini-2.5-flash',
          messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
          tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }],
        })
        .withResponse();
      const call = data.choices[0]?.message.tool_calls?.[0];
      rows.push({ what: 'tool call (forced gemini)', served: served(response.headers), why: why(response.headers), output: call && call.type === 'function' ? `${call.function.name}(${call.function.arguments})` : '(no call)' });
    }
    {
      const { data, response } = await client.responses.create({ model: 'auto', input: 'Please refactor this code for me.' }).withResponse();
      rows.push({ what: 'routed by rule', served: served(response.headers), why: why(response.headers), output: data.output_text });
    }
    try {
      await client.responses.create({ model: 'auto', input: 'My card is 4111 1111 1111 1111' });
      rows.push({ what: 'firewall block', served: '-', why: 'NOT BLOCKED', output: '' });
    } catch (err) {
      const e = err as InstanceType<typeof OpenAI.APIError>;
      rows.push({ what: 'firewall block', served: '-', why: `HTTP ${e.status} ${String(e.code)}`, output: e.message });
    }
    {
      const { data, response } = await client.responses.create({ model: 'auto', input: 'Hello during an outage', metadata: { drill: 'outage' } }).withResponse();
      rows.push({ what: 'failover (gpt-4.1 down)', served: served(response.headers), why: why(response.headers), output: data.output_text });
    }
  } finally {
    await stack.stop();
  }
  const width = Math.max(...rows.map((r) => r.what.length));
  for (const r of rows) {
    process.stdout.write(`${r.what.padEnd(width)}  → ${r.served}  [${r.why}]\n${' '.repeat(width)}    ${r.output.slice(0, 100)}\n`);
  }
  return 0;
}
