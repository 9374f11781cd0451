// Both /v1/responses stream dialects through the whole router, by the same
// event-level tests: each scenario (text, tool call, firewall mask and block,
// mid-stream failure, failover before the first byte, replay) runs once per
// dialect, and a per-dialect decoder turns what the client reads into one
// shape (text, tool calls, usage, error, terminal) — the OpenAI dialect read
// with the official openai SDK, the hosted TokenRouter dialect with a small
// SSE reader (eventsource-parser) that also checks its event order. Then the
// selection rules (header > body field > key > Settings, Chat refusing the
// tokenrouter ask) and the policy schema's new fields.
import { expect } from 'chai';
import { createParser } from 'eventsource-parser';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { startDemoStack, type DemoStack } from '../../src/cli/demo-stack.js';
import { loadPolicyDirectory, formatProblem } from '../../src/policy/load.js';
import { sha256Hex, SHIPPED_POLICIES } from '../helpers/router.js';
import { cp } from 'node:fs/promises';

type Dialect = 'openai' | 'tokenrouter';
const DIALECTS: Dialect[] = ['openai', 'tokenrouter'];
const HEADER = 'x-tokenrouter-stream-format';
const MODEL = 'openai/gpt-4o';

/** What a client of either dialect reads from one stream. */
interface Decoded {
  text: string;
  toolCalls: { callId: string; name: string; arguments: string }[];
  usage?: { input_tokens: number; output_tokens: number; total_tokens: number };
  error?: { message: string; code: string | null };
  terminal: 'completed' | 'failed';
  /** The id a replay takes (OpenAI: the response id; tokenrouter: metadata.response_id). */
  responseId: string;
  provider: string | null;
  /** OpenAI dialect only: the reasoning summary text it carried. */
  reasoning?: string;
}

interface Named {
  event: string;
  data: any;
}

const FIREWALL = JSON.stringify({
  apiVersion: 'tokenrouter/v1',
  kind: 'FirewallRules',
  metadata: { name: 'stream-dialect-tests' },
  spec: {
    rules: [
      { name: 'mask-alpha-bravo', priority: 50, scope: 'response', type: 'substring', pattern: 'alpha bravo', action: 'mask', replacement: '[AB]' },
      { name: 'block-tango-foxtrot', priority: 50, scope: 'response', type: 'regex', pattern: 'tango\\s+foxtrot', action: 'block' },
    ],
  },
});

const WEATHER_TOOL = { type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string', enum: ['Paris'] } }, required: ['city'] } };

/** Reads a tokenrouter-dialect body into its named events. */
function parseSse(text: string): Named[] {
  const out: Named[] = [];
  const parser = createParser({ onEvent: (e) => out.push({ event: e.event ?? 'message', data: JSON.parse(e.data) }) });
  parser.feed(text);
  return out;
}

/**
 * The dialect's fixed frame: metadata first, message.start second, done (null) last; a clean end has
 * usage exactly once, right before message.end; a failure ends error → done with neither.
 */
function assertTokenRouterOrder(events: Named[]): void {
  const names = events.map((e) => e.event);
  expect(names[0]).to.equal('metadata');
  expect(names[1]).to.equal('message.start');
  expect(events[1]!.data).to.deep.equal({ type: 'message', role: 'assistant' });
  expect(names.at(-1)).to.equal('done');
  expect(events.at(-1)!.data).to.equal(null);
  expect(names.filter((n) => n === 'metadata' || n === 'done' || n === 'message.start')).to.have.length(3);
  const middle = names.slice(2, -1);
  if (names.includes('error')) {
    expect(names.at(-2)).to.equal('error');
    expect(names).to.not.include('usage');
    expect(names).to.not.include('message.end');
    expect(middle.slice(0, -1).every((n) => n === 'content.delta' || n === 'tool_call')).to.equal(true);
  } else {
    expect(names.filter((n) => n === 'usage')).to.have.length(1);
    expect(names.at(-3)).to.equal('usage');
    expect(names.at(-2)).to.equal('message.end');
    expect(events.at(-2)!.data.type).to.equal('message_end');
    expect(middle.slice(0, -2).every((n) => n === 'content.delta' || n === 'tool_call'), names.join(',')).to.equal(true);
  }
}

function decodeTokenRouter(events: Named[]): Decoded {
  assertTokenRouterOrder(events);
  const meta = events[0]!.data;
  expect(Object.keys(meta)).to.include.members(['provider', 'model', 'routing_mode', 'request_id', 'response_id']);
  const error = events.find((e) => e.event === 'error')?.data;
  if (error) expect(Object.keys(error.error)).to.include.members(['message', 'type', 'param', 'code', 'provider', 'http_status']);
  return {
    // As a client written to the hosted docs reads it: chunk.event === 'content.delta', chunk.delta.text.
    text: events
      .filter((e) => e.event === 'content.delta')
      .map((e) => e.data.delta.text)
      .join(''),
    toolCalls: events
      .filter((e) => e.event === 'tool_call')
      .map((e) => {
        expect(e.data.type).to.equal('tool_call');
        return { callId: e.data.id, name: e.data.function.name, arguments: e.data.function.arguments };
      }),
    ...(events.find((e) => e.event === 'usage') ? { usage: events.find((e) => e.event === 'usage')!.data } : {}),
    ...(error ? { error: { message: error.error.message, code: error.error.code } } : {}),
    terminal: error ? 'failed' : 'completed',
    responseId: meta.response_id,
    provider: meta.provider,
  };
}

/** The OpenAI dialect as the SDK yields it. */
async function decodeOpenAi(stream: AsyncIterable<any>): Promise<Decoded> {
  let text = '';
  const toolCalls: Decoded['toolCalls'] = [];
  let error: Decoded['error'];
  let terminal: any;
  let responseId = '';
  let provider: string | null = null;
  let reasoning = '';
  for await (const e of stream) {
    if (e.type === 'response.created') {
      responseId = e.response.id;
      provider = e.response.metadata?.provider ?? null;
    } else if (e.type === 'response.output_text.delta') text += e.delta;
    else if (e.type === 'response.output_item.done' && e.item.type === 'function_call') toolCalls.push({ callId: e.item.call_id, name: e.item.name, arguments: e.item.arguments });
    else if (e.type === 'response.reasoning_summary_text.delta') reasoning += e.delta;
    else if (e.type === 'error') error = { message: e.message, code: e.code };
    else if (e.type === 'response.completed' || e.type === 'response.failed' || e.type === 'response.incomplete') terminal = e;
  }
  expect(terminal, 'a terminal event').to.not.equal(undefined);
  const u = terminal.response.usage;
  return {
    text,
    toolCalls,
    ...(terminal.type === 'response.completed' && u ? { usage: { input_tokens: u.input_tokens, output_tokens: u.output_tokens, total_tokens: u.total_tokens } } : {}),
    ...(error ? { error } : {}),
    terminal: terminal.type === 'response.failed' ? 'failed' : 'completed',
    responseId: responseId || terminal.response.id,
    provider,
    ...(reasoning ? { reasoning } : {}),
  };
}

describe('stream dialects (/v1/responses)', function () {
  this.timeout(60_000);
  let stack: DemoStack;
  let client: OpenAI;

  before(async () => {
    stack = await startDemoStack({ extraFiles: { 'zz-stream-dialects.yaml': FIREWALL } });
    client = new OpenAI({ baseURL: `${stack.router.url}/v1`, apiKey: 'unused-on-loopback', maxRetries: 0 });
  });
  after(async () => stack?.stop());
  afterEach(() => {
    stack.sim.setScript({});
    stack.sim.reset();
  });

  /** One streamed request, read in the dialect's own way; the header selects tokenrouter. */
  async function streamIn(dialect: Dialect, body: Record<string, unknown>): Promise<Decoded & { headers: Headers }> {
    if (dialect === 'openai') {
      const { data, response } = await client.responses.create({ ...body, stream: true } as any).withResponse();
      return { ...(await decodeOpenAi(data as any)), headers: response.headers };
    }
    const res = await fetch(`${stack.router.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [HEADER]: 'tokenrouter' },
      body: JSON.stringify({ ...body, stream: true }),
    });
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/event-stream/);
    return { ...decodeTokenRouter(parseSse(await res.text())), headers: res.headers };
  }

  async function replayIn(dialect: Dialect, id: string): Promise<Decoded> {
    if (dialect === 'openai') return decodeOpenAi((await client.responses.retrieve(id, { stream: true })) as any);
    const res = await fetch(`${stack.router.url}/v1/responses/${id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [HEADER]: 'tokenrouter' },
      body: JSON.stringify({ stream: true }),
    });
    expect(res.status).to.equal(200);
    const events = parseSse(await res.text());
    expect(events[0]!.data).to.include({ response_id: id, replay: true });
    return decodeTokenRouter(events);
  }

  /** Runs `check` on both dialects and returns both decodings, for cross-dialect comparison. */
  async function both(body: Record<string, unknown>): Promise<Record<Dialect, Decoded & { headers: Headers }>> {
    const out = {} as Record<Dialect, Decoded & { headers: Headers }>;
    for (const d of DIALECTS) {
      stack.sim.reset();
      out[d] = await streamIn(d, body);
    }
    return out;
  }

  const strip = (d: Decoded) => ({ text: d.text, toolCalls: d.toolCalls.map((c) => ({ name: c.name, arguments: c.arguments })), usage: d.usage, terminal: d.terminal });

  for (const dialect of DIALECTS) {
    describe(`${dialect} dialect`, () => {
      it('text: the whole answer, real usage, a clean end, the decision headers', async () => {
        const d = await streamIn(dialect, { model: MODEL, input: 'hello there router' });
        expect(d.terminal).to.equal('completed');
        expect(d.error).to.equal(undefined);
        expect(d.text).to.include('You said: hello there router');
        expect(d.usage!.output_tokens).to.be.greaterThan(0);
        expect(d.usage!.total_tokens).to.equal(d.usage!.input_tokens + d.usage!.output_tokens);
        expect(d.headers.get('x-tokenrouter-provider')).to.equal('openai');
        expect(d.headers.get('x-request-id')).to.match(/^req_/);
        expect(d.provider).to.equal('openai');
      });

      it('tool call: one complete call with its arguments as a whole JSON string', async () => {
        const d = await streamIn(dialect, { model: MODEL, input: 'weather in Paris?', tools: [WEATHER_TOOL] });
        expect(d.terminal).to.equal('completed');
        expect(d.toolCalls).to.have.length(1);
        expect(d.toolCalls[0]!.name).to.equal('get_weather');
        expect(d.toolCalls[0]!.callId).to.be.a('string').and.not.equal('');
        expect(JSON.parse(d.toolCalls[0]!.arguments)).to.deep.equal({ city: 'Paris' });
      });

      it('firewall mask: a response rule masks streamed text split across chunks', async () => {
        const d = await streamIn(dialect, { model: MODEL, input: 'please say alpha bravo twice' });
        expect(d.terminal).to.equal('completed');
        expect(d.text).to.include('[AB]');
        expect(d.text).to.not.include('alpha bravo');
      });

      it('firewall block mid-stream: an error naming the rule, then the end; the held-back text never leaves', async () => {
        const d = await streamIn(dialect, { model: MODEL, input: 'then tango foxtrot happened' });
        expect(d.terminal).to.equal('failed');
        expect(d.error!.message).to.include('block-tango-foxtrot');
        expect(d.text).to.not.match(/tango\s+foxtrot/);
      });

      it('mid-stream failure: the provider drops the connection after the first output', async () => {
        stack.sim.setScript({ models: { 'gpt-4o': { dropAfterChunks: 8 } } });
        const d = await streamIn(dialect, { model: MODEL, input: 'tell me a long story with very many words in it please' });
        expect(d.terminal).to.equal('failed');
        expect(d.text, 'some output came before the failure').to.not.equal('');
        expect(d.error!.message).to.be.a('string').and.not.equal('');
        expect(d.usage).to.equal(undefined);
        // What arrived before the failure is a prefix of the answer the provider would have given.
        stack.sim.setScript({});
        const whole = await streamIn(dialect, { model: MODEL, input: 'tell me a long story with very many words in it please' });
        expect(whole.text.startsWith(d.text)).to.equal(true);
      });

      it('failover before the first byte: the next candidate answers, nothing of the failed one is seen', async () => {
        stack.sim.setScript({ models: { 'gpt-4.1': { inBandErrorAfterChunks: 0 } } });
        const d = await streamIn(dialect, { model: 'auto', input: 'hello', metadata: { drill: 'outage' } });
        expect(d.terminal).to.equal('completed');
        expect(d.error).to.equal(undefined);
        expect(d.headers.get('x-tokenrouter-provider')).to.equal('anthropic');
        expect(d.provider).to.equal('anthropic');
      });

      it('replay with stream: true gives back the same text, tool calls and usage', async () => {
        for (const body of [{ model: MODEL, input: 'replay me please' }, { model: MODEL, input: 'weather?', tools: [WEATHER_TOOL] }]) {
          const original = await streamIn(dialect, body);
          const replayed = await replayIn(dialect, original.responseId);
          expect(strip(replayed)).to.deep.equal(strip(original));
        }
      });
    });
  }

  it('both dialects carry the same answer for the same request (text, tool calls, usage, masks)', async () => {
    for (const body of [
      { model: MODEL, input: 'the same words twice' },
      { model: MODEL, input: 'weather?', tools: [WEATHER_TOOL] },
      { model: MODEL, input: 'mask alpha bravo here' },
    ]) {
      const r = await both(body);
      expect(strip(r.tokenrouter)).to.deep.equal(strip(r.openai));
    }
  });

  it('the tokenrouter events, exactly: metadata fields, delta shape, usage numbers, message.end, done', async () => {
    const res = await fetch(`${stack.router.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [HEADER]: 'tokenrouter' },
      body: JSON.stringify({ model: MODEL, input: 'exact events', stream: true }),
    });
    const events = parseSse(await res.text());
    const meta = events[0]!.data;
    expect(meta).to.include({ provider: 'openai', model: 'gpt-4o', request_id: res.headers.get('x-request-id') });
    expect(meta.routing_mode).to.be.a('string').and.not.equal('');
    expect(meta.response_id).to.match(/^resp_/);
    for (const e of events.filter((x) => x.event === 'content.delta')) expect(Object.keys(e.data)).to.deep.equal(['delta']);
    const usage = events.find((e) => e.event === 'usage')!.data;
    expect(Object.keys(usage)).to.deep.equal(['input_tokens', 'output_tokens', 'total_tokens']);
    expect(events.find((e) => e.event === 'message.end')!.data).to.deep.equal({ type: 'message_end' });
    // The stored answer (JSON replay) has the usage the event carried.
    const stored = (await (await fetch(`${stack.router.url}/v1/responses/${meta.response_id}`)).json()) as any;
    expect(stored.usage).to.include(usage);
  });

  it('a mid-stream failure is the error envelope: provider and http_status beside the OpenAI fields', async () => {
    stack.sim.setScript({ models: { 'gpt-4o': { dropAfterChunks: 8 } } });
    const res = await fetch(`${stack.router.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [HEADER]: 'tokenrouter' },
      body: JSON.stringify({ model: MODEL, input: 'tell me a long story with very many words in it please', stream: true }),
    });
    const error = parseSse(await res.text()).find((e) => e.event === 'error')!.data;
    expect(error.error).to.include({ provider: 'openai', http_status: 502, type: 'server_error', code: 'upstream_error', param: null });
  });

  it('a firewall block is the same envelope as the JSON firewall_blocked answer: no provider, the block status', async () => {
    const res = await fetch(`${stack.router.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [HEADER]: 'tokenrouter' },
      body: JSON.stringify({ model: MODEL, input: 'tango foxtrot now', stream: true }),
    });
    const error = parseSse(await res.text()).find((e) => e.event === 'error')!.data;
    expect(error.error).to.include({ code: 'firewall_blocked', type: 'permission_error', http_status: 403, provider: null });
    const json = await fetch(`${stack.router.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, input: 'tango foxtrot now' }),
    });
    expect(json.status).to.equal(403);
    const body = (await json.json()) as any;
    expect(body.error.message).to.equal(error.error.message);
  });

  it('reasoning is not part of the dialect: only the answer text is streamed', async () => {
    const r = await both({ model: 'anthropic/claude-sonnet-4-5', input: 'think then answer', reasoning: { effort: 'low' } });
    // The provider did reason (the OpenAI dialect shows it as summary text), and none of it is content in the other.
    expect(r.openai.reasoning).to.be.a('string').and.not.equal('');
    expect(r.tokenrouter.text).to.equal(r.openai.text);
    expect(r.tokenrouter.text).to.not.include(r.openai.reasoning!);
  });
});

describe('stream dialect selection', function () {
  this.timeout(60_000);
  let stack: DemoStack;
  const KEYS = { openai: 'caller-openai-format', tokenrouter: 'caller-tokenrouter-format', plain: 'caller-no-format' };

  before(async () => {
    const keys = [
      { name: 'key-openai', key: KEYS.openai, format: 'openai' },
      { name: 'key-tokenrouter', key: KEYS.tokenrouter, format: 'tokenrouter' },
      { name: 'key-plain', key: KEYS.plain },
    ];
    const apiKeys = `apiVersion: tokenrouter/v1\nkind: ApiKeys\nmetadata:\n  name: test-keys\nspec:\n  keys:\n${keys
      .map((k) => `    - name: ${k.name}\n      sha256: "${sha256Hex(k.key)}"${k.format ? `\n      streamFormat: ${k.format}` : ''}`)
      .join('\n')}\n`;
    const settings = 'apiVersion: tokenrouter/v1\nkind: Settings\nmetadata:\n  name: settings\nspec:\n  streamFormat: tokenrouter\n';
    stack = await startDemoStack({ extraFiles: { 'api-keys.yaml': apiKeys, 'settings.yaml': settings } });
  });
  after(async () => stack?.stop());

  async function post(key: string, body: Record<string, unknown>, headers: Record<string, string> = {}, route = '/v1/responses'): Promise<Response> {
    return fetch(`${stack.router.url}${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
      body: JSON.stringify(body),
    });
  }

  /** The dialect a stream answered in, from its first event. */
  async function dialectOf(res: Response): Promise<string> {
    expect(res.status, await res.clone().text()).to.equal(200);
    const first = /^event: (\S+)/m.exec(await res.text())?.[1];
    return first === 'metadata' ? 'tokenrouter' : first === 'response.created' ? 'openai' : `unknown (${first})`;
  }

  const stream = { model: MODEL, input: 'which dialect', stream: true };

  it('Settings.streamFormat applies when neither the request nor the key names one', async () => {
    expect(await dialectOf(await post(KEYS.plain, stream))).to.equal('tokenrouter');
  });

  it("the key's streamFormat wins over Settings", async () => {
    expect(await dialectOf(await post(KEYS.openai, stream))).to.equal('openai');
    expect(await dialectOf(await post(KEYS.tokenrouter, stream))).to.equal('tokenrouter');
  });

  it('the body field wins over the key', async () => {
    expect(await dialectOf(await post(KEYS.openai, { ...stream, router_stream_format: 'tokenrouter' }))).to.equal('tokenrouter');
    expect(await dialectOf(await post(KEYS.tokenrouter, { ...stream, router_stream_format: 'openai' }))).to.equal('openai');
  });

  it('the header wins over the body field', async () => {
    expect(await dialectOf(await post(KEYS.openai, { ...stream, router_stream_format: 'openai' }, { [HEADER]: 'tokenrouter' }))).to.equal('tokenrouter');
    expect(await dialectOf(await post(KEYS.tokenrouter, { ...stream, router_stream_format: 'tokenrouter' }, { [HEADER]: 'openai' }))).to.equal('openai');
  });

  it('usage accounting: the ledger counts a tokenrouter stream as the usage event says, and as an OpenAI stream', async () => {
    const total = async (key: string) => ((await (await fetch(`${stack.router.url}/v1/usage`, { headers: { authorization: `Bearer ${key}` } })).json()) as any).total;
    const body = { model: MODEL, input: 'count these tokens', stream: true };
    const before = { tr: await total(KEYS.tokenrouter), oa: await total(KEYS.openai) };
    const events = parseSse(await (await post(KEYS.tokenrouter, body)).text());
    const usage = events.find((e) => e.event === 'usage')!.data;
    const oa = await post(KEYS.openai, body);
    expect(await dialectOf(oa)).to.equal('openai');
    const after = { tr: await total(KEYS.tokenrouter), oa: await total(KEYS.openai) };
    const delta = (a: any, b: any) => ({ requests: b.requests - a.requests, input_tokens: b.input_tokens - a.input_tokens, output_tokens: b.output_tokens - a.output_tokens });
    expect(delta(before.tr, after.tr)).to.deep.equal({ requests: 1, input_tokens: usage.input_tokens, output_tokens: usage.output_tokens });
    expect(delta(before.oa, after.oa)).to.deep.equal(delta(before.tr, after.tr));
  });

  it('router_stream_format is never forwarded upstream', async () => {
    stack.sim.reset();
    await (await post(KEYS.plain, { ...stream, router_stream_format: 'tokenrouter' })).text();
    expect(JSON.stringify(stack.sim.calls.map((c) => c.body))).to.not.include('router_stream_format');
  });

  it('replay honours the same switch: header > body > key > Settings', async () => {
    const created = (await (await post(KEYS.plain, { model: MODEL, input: 'stored for replay' })).json()) as { id: string };
    const replay = (key: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
      fetch(`${stack.router.url}/v1/responses/${created.id}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
        body: JSON.stringify({ stream: true, ...body }),
      });
    // key-plain owns it; an admin-less other key cannot read it, so each check runs as the owner.
    expect(await dialectOf(await replay(KEYS.plain, {}))).to.equal('tokenrouter');
    expect(await dialectOf(await replay(KEYS.plain, { router_stream_format: 'openai' }))).to.equal('openai');
    expect(await dialectOf(await replay(KEYS.plain, { router_stream_format: 'openai' }, { [HEADER]: 'tokenrouter' }))).to.equal('tokenrouter');
    const bad = await replay(KEYS.plain, {}, { [HEADER]: 'sse' });
    expect(bad.status).to.equal(400);
    expect(((await bad.json()) as any).error).to.include({ code: 'invalid_parameter', param: HEADER });
  });

  it('bad values are 400 invalid_parameter naming the header or the field', async () => {
    const h = await post(KEYS.plain, stream, { [HEADER]: 'anthropic' });
    expect(h.status).to.equal(400);
    expect(((await h.json()) as any).error).to.include({ code: 'invalid_parameter', param: HEADER });
    const b = await post(KEYS.plain, { ...stream, router_stream_format: 7 });
    expect(b.status).to.equal(400);
    expect(((await b.json()) as any).error).to.include({ code: 'invalid_parameter', param: 'router_stream_format' });
  });

  it('Chat Completions: the tokenrouter ask is 400 unsupported_parameter; key and Settings defaults leave Chat chunks', async () => {
    const chat = { model: MODEL, messages: [{ role: 'user', content: 'hi' }], stream: true };
    const h = await post(KEYS.plain, chat, { [HEADER]: 'tokenrouter' }, '/v1/chat/completions');
    expect(h.status).to.equal(400);
    expect(((await h.json()) as any).error).to.include({ code: 'unsupported_parameter', param: HEADER });
    const b = await post(KEYS.plain, { ...chat, router_stream_format: 'tokenrouter' }, {}, '/v1/chat/completions');
    expect(b.status).to.equal(400);
    expect(((await b.json()) as any).error).to.include({ code: 'unsupported_parameter', param: 'router_stream_format' });
    // Settings says tokenrouter and the key says tokenrouter: Chat still streams Chat chunks.
    const ok = await post(KEYS.tokenrouter, chat, {}, '/v1/chat/completions');
    expect(ok.status).to.equal(200);
    const text = await ok.text();
    expect(text).to.match(/^data: \{"id":"chatcmpl-/);
    expect(text.trim().endsWith('data: [DONE]')).to.equal(true);
    const explicit = await post(KEYS.plain, chat, { [HEADER]: 'openai' }, '/v1/chat/completions');
    expect(explicit.status).to.equal(200);
    await explicit.text();
  });

  it('a non-stream request ignores the dialect (JSON answer)', async () => {
    const res = await post(KEYS.tokenrouter, { model: MODEL, input: 'json please' }, { [HEADER]: 'tokenrouter' });
    expect(res.status).to.equal(200);
    expect(((await res.json()) as any).object).to.equal('response');
  });
});

describe('stream dialect policy fields', () => {
  async function loadWith(files: Record<string, string>): Promise<string[]> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tokenrouter-stream-format-'));
    try {
      await cp(SHIPPED_POLICIES, dir, { recursive: true });
      for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
      const r = await loadPolicyDirectory(dir);
      return r.ok ? [] : r.problems.map(formatProblem);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  const settings = (v: string) => `apiVersion: tokenrouter/v1\nkind: Settings\nmetadata:\n  name: settings\nspec:\n  streamFormat: ${v}\n`;
  const keys = (v: string) => `apiVersion: tokenrouter/v1\nkind: ApiKeys\nmetadata:\n  name: keys\nspec:\n  keys:\n    - name: k\n      sha256: "${sha256Hex('x')}"\n      streamFormat: ${v}\n`;

  it('Settings.streamFormat and ApiKeys streamFormat accept openai and tokenrouter', async () => {
    expect(await loadWith({ 'settings.yaml': settings('tokenrouter'), 'api-keys.yaml': keys('openai') })).to.deep.equal([]);
    expect(await loadWith({ 'settings.yaml': settings('openai'), 'api-keys.yaml': keys('tokenrouter') })).to.deep.equal([]);
  });

  it('any other value is a schema problem pointing at the field', async () => {
    const s = await loadWith({ 'settings.yaml': settings('sse') });
    expect(s.join('\n')).to.include('streamFormat');
    const k = await loadWith({ 'api-keys.yaml': keys('hosted') });
    expect(k.join('\n')).to.include('streamFormat');
  });
});
