// Reasoning state in the Anthropic and OpenAI Responses simulators (src/simulator/reasoning.ts):
// what they issue (thinking signatures, redacted_thinking data, encrypted_content), streamed and
// not, and what they refuse on input, with the real APIs' wording.
import { expect } from 'chai';
import { startSimulator, type Simulator } from '../../../src/simulator/index.js';
import { REDACTED_THINKING_TRIGGER } from '../../../src/simulator/reasoning.js';
import { assertValid, warmUpOpenApiValidators } from '../../helpers/openapi.js';
import { parseSse, post } from './helpers.js';

const H = { 'anthropic-version': '2023-06-01' };
const TOOL = { name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };
const THINK = { type: 'enabled', budget_tokens: 2048 };

describe('simulator: Anthropic extended thinking', () => {
  let sim: Simulator;
  const url = (): string => `${sim.baseUrls.anthropic}/messages`;
  before(async () => {
    sim = await startSimulator();
  });
  after(() => sim.close());

  const ask = (extra: Record<string, unknown> = {}) => ({ model: 'claude-sonnet-4-5', max_tokens: 4096, thinking: THINK, tools: [TOOL], messages: [{ role: 'user', content: 'Weather in Paris?' }], ...extra });

  it('answers with a signed thinking block before the tool_use; none without thinking', async () => {
    const m = (await (await post(url(), ask(), H)).json()) as any;
    expect(m.content.map((b: any) => b.type)).to.deep.equal(['thinking', 'tool_use']);
    expect(m.content[0].thinking).to.include('get_weather');
    expect(Buffer.from(m.content[0].signature, 'base64').toString()).to.equal(`sim-thinking:${m.content[0].thinking}`);
    const plain = (await (await post(url(), ask({ thinking: undefined }), H)).json()) as any;
    expect(plain.content.map((b: any) => b.type)).to.deep.equal(['tool_use']);
  });

  it('streams thinking_delta pieces and a signature_delta, then the tool_use at index 1', async () => {
    const events = parseSse(await (await post(url(), ask({ stream: true }), H)).text()).map((e) => JSON.parse(e.data));
    const start = events.find((e) => e.type === 'content_block_start');
    expect(start.content_block).to.deep.equal({ type: 'thinking', thinking: '', signature: '' });
    const thinking = events.filter((e) => e.delta?.type === 'thinking_delta').map((e) => e.delta.thinking).join('');
    const sig = events.filter((e) => e.delta?.type === 'signature_delta');
    expect(sig).to.have.length(1);
    expect(sig[0].delta.signature).to.equal(Buffer.from(`sim-thinking:${thinking}`).toString('base64'));
    expect(events.filter((e) => e.type === 'content_block_start').map((e) => [e.index, e.content_block.type])).to.deep.equal([[0, 'thinking'], [1, 'tool_use']]);
  });

  it('the redacted-thinking test trigger adds a redacted_thinking block (whole at content_block_start when streamed)', async () => {
    const body = ask({ messages: [{ role: 'user', content: `${REDACTED_THINKING_TRIGGER}_0 Weather?` }] });
    const m = (await (await post(url(), body, H)).json()) as any;
    expect(m.content.map((b: any) => b.type)).to.deep.equal(['thinking', 'redacted_thinking', 'tool_use']);
    const events = parseSse(await (await post(url(), { ...body, stream: true }, H)).text()).map((e) => JSON.parse(e.data));
    const redacted = events.find((e) => e.type === 'content_block_start' && e.content_block.type === 'redacted_thinking');
    expect(redacted.content_block.data).to.be.a('string').and.not.equal('');
  });

  async function loop(assistant: any[]): Promise<{ status: number; body: any }> {
    const res = await post(url(), ask({ messages: [{ role: 'user', content: 'Weather in Paris?' }, { role: 'assistant', content: assistant }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '21C' }] }] }), H);
    return { status: res.status, body: await res.json() };
  }
  const use = { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } };

  it('a tool loop that returns the thinking block as issued is accepted', async () => {
    const first = (await (await post(url(), ask(), H)).json()) as any;
    const r = await loop([first.content[0], use]);
    expect(r.status).to.equal(200);
    expect(r.body.content[0].type).to.equal('thinking');
  });

  it('a tool loop without the thinking block: 400 "Expected `thinking` or `redacted_thinking`, but found `tool_use`"', async () => {
    const r = await loop([use]);
    expect(r.status).to.equal(400);
    expect(r.body.error.type).to.equal('invalid_request_error');
    expect(r.body.error.message).to.match(/^messages\.1\.content\.0\.type: Expected `thinking` or `redacted_thinking`, but found `tool_use`\. When `thinking` is enabled/);
  });

  it('a signature not issued for that thinking text: 400 "Invalid `signature` in `thinking` block"', async () => {
    const first = (await (await post(url(), ask(), H)).json()) as any;
    const r = await loop([{ ...first.content[0], thinking: `${first.content[0].thinking} (edited)` }, use]);
    expect(r.status).to.equal(400);
    expect(r.body.error.message).to.equal('messages.1.content.0: Invalid `signature` in `thinking` block');
    const forged = await loop([{ type: 'redacted_thinking', data: Buffer.from('not ours').toString('base64') }, use]);
    expect(forged.status).to.equal(400);
    expect(forged.body.error.message).to.equal('messages.1.content.0: Invalid `data` in `redacted_thinking` block');
  });

  it('thinking budget rules: at least 1024, below max_tokens', async () => {
    const low = await post(url(), ask({ thinking: { type: 'enabled', budget_tokens: 100 } }), H);
    expect(low.status).to.equal(400);
    const over = (await (await post(url(), ask({ max_tokens: 2048 }), H)).json()) as any;
    expect(over.error.message).to.match(/^`max_tokens` must be greater than `thinking.budget_tokens`/);
  });
});

describe('simulator: OpenAI Responses reasoning items', () => {
  let sim: Simulator;
  const url = (): string => `${sim.baseUrls.openai}/responses`;
  const tools = [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, strict: true }];
  const ask = (extra: Record<string, unknown> = {}) => ({ model: 'gpt-5-mini', input: 'Weather in Paris?', tools, store: false, include: ['reasoning.encrypted_content'], ...extra });
  before(async () => {
    warmUpOpenApiValidators();
    sim = await startSimulator();
  });
  after(() => sim.close());

  it('a reasoning model answers with a reasoning item (summary, encrypted_content when included); others do not', async () => {
    const r = (await (await post(url(), ask(), {})).json()) as any;
    assertValid('Response', r);
    expect(r.output.map((o: any) => o.type)).to.deep.equal(['reasoning', 'function_call']);
    expect(r.output[0].summary[0].text).to.include('get_weather');
    expect(r.output[0].encrypted_content).to.match(/^gAAAA/);
    const noInclude = (await (await post(url(), ask({ include: undefined }), {})).json()) as any;
    expect(noInclude.output[0]).to.not.have.property('encrypted_content');
    const plain = (await (await post(url(), ask({ model: 'gpt-4o' }), {})).json()) as any;
    expect(plain.output.map((o: any) => o.type)).to.deep.equal(['function_call']);
  });

  it('streams the reasoning item (summary events, encrypted_content on output_item.done) and every event is valid', async () => {
    const events = parseSse(await (await post(url(), ask({ stream: true }), {})).text()).map((e) => JSON.parse(e.data));
    for (const e of events) assertValid('ResponseStreamEvent', e);
    const types = events.map((e) => e.type);
    expect(types.slice(2, 4)).to.deep.equal(['response.output_item.added', 'response.reasoning_summary_part.added']);
    const done = events.find((e) => e.type === 'response.output_item.done' && e.item.type === 'reasoning');
    expect(done.output_index).to.equal(0);
    expect(done.item.encrypted_content).to.match(/^gAAAA/);
    expect(events.find((e) => e.type === 'response.output_item.added' && e.item.type === 'function_call').output_index).to.equal(1);
    expect(events.at(-1).response.output[0].encrypted_content).to.equal(done.item.encrypted_content);
  });

  async function second(first: any, keep: (o: any) => any): Promise<{ status: number; body: any }> {
    const call = first.output.find((o: any) => o.type === 'function_call');
    const input = [
      { role: 'user', content: 'Weather in Paris?' },
      ...first.output.flatMap((o: any) => (keep(o) ? [keep(o)] : [])),
      { type: 'function_call_output', call_id: call.call_id, output: '21C' },
    ];
    const res = await post(url(), ask({ input }), {});
    return { status: res.status, body: await res.json() };
  }
  const strip = ({ id: _id, status: _status, ...rest }: any): any => rest;

  it('store:false tool loop: accepted with the reasoning item; 400 without it, as OpenAI refuses', async () => {
    const first = (await (await post(url(), ask(), {})).json()) as any;
    const ok = await second(first, (o) => (o.type === 'reasoning' ? o : strip(o)));
    expect(ok.status).to.equal(200);
    expect(ok.body.output.at(-1).content[0].text).to.include('Tool result received');
    const missing = await second(first, (o) => (o.type === 'reasoning' ? undefined : strip(o)));
    expect(missing.status).to.equal(400);
    expect(missing.body.error.message).to.equal(`Item '${first.output[1].id}' of type 'function_call' was provided without its required 'reasoning' item: '${first.output[0].id}'.`);
  });

  it('an encrypted_content it did not issue: 400 invalid_encrypted_content', async () => {
    const first = (await (await post(url(), ask(), {})).json()) as any;
    const tampered = first.output[0].encrypted_content.slice(0, -6) + 'AAAAAA';
    const r = await second(first, (o) => (o.type === 'reasoning' ? { ...o, encrypted_content: tampered } : strip(o)));
    expect(r.status).to.equal(400);
    expect(r.body.error).to.deep.include({ type: 'invalid_request_error', code: 'invalid_encrypted_content', param: null });
    expect(r.body.error.message).to.equal(`The encrypted content for item ${first.output[0].id} could not be verified. Reason: Encrypted content could not be decrypted or parsed.`);
  });

  it('a reasoning item with nothing after it: 400', async () => {
    const first = (await (await post(url(), ask(), {})).json()) as any;
    const res = await post(url(), ask({ input: [{ role: 'user', content: 'hi' }, first.output[0]] }), {});
    expect(res.status).to.equal(400);
    expect(((await res.json()) as any).error.message).to.equal(`Item '${first.output[0].id}' of type 'reasoning' was provided without its required following item.`);
  });
});
