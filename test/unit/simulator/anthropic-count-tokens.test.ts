// The Anthropic simulator's POST /anthropic/v1/messages/count_tokens: auth and
// anthropic-version as on /messages, validation, and a count that equals the
// input a Messages call with the same body reports.
import { expect } from 'chai';
import { startSimulator, type Simulator } from '../../../src/simulator/index.js';
import { post } from './helpers.js';

describe('simulator: Anthropic count_tokens', () => {
  let sim: Simulator;
  const H = { 'x-api-key': 'ak', 'anthropic-version': '2023-06-01' };
  const url = (): string => `${sim.baseUrls.anthropic}/messages/count_tokens`;
  before(async () => {
    sim = await startSimulator({ requireKey: 'ak' });
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  it('answers {input_tokens} equal to the input a Messages call with the same body reports', async () => {
    const body = { model: 'claude-sonnet-4-5', system: 'Be brief and exact.', messages: [{ role: 'user', content: 'count these five words please' }] };
    const res = await post(url(), body, H);
    expect(res.status).to.equal(200);
    expect(res.headers.get('request-id')).to.match(/^req_/);
    const counted = (await res.json()) as { input_tokens: number };
    expect(Object.keys(counted)).to.deep.equal(['input_tokens']);
    const m = (await (await post(`${sim.baseUrls.anthropic}/messages`, { ...body, max_tokens: 50 }, H)).json()) as any;
    expect(counted.input_tokens).to.equal(m.usage.input_tokens);
    expect(counted.input_tokens).to.equal(9); // 4 system words + 5 user words
    expect(sim.calls[0]).to.deep.include({ protocol: 'anthropic-count-tokens', provider: 'anthropic', model: 'claude-sonnet-4-5' });
  });

  it('grows with the prompt (deterministic, word-based)', async () => {
    const one = (await (await post(url(), { model: 'c', messages: [{ role: 'user', content: 'a b' }] }, H)).json()) as any;
    const two = (await (await post(url(), { model: 'c', messages: [{ role: 'user', content: 'a b' }, { role: 'assistant', content: 'c d e' }, { role: 'user', content: 'f' }] }, H)).json()) as any;
    expect(one.input_tokens).to.equal(2);
    expect(two.input_tokens).to.equal(6);
  });

  it('refuses a wrong key with authentication_error, as /messages does', async () => {
    const res = await post(url(), { model: 'c', messages: [{ role: 'user', content: 'x' }] }, { ...H, 'x-api-key': 'wrong' });
    expect(res.status).to.equal(401);
    expect(((await res.json()) as any).error.type).to.equal('authentication_error');
  });

  it('requires anthropic-version, model and messages (400 invalid_request_error); max_tokens is not required', async () => {
    const noVersion = await post(url(), { model: 'c', messages: [{ role: 'user', content: 'x' }] }, { 'x-api-key': 'ak' });
    expect(noVersion.status).to.equal(400);
    expect(((await noVersion.json()) as any).error).to.deep.include({ type: 'invalid_request_error', message: 'anthropic-version: header is required' });
    const noModel = await post(url(), { messages: [{ role: 'user', content: 'x' }] }, H);
    expect(((await noModel.json()) as any).error.message).to.equal('model: Field required');
    const badRole = await post(url(), { model: 'c', messages: [{ role: 'user', content: 'x' }, { role: 'system', content: 'y' }] }, H);
    expect(badRole.status).to.equal(400);
    expect(((await badRole.json()) as any).error.message).to.equal("messages.1.role: Input should be 'user' or 'assistant'");
  });

  it('takes scripted faults as /messages does (a -fail503 model answers 529 overloaded_error)', async () => {
    const res = await post(url(), { model: 'claude-x-fail503', messages: [{ role: 'user', content: 'x' }] }, H);
    expect(res.status).to.equal(529);
    expect(((await res.json()) as any).error.type).to.equal('overloaded_error');
  });
});
