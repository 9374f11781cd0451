// Issue 17, "Done when" (first half): the hosted product's SDK calls, built by
// hand from its request and response shapes (docs/clients/hosted-contract-rules.md
// lists them) and sent with fetch, against a router serving the SHIPPED
// policies (models.yaml aliases included) whose providers are the simulators.
// Covered: responses.create with each SDK request shape and the docs' model
// names, responses.replay by request id (JSON and stream, 404, 409), routingRules.list/retrieve and firewallRules.list/retrieve (numeric id
// and name), the write calls' 405 naming file:line, and the hosted 404.
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { SHIPPED_POLICIES, startTestRouter, type TestRouter } from '../helpers/router.js';

const KEY_ENV = 'HOSTED_CONTRACT_PROVIDER_KEY';
const CLIENT = { name: 'hosted-app', key: 'hosted-contract-client' };
const AUTH = { authorization: `Bearer ${CLIENT.key}` };

/** A 1×1 PNG: the SDK's image part needs a real image URL; a data URL keeps the test offline. */
const PIXEL = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

/** The shipped providers.yaml with every provider on the simulator and one credential variable. */
async function providersOnSimulator(sim: Simulator): Promise<string> {
  const text = await readFile(path.join(SHIPPED_POLICIES, 'providers.yaml'), 'utf8');
  const bases: Record<string, string> = { ...sim.baseUrls, together: sim.baseUrls.llama };
  let current = '';
  return text
    .split('\n')
    .map((line) => {
      const name = /^\s*- name: (\S+)/.exec(line);
      if (name) current = name[1]!;
      if (/^\s*baseUrl:/.test(line)) return line.replace(/baseUrl: .*/, `baseUrl: ${bases[current]}`);
      if (/^\s*apiKeyEnv:/.test(line)) return line.replace(/apiKeyEnv: .*/, `apiKeyEnv: ${KEY_ENV}`);
      return line;
    })
    .join('\n');
}

/** A RoutingRules document written with the request mode aliases and dated metadata. */
const HOSTED_RULES = `apiVersion: tokenrouter/v1
kind: RoutingRules
metadata:
  name: hosted-rules
  createdAt: "2026-01-05T10:00:00Z"
  updatedAt: "2026-03-01T12:30:00Z"
spec:
  rules:
    - name: balanced-goes-fast
      priority: 5
      match: { mode: balanced, task: hosted-mode }
      action: { set_mode: fast }
`;

interface Reply {
  status: number;
  headers: Headers;
  body: any;
}

async function call(url: string, method: string, p: string, body?: unknown): Promise<Reply> {
  const res = await fetch(url + p, {
    method,
    headers: { ...AUTH, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

/** The line of `- name: <rule>` in a policy file of the running router's directory. */
async function lineOf(dir: string, file: string, rule: string): Promise<number> {
  const lines = (await readFile(path.join(dir, file), 'utf8')).split('\n');
  const i = lines.findIndex((l) => new RegExp(`^\\s*- name: ${rule}\\s*$`).test(l));
  expect(i, `${rule} in ${file}`).to.be.at.least(0);
  return i + 1;
}

function outputText(body: any): string {
  return (body.output ?? [])
    .filter((o: any) => o.type === 'message')
    .flatMap((o: any) => o.content)
    .filter((c: any) => c.type === 'output_text')
    .map((c: any) => c.text)
    .join('');
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('hosted SDK contract (requests built by hand, sent with fetch)', function () {
  this.timeout(30_000);
  let sim: Simulator;
  let t: TestRouter;
  /** Another replica over the same rules (ids must agree). */
  const start = () => startTestRouter({ apiKeys: [CLIENT], files: { 'hosted.yaml': HOSTED_RULES } });

  before(async () => {
    process.env[KEY_ENV] = 'sim-provider-key';
    sim = await startSimulator({ port: 0 });
    const providers = await providersOnSimulator(sim);
    t = await startTestRouter({ apiKeys: [CLIENT], files: { 'hosted.yaml': HOSTED_RULES, 'providers.yaml': providers } });
  });
  after(async () => {
    await t?.cleanup();
    await sim?.close();
    delete process.env[KEY_ENV];
  });
  beforeEach(() => sim.reset());

  const lastCall = () => sim.calls[sim.calls.length - 1]!;

  describe('responses.create: POST /v1/responses', () => {
    // model → [provider, catalog model, upstream model the provider was sent]
    const DOCS_MODELS: [string, string, string, string][] = [
      ['claude-3-7-sonnet-latest', 'anthropic', 'claude-3-7-sonnet', 'claude-3-7-sonnet-20250219'],
      ['gpt-4o-2024-11-20', 'openai', 'gpt-4o', 'gpt-4o'],
      ['claude-3-5-sonnet-20241022', 'anthropic', 'claude-3-5-sonnet', 'claude-3-5-sonnet-20241022'],
    ];
    for (const [model, provider, catalog, upstream] of DOCS_MODELS) {
      it(`the docs' model name ${model} resolves to ${provider}/${catalog}`, async () => {
        const r = await call(t.url, 'POST', '/v1/responses', { model, input: 'Hello there' });
        expect(r.status, JSON.stringify(r.body)).to.equal(200);
        expect(r.headers.get('x-tokenrouter-provider')).to.equal(provider);
        expect(r.headers.get('x-tokenrouter-model')).to.equal(catalog);
        expect(lastCall().model).to.equal(upstream);
        expect(outputText(r.body)).to.include('You said: Hello there');
      });
    }

    for (const [model, mode, catalog] of [
      ['gpt-4o:balance', 'balance', 'gpt-4o'],
      ['claude-3-7-sonnet-latest:quality', 'quality', 'claude-3-7-sonnet'],
      ['gpt-4o-2024-11-20:fast', 'latency', 'gpt-4o'],
    ] as const) {
      it(`MODEL:MODE with the docs' names: ${model}`, async () => {
        const r = await call(t.url, 'POST', '/v1/responses', { model, input: 'Hi' });
        expect(r.status, JSON.stringify(r.body)).to.equal(200);
        expect(r.headers.get('x-tokenrouter-mode')).to.equal(mode);
        expect(r.headers.get('x-tokenrouter-model')).to.equal(catalog);
      });
    }

    it('input parts {type: "text"} and {type: "image_url", image_url: {url}}', async () => {
      const r = await call(t.url, 'POST', '/v1/responses', {
        model: 'gpt-4o-2024-11-20',
        input: [{ role: 'user', content: [{ type: 'text', text: 'What is in this picture?' }, { type: 'image_url', image_url: { url: PIXEL } }] }],
      });
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      expect(outputText(r.body)).to.include('You said: What is in this picture?').and.include('I see 1 image(s).');
    });

    it('Chat-style tools and tool_choice {type: "function", function: {name}} → a function_call output item', async () => {
      const tools = [
        { type: 'function', function: { name: 'get_time', description: 'Current time', parameters: { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'] } } },
        { type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
      ];
      const r = await call(t.url, 'POST', '/v1/responses', {
        model: 'claude-3-7-sonnet-latest',
        input: 'Weather in Paris?',
        tools,
        tool_choice: { type: 'function', function: { name: 'get_weather' } },
      });
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      const calls = r.body.output.filter((o: any) => o.type === 'function_call');
      expect(calls).to.have.length(1);
      expect(calls[0].name).to.equal('get_weather');
      expect(JSON.parse(calls[0].arguments)).to.have.property('city').that.is.a('string');
      // The provider got both tools and the forced choice in its own dialect (Anthropic).
      expect(lastCall().body.tools.map((x: any) => x.name)).to.deep.equal(['get_time', 'get_weather']);
      expect(lastCall().body.tool_choice).to.deep.equal({ type: 'tool', name: 'get_weather' });
    });

    it('text: {type: "json_schema", json_schema: {name, schema, strict}} → JSON output in the schema', async () => {
      const schema = { type: 'object', properties: { city: { type: 'string' }, celsius: { type: 'number' } }, required: ['city', 'celsius'], additionalProperties: false };
      const r = await call(t.url, 'POST', '/v1/responses', {
        model: 'gpt-4o',
        input: 'Weather report',
        text: { type: 'json_schema', json_schema: { name: 'report', schema, strict: true } },
      });
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      const doc = JSON.parse(outputText(r.body));
      expect(doc).to.have.all.keys('city', 'celsius');
      expect(lastCall().body.text.format).to.include({ type: 'json_schema', name: 'report', strict: true });
    });

    it('router_mode / router_model / router_provider choose the route', async () => {
      const r = await call(t.url, 'POST', '/v1/responses', { input: 'Hi', router_mode: 'cost', router_provider: 'anthropic', router_model: 'claude-3-5-sonnet-20241022' });
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      expect(r.headers.get('x-tokenrouter-mode')).to.equal('cost');
      expect(r.headers.get('x-tokenrouter-provider')).to.equal('anthropic');
      expect(r.headers.get('x-tokenrouter-model')).to.equal('claude-3-5-sonnet');
      const lone = await call(t.url, 'POST', '/v1/responses', { input: 'Hi', router_mode: 'fast' });
      expect(lone.headers.get('x-tokenrouter-mode')).to.equal('latency');
    });

    it('reasoning: {effort} reaches a reasoning model', async () => {
      const r = await call(t.url, 'POST', '/v1/responses', { model: 'gpt-5', input: 'Think about it', reasoning: { effort: 'low' } });
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      expect(lastCall().body.reasoning).to.deep.include({ effort: 'low' });
    });

    it("a policy rule written with the request aliases (match.mode balanced → set_mode fast) applies", async () => {
      const r = await call(t.url, 'POST', '/v1/responses', { model: 'auto:balanced', input: 'Hi', metadata: { task: 'hosted-mode' } });
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      expect(r.headers.get('x-tokenrouter-rules')).to.equal('balanced-goes-fast');
      expect(r.headers.get('x-tokenrouter-mode')).to.equal('latency');
    });
  });

  describe('responses.replay: POST /v1/responses/{requestID}', () => {
    /** The named events of a hosted-dialect stream, in order. */
    async function namedEvents(res: Response): Promise<{ event: string; data: any }[]> {
      const text = await res.text();
      return text
        .split('\n\n')
        .filter((block) => block.includes('event: '))
        .map((block) => {
          const event = /^event: (.*)$/m.exec(block)![1]!;
          const data = block
            .split('\n')
            .filter((l) => l.startsWith('data: '))
            .map((l) => l.slice(6))
            .join('\n');
          return { event, data: JSON.parse(data) };
        });
    }

    it('JSON: the request id from x-request-id / metadata.request_id replays the same response with its routing metadata', async () => {
      const created = await call(t.url, 'POST', '/v1/responses', { model: 'gpt-4o-2024-11-20', input: 'Remember me' });
      expect(created.status).to.equal(200);
      const requestId = created.headers.get('x-request-id')!;
      expect(requestId).to.match(/^req_/);
      expect(created.body.metadata.request_id).to.equal(requestId);
      const calls = sim.calls.length;
      const replayed = await call(t.url, 'POST', `/v1/responses/${requestId}`, {});
      expect(replayed.status, JSON.stringify(replayed.body)).to.equal(200);
      expect(replayed.body.id).to.equal(created.body.id);
      expect(outputText(replayed.body)).to.equal(outputText(created.body));
      expect(replayed.body.metadata).to.include({ provider: 'openai', request_id: requestId, routing_mode: created.body.metadata.routing_mode });
      expect(sim.calls.length, 'a replay never calls the provider').to.equal(calls);
    });

    it('stream: {stream: true} re-streams it, in the hosted dialect when asked, metadata first and done last', async () => {
      const created = await call(t.url, 'POST', '/v1/responses', { model: 'claude-3-7-sonnet-latest', input: 'Stream me later' });
      const requestId = created.headers.get('x-request-id')!;
      const res = await fetch(`${t.url}/v1/responses/${requestId}`, {
        method: 'POST',
        headers: { ...AUTH, 'content-type': 'application/json', 'x-tokenrouter-stream-format': 'tokenrouter' },
        body: JSON.stringify({ stream: true }),
      });
      expect(res.status).to.equal(200);
      const events = await namedEvents(res);
      expect(events[0]!.event).to.equal('metadata');
      expect(events[0]!.data).to.include({ provider: 'anthropic', request_id: requestId });
      expect(events.at(-1)).to.deep.equal({ event: 'done', data: null });
      const text = events.filter((e) => e.event === 'content.delta').map((e) => e.data.delta.text).join('');
      expect(text).to.equal(outputText(created.body));
    });

    it('an unknown request id answers 404 in the hosted envelope; a Chat completion has nothing to replay (409)', async () => {
      const unknown = await call(t.url, 'POST', '/v1/responses/req_00000000000000000000000000', {});
      expect(unknown.status).to.equal(404);
      expect(unknown.body.error).to.include({ type: 'not_found_error', provider: null, http_status: 404 });
      const chat = await fetch(`${t.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { ...AUTH, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(chat.status).to.equal(200);
      const conflict = await call(t.url, 'POST', `/v1/responses/${chat.headers.get('x-request-id')}`, {});
      expect(conflict.status).to.equal(409);
      expect(conflict.body.error).to.include({ code: 'response_not_stored', http_status: 409, provider: null });
    });
  });

  describe('routingRules.* and firewallRules.*', () => {
    const ROUTING_FIELDS = ['id', 'name', 'is_enabled', 'priority', 'match_json', 'action_json', 'created_at', 'updated_at', 'user_id'];
    const FIREWALL_FIELDS = ['id', 'name', 'is_enabled', 'priority', 'scope', 'type', 'pattern', 'action', 'replacement', 'created_at', 'updated_at', 'user_id'];

    function sdkTyped(rule: any, fields: string[]): void {
      expect(rule, rule.name).to.include.all.keys(...fields);
      expect(Number.isSafeInteger(rule.id) && rule.id > 0, `id of ${rule.name}`).to.equal(true);
      expect(rule.name).to.be.a('string');
      expect(rule.is_enabled).to.be.a('boolean');
      expect(rule.priority).to.be.a('number').within(-1000, 1000);
      expect(rule.created_at).to.match(ISO);
      expect(rule.updated_at).to.match(ISO);
      expect(Date.parse(rule.created_at)).to.be.at.most(Date.parse(rule.updated_at));
      expect(rule.user_id).to.equal(0);
    }

    it('routingRules.list(): {data: [...]} in evaluation order with the SDK fields and types', async () => {
      const r = await call(t.url, 'GET', '/v1/routing-rules');
      expect(r.status).to.equal(200);
      const data = r.body.data as any[];
      expect(data.map((x) => x.name)).to.deep.equal(['legal-stays-on-openai', 'code-to-claude', 'summaries-are-cheap', 'enterprise-quality', 'balanced-goes-fast']);
      const priorities = data.map((x) => x.priority);
      expect(priorities).to.deep.equal([...priorities].sort((a, b) => b - a));
      for (const x of data) {
        sdkTyped(x, ROUTING_FIELDS);
        for (const k of Object.keys(x.match_json)) expect(['contains', 'metadata_equals', 'mode', 'task'], `${x.name} match_json`).to.include(k);
        for (const k of Object.keys(x.action_json)) expect(['set_provider', 'set_model', 'set_mode', 'add_warning'], `${x.name} action_json`).to.include(k);
      }
      expect(new Set(data.map((x) => x.id)).size).to.equal(data.length);
      const hosted = data.find((x) => x.name === 'balanced-goes-fast');
      // Written with the request aliases; shown in the SDK's vocabularies (match: fast|balanced|quality, action: balance|cost|quality|latency).
      expect(hosted).to.deep.include({ match_json: { mode: 'balanced', task: 'hosted-mode' }, action_json: { set_mode: 'latency' } });
      expect(hosted).to.include({ created_at: '2026-01-05T10:00:00.000Z', updated_at: '2026-03-01T12:30:00.000Z' });
      // A rule that only a `when` condition selects: empty match_json, the condition beside it.
      const enterprise = data.find((x) => x.name === 'enterprise-quality');
      expect(enterprise.match_json).to.deep.equal({});
      expect(enterprise.when).to.have.property('all');
    });

    it('routingRules.retrieve(id) by numeric id and by name: {data: rule}', async () => {
      const list = (await call(t.url, 'GET', '/v1/routing-rules')).body.data as any[];
      for (const rule of list) {
        const byId = await call(t.url, 'GET', `/v1/routing-rules/${rule.id}`);
        expect(byId.status).to.equal(200);
        expect(Object.keys(byId.body)).to.deep.equal(['data']);
        expect(byId.body.data).to.deep.equal(rule);
        const byName = await call(t.url, 'GET', `/v1/routing-rules/${encodeURIComponent(rule.name)}`);
        expect(byName.body).to.deep.equal(byId.body);
      }
    });

    it('ids are the same on another replica loaded from the same files', async () => {
      const other = await start().catch(() => undefined);
      // The replica's providers point at the real hosts; it serves the rules API without calling them.
      expect(other, 'replica started').to.not.equal(undefined);
      try {
        for (const p of ['/v1/routing-rules', '/v1/firewall-rules']) {
          const a = (await call(t.url, 'GET', p)).body.data.map((x: any) => [x.name, x.id]);
          const b = (await call(other!.url, 'GET', p)).body.data.map((x: any) => [x.name, x.id]);
          expect(b).to.deep.equal(a);
        }
      } finally {
        await other!.cleanup();
      }
    });

    it('firewallRules.list() and retrieve(id) by numeric id and by name', async () => {
      const r = await call(t.url, 'GET', '/v1/firewall-rules');
      expect(r.status).to.equal(200);
      const data = r.body.data as any[];
      expect(data.length).to.be.greaterThan(0);
      for (const x of data) {
        sdkTyped(x, FIREWALL_FIELDS);
        expect(['prompt', 'response']).to.include(x.scope);
        expect(['block', 'mask', 'warn']).to.include(x.action);
        expect(x.replacement === null || typeof x.replacement === 'string').to.equal(true);
        const byId = await call(t.url, 'GET', `/v1/firewall-rules/${x.id}`);
        expect(byId.body).to.deep.equal({ data: x });
        expect((await call(t.url, 'GET', `/v1/firewall-rules/${x.name}`)).body).to.deep.equal({ data: x });
      }
    });

    it('a missing rule → 404 not_found_error in the hosted words', async () => {
      const ids = new Set(((await call(t.url, 'GET', '/v1/routing-rules')).body.data as any[]).map((x) => x.id));
      let unknown = 1;
      while (ids.has(unknown)) unknown++;
      for (const [p, message, code] of [
        [`/v1/routing-rules/${unknown}`, 'Routing rule not found', 'routing_rule_not_found'],
        ['/v1/routing-rules/no-such-rule', 'Routing rule not found', 'routing_rule_not_found'],
        [`/v1/firewall-rules/${unknown}`, 'Firewall rule not found', 'firewall_rule_not_found'],
      ] as const) {
        const r = await call(t.url, 'GET', p);
        expect(r.status, p).to.equal(404);
        expect(r.body.error).to.include({ type: 'not_found_error', message, code });
      }
    });

    it('create / update / delete → 405 policy_read_only naming the file (and line) to edit', async () => {
      const routing = (await call(t.url, 'GET', '/v1/routing-rules')).body.data as any[];
      const firewall = (await call(t.url, 'GET', '/v1/firewall-rules')).body.data as any[];
      const legal = routing.find((x) => x.name === 'legal-stays-on-openai');
      const hosted = routing.find((x) => x.name === 'balanced-goes-fast');
      const fw = firewall[0];
      const body = { name: 'new', match_json: { contains: 'x' }, action_json: { set_mode: 'cost' } };
      const cases: [string, string, string[]][] = [
        ['POST', '/v1/routing-rules', ['routing.yaml', 'hosted.yaml', 'RoutingRules']],
        ['PATCH', `/v1/routing-rules/${legal.id}`, [`"legal-stays-on-openai" at routing.yaml:${await lineOf(t.dir, 'routing.yaml', 'legal-stays-on-openai')}`]],
        ['PUT', `/v1/routing-rules/${hosted.name}`, [`"balanced-goes-fast" at hosted.yaml:${await lineOf(t.dir, 'hosted.yaml', 'balanced-goes-fast')}`]],
        ['DELETE', `/v1/routing-rules/${hosted.id}`, [`"balanced-goes-fast" at hosted.yaml:`]],
        ['POST', '/v1/firewall-rules', ['firewall.yaml', 'FirewallRules']],
        ['PATCH', `/v1/firewall-rules/${fw.id}`, [`"${fw.name}" at firewall.yaml:${await lineOf(t.dir, 'firewall.yaml', fw.name)}`]],
        ['DELETE', `/v1/firewall-rules/${fw.id}`, [`"${fw.name}" at firewall.yaml:`]],
      ];
      for (const [method, p, mentions] of cases) {
        const r = await call(t.url, method, p, method === 'DELETE' ? undefined : body);
        expect(r.status, `${method} ${p}`).to.equal(405);
        expect(r.headers.get('allow')).to.equal('GET, HEAD');
        expect(r.body.error).to.include({ type: 'invalid_request_error', code: 'policy_read_only' });
        for (const m of mentions) expect(r.body.error.message, `${method} ${p}`).to.include(m);
      }
      // Nothing changed.
      expect((await call(t.url, 'GET', '/v1/routing-rules')).body.data).to.deep.equal(routing);
    });
  });
});
