// The Messages front door's side endpoints, driven by the official
// @anthropic-ai/sdk against a demo stack (router + provider simulators):
//   POST /v1/messages/count_tokens — the admission every data-plane route takes
//     (key, rpm, key scope through routing, prompt firewall), then Anthropic's
//     exact count when routing picks an anthropic provider, the router's
//     estimate otherwise; x-tokenrouter-token-count says which;
//   GET /v1/models and /v1/models/{id} in Anthropic's shape (the SDK sends
//     anthropic-version), scoped per key, with x-api-key authentication;
//   POST /v1/route/explain with `api: "messages"`.
import Anthropic from '@anthropic-ai/sdk';
import { expect } from 'chai';
import type { DemoStack } from '../../src/cli/demo-stack.js';
import { startStack, type KeyDef } from './shared-state-stack.js';

const KEYS = {
  team: { name: 'team', key: 'test-messages-extras-team' },
  openaiOnly: { name: 'openai-only', key: 'test-messages-extras-openai-only', extra: 'allowedProviders: [openai]' },
  limited: { name: 'limited', key: 'test-messages-extras-limited', extra: 'rpm: 2' },
} satisfies Record<string, KeyDef>;

/** "refactor" and "function" match the demo rule code-to-claude (set_provider: anthropic, which wins over the model string). */
/** Anthropic models whose upstream name makes the simulator fail every call (src/simulator/script.ts). */
const FAILING_MODELS = `apiVersion: tokenrouter/v1
kind: Models
metadata:
  name: failing-anthropic
spec:
  models:
    - { name: claude-overloaded, provider: anthropic, upstreamModel: claude-fail503, pricing: { input: 1, output: 1 }, quality: 0.1, contextWindow: 100000, capabilities: [streaming] }
    - { name: claude-refusing, provider: anthropic, upstreamModel: claude-fail400, pricing: { input: 1, output: 1 }, quality: 0.1, contextWindow: 100000, capabilities: [streaming] }
`;

const MESSAGES = [{ role: 'user' as const, content: 'Please refactor this small function for me' }];
/** Matches no demo routing rule: the model string decides. */
const PLAIN = [{ role: 'user' as const, content: 'Please summarise the meeting notes for me' }];
const SYSTEM = 'You are a careful reviewer.';

describe('Messages extras: count_tokens, models, explain (@anthropic-ai/sdk)', function () {
  this.timeout(30_000);
  let stack: DemoStack;
  let url = '';
  /** Claude Code with an auth token, and current SDKs with authToken, send the key as a Bearer. */
  const bearer = (k: KeyDef): Anthropic => new Anthropic({ baseURL: url, authToken: k.key, apiKey: null, maxRetries: 0 });
  /** The SDK with an API key sends it as x-api-key. */
  const xApiKey = (k: KeyDef): Anthropic => new Anthropic({ baseURL: url, apiKey: k.key, maxRetries: 0 });
  const countCalls = () => stack.sim.calls.filter((c) => c.protocol === 'anthropic-count-tokens');

  before(async () => {
    stack = await startStack({ keys: Object.values(KEYS), files: { 'failing.yaml': FAILING_MODELS } });
    url = stack.router.url;
  });
  after(() => stack?.stop());
  beforeEach(() => stack.sim.reset());

  describe('messages.countTokens', () => {
    it('is exact when routing picks an anthropic provider: Anthropic counted, with the provider key and anthropic-version', async () => {
      const { data, response } = await bearer(KEYS.team).messages.countTokens({ model: 'anthropic/claude-sonnet-4-5', system: SYSTEM, messages: MESSAGES }).withResponse();
      expect(response.status).to.equal(200);
      expect(response.headers.get('x-tokenrouter-token-count')).to.equal('exact');
      expect(response.headers.get('x-tokenrouter-provider')).to.equal('anthropic');
      expect(response.headers.get('x-tokenrouter-model')).to.equal('claude-sonnet-4-5');
      const calls = countCalls();
      expect(calls).to.have.length(1);
      const call = calls[0]!;
      expect(call.headers['anthropic-version']).to.be.a('string').and.not.equal('');
      expect(call.headers.authorization).to.equal(undefined); // the caller's key never travels
      expect(call.body).to.not.have.property('max_tokens');
      expect(call.model).to.equal('claude-sonnet-4-5');
      // The number is Anthropic's own answer to that body, passed on.
      const direct = await fetch(`${stack.sim.baseUrls.anthropic}/messages/count_tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': call.headers['x-api-key']!, 'anthropic-version': call.headers['anthropic-version']! },
        body: JSON.stringify(call.body),
      });
      expect(data).to.deep.equal(await direct.json());
      expect(stack.sim.calls.filter((c) => c.protocol === 'anthropic')).to.deep.equal([]); // nothing generated
    });

    it('is exact when a routing rule picks Anthropic for model auto (demo rule code-to-claude)', async () => {
      const { data, response } = await bearer(KEYS.team).messages.countTokens({ model: 'auto', messages: MESSAGES }).withResponse();
      expect(response.headers.get('x-tokenrouter-token-count')).to.equal('exact');
      expect(response.headers.get('x-tokenrouter-rules')).to.equal('code-to-claude');
      expect(countCalls()).to.have.length(1);
      expect(data.input_tokens).to.be.greaterThan(0);
    });

    it('is the router estimate when routed elsewhere — the same estimate explain reports for the body', async () => {
      const body = { model: 'openai/gpt-4o', system: SYSTEM, messages: PLAIN };
      const { data, response } = await bearer(KEYS.team).messages.countTokens(body).withResponse();
      expect(response.headers.get('x-tokenrouter-token-count')).to.equal('estimate');
      expect(response.headers.get('x-tokenrouter-provider')).to.equal('openai');
      expect(countCalls()).to.deep.equal([]);
      expect(stack.sim.calls).to.deep.equal([]); // no provider called at all
      const explain = await fetch(`${url}/v1/route/explain`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS.team.key}` },
        body: JSON.stringify({ api: 'messages', max_tokens: 100, ...body }),
      });
      expect(explain.status).to.equal(200);
      const explained = (await explain.json()) as any;
      expect(explained.request.api).to.equal('messages');
      expect(data.input_tokens).to.equal(explained.estimated_input_tokens);
      const longer = await bearer(KEYS.team).messages.countTokens({ ...body, messages: [...PLAIN, { role: 'assistant', content: 'Sure, paste them.' }, { role: 'user', content: 'Here it is, thanks a lot.' }] });
      expect(longer.input_tokens).to.be.greaterThan(data.input_tokens);
    });

    it('falls back to the estimate when Anthropic is overloaded (529), and passes its 400 on', async () => {
      const { data, response } = await bearer(KEYS.team).messages.countTokens({ model: 'anthropic/claude-overloaded', messages: PLAIN }).withResponse();
      expect(response.headers.get('x-tokenrouter-token-count')).to.equal('estimate');
      expect(countCalls().map((c) => c.model)).to.deep.equal(['claude-fail503']); // it was asked
      const explain = await fetch(`${url}/v1/route/explain`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS.team.key}` },
        body: JSON.stringify({ api: 'messages', model: 'anthropic/claude-overloaded', max_tokens: 10, messages: PLAIN }),
      });
      expect(data.input_tokens).to.equal(((await explain.json()) as any).estimated_input_tokens);
      const err = await bearer(KEYS.team)
        .messages.countTokens({ model: 'anthropic/claude-refusing', messages: PLAIN })
        .then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(Anthropic.BadRequestError);
    });

    it('a prompt the firewall blocks is a 403 and reaches no provider', async () => {
      const err = await bearer(KEYS.team)
        .messages.countTokens({ model: 'anthropic/claude-sonnet-4-5', messages: [{ role: 'user', content: 'my card is 4111 1111 1111 1111' }] })
        .then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(Anthropic.PermissionDeniedError);
      expect((err as InstanceType<typeof Anthropic.APIError>).status).to.equal(403);
      expect(stack.sim.calls).to.deep.equal([]);
    });

    it("the key's scope holds: an openai-only key cannot count on Anthropic (400, as Messages answers no_candidates), and auto routes it to an estimate", async () => {
      const err = await bearer(KEYS.openaiOnly)
        .messages.countTokens({ model: 'anthropic/claude-sonnet-4-5', messages: MESSAGES })
        .then(() => undefined, (e: unknown) => e);
      // No model left for this key: the router's 422 no_candidates is 400 invalid_request_error on the Messages routes (Anthropic never answers 422).
      expect(err).to.be.instanceOf(Anthropic.BadRequestError);
      expect((err as InstanceType<typeof Anthropic.APIError>).status).to.equal(400);
      const { response } = await bearer(KEYS.openaiOnly).messages.countTokens({ model: 'auto', messages: [{ role: 'user', content: 'hello there' }] }).withResponse();
      expect(response.headers.get('x-tokenrouter-token-count')).to.equal('estimate');
      expect(response.headers.get('x-tokenrouter-provider')).to.equal('openai');
      expect(countCalls()).to.deep.equal([]);
    });

    it("counts against the key's rpm (429 past it) and requires a valid key (401)", async () => {
      const c = bearer(KEYS.limited);
      await c.messages.countTokens({ model: 'openai/gpt-4o', messages: PLAIN });
      await c.messages.countTokens({ model: 'openai/gpt-4o', messages: PLAIN });
      const limited = await c.messages.countTokens({ model: 'openai/gpt-4o', messages: PLAIN }).then(() => undefined, (e: unknown) => e);
      expect(limited).to.be.instanceOf(Anthropic.RateLimitError);
      const bad = await bearer({ name: 'x', key: 'test-messages-extras-unknown' })
        .messages.countTokens({ model: 'openai/gpt-4o', messages: MESSAGES })
        .then(() => undefined, (e: unknown) => e);
      expect(bad).to.be.instanceOf(Anthropic.AuthenticationError);
    });

    it('is accounted under api="messages" with no token usage', async () => {
      const metrics = async (): Promise<string> => (await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${KEYS.team.key}` } })).text());
      const line = (text: string): number => {
        const m = /^tokenrouter_requests_total\{[^}]*api="messages"[^}]*provider="anthropic"[^}]*outcome="success"[^}]*\} (\d+)/m.exec(text);
        return m ? Number(m[1]) : 0;
      };
      const tokens = (text: string): string[] => text.split('\n').filter((l) => l.startsWith('tokenrouter_tokens_total') && l.includes('model="claude-3-haiku"'));
      const before = await metrics();
      await bearer(KEYS.team).messages.countTokens({ model: 'anthropic/claude-3-haiku', messages: MESSAGES });
      const after = await metrics();
      expect(line(after)).to.equal(line(before) + 1);
      expect(tokens(after)).to.deep.equal(tokens(before));
    });
  });

  describe('models in Anthropic shape', () => {
    it('models.list (x-api-key) pages ModelInfo objects, the same models the OpenAI list shows this key', async () => {
      const openaiShape = (await (await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${KEYS.openaiOnly.key}` } })).json()) as any;
      expect(openaiShape.object).to.equal('list');
      const seen: string[] = [];
      for await (const m of xApiKey(KEYS.openaiOnly).models.list({ limit: 2 })) {
        expect(m.type).to.equal('model');
        expect(m.display_name).to.be.a('string').and.not.equal('');
        expect(Number.isNaN(Date.parse(m.created_at))).to.equal(false);
        seen.push(m.id);
      }
      expect(seen).to.deep.equal(openaiShape.data.map((m: { id: string }) => m.id));
      expect(seen.every((id) => id.startsWith('openai/'))).to.equal(true);
      expect(seen.length).to.be.greaterThan(2); // more than one page was walked
    });

    it('one page carries has_more, first_id and last_id; before_id walks back', async () => {
      const page = await xApiKey(KEYS.team).models.list({ limit: 3 });
      expect(page.data).to.have.length(3);
      expect(page.has_more).to.equal(true);
      expect(page.first_id).to.equal(page.data[0]!.id);
      expect(page.last_id).to.equal(page.data[2]!.id);
      const next = await xApiKey(KEYS.team).models.list({ limit: 3, after_id: page.last_id! });
      const back = await xApiKey(KEYS.team).models.list({ limit: 3, before_id: next.first_id! });
      expect(back.data.map((m) => m.id)).to.deep.equal(page.data.map((m) => m.id));
    });

    it('models.retrieve answers a ModelInfo, and 404 for a model outside the key scope', async () => {
      const m = await xApiKey(KEYS.team).models.retrieve('anthropic/claude-sonnet-4-5');
      expect(m).to.deep.include({ type: 'model', id: 'anthropic/claude-sonnet-4-5', lifecycle: 'active' });
      // Every field the SDK's ModelInfo declares (it types them all as present).
      const declared: (keyof Anthropic.ModelInfo)[] = ['id', 'type', 'display_name', 'created_at', 'max_input_tokens', 'max_tokens', 'capabilities', 'lifecycle', 'line', 'deprecated_at', 'retires_at'];
      expect(Object.keys(m).sort()).to.deep.equal([...declared].sort());
      expect(m.max_input_tokens).to.be.a('number').and.greaterThan(0);
      const err = await xApiKey(KEYS.openaiOnly).models.retrieve('anthropic/claude-sonnet-4-5').then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(Anthropic.NotFoundError);
    });

    it('a wrong x-api-key is a 401', async () => {
      const err = await xApiKey({ name: 'x', key: 'test-messages-extras-unknown' }).models.list().then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(Anthropic.AuthenticationError);
    });
  });
});
