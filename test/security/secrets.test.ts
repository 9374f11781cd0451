// No provider key and no client key ever appears in a log line, a response
// (body or header), a metric or an error message. A representative slice of
// traffic — plain, streamed, tool, failover, a provider refusing a wrong key,
// a provider that echoes the key in its 401 (as OpenAI does), a 429, a
// firewall block, an unknown model, wrong and missing caller keys, the
// caller's key pasted into a body field, embeddings pass-through, replay and
// the management endpoints — runs with canary keys (canary-stack.ts)
// while everything the router says is captured, including every log line at
// level trace and every error the official SDK throws.
import { expect } from 'chai';
import OpenAI from 'openai';
import { CALLER_NAME, SECRETS, startCanaryStack, WRONG_KEY_PROVIDER, type CanaryStack } from './canary-stack.js';

interface Captured {
  where: string;
  text: string;
}

/** Where a secret could show up, and the forms it could take there. */
function leakForms(secret: string): string[] {
  const nonce = secret.slice(secret.lastIndexOf('-') + 1);
  return [secret, nonce, Buffer.from(secret).toString('base64'), encodeURIComponent(secret)];
}

function findLeaks(captured: readonly Captured[], secrets: readonly string[]): string[] {
  const forms = secrets.flatMap(leakForms);
  const leaks: string[] = [];
  for (const c of captured) {
    // Any "CANARY" is a leak: the word exists only inside the keys (also catches masked keys such as sk-SENTI…1f2e).
    const at = c.text.search(/canary/i);
    if (at >= 0) leaks.push(`${c.where}: …${c.text.slice(Math.max(0, at - 60), at + 60)}…`);
    for (const f of forms) if (c.text.includes(f)) leaks.push(`${c.where}: contains ${f.slice(0, 12)}…`);
  }
  return leaks;
}

describe('secrets never leak (canary keys through logs, responses, metrics and errors)', function () {
  this.timeout(60_000);
  let stack: CanaryStack;
  const captured: Captured[] = [];
  const statuses = new Map<string, number>();
  const thrown: string[] = [];

  /** One HTTP exchange, recorded whole: status, every header, the full body (streams read to the end). */
  async function call(name: string, path: string, init: { method?: string; body?: unknown; auth?: string | null; headers?: Record<string, string> } = {}): Promise<string> {
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    const auth = init.auth === undefined ? SECRETS.caller : init.auth;
    if (auth !== null) headers.authorization = `Bearer ${auth}`;
    const res = await fetch(`${stack.router.url}${path}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers,
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
    const text = await res.text();
    statuses.set(name, res.status);
    captured.push({ where: `${name} headers`, text: JSON.stringify([...res.headers.entries()]) });
    captured.push({ where: `${name} body`, text });
    return text;
  }

  async function scrape(when: string): Promise<void> {
    await call(`GET /metrics (${when})`, '/metrics', { auth: null });
  }

  /** An SDK call that may throw: its message, status, body and headers are captured. */
  async function sdk(name: string, run: () => Promise<unknown>): Promise<void> {
    try {
      const out = await run();
      captured.push({ where: `${name} (SDK result)`, text: JSON.stringify(out) });
    } catch (err) {
      const e = err as { message?: string; status?: number; error?: unknown; headers?: Headers };
      thrown.push(name);
      captured.push({ where: `${name} (SDK error)`, text: `${String(err)}\n${e.message}\n${JSON.stringify(e.error)}\n${JSON.stringify([...(e.headers?.entries() ?? [])])}` });
    }
  }

  before(async () => {
    stack = await startCanaryStack();
    expect(stack.router.store.current(), `the demo policies did not load:\n${stack.logs.join('\n')}`).to.not.equal(undefined);
    const sim = stack.sim;
    const client = new OpenAI({ baseURL: `${stack.router.url}/v1`, apiKey: SECRETS.caller, maxRetries: 0 });
    const stranger = new OpenAI({ baseURL: `${stack.router.url}/v1`, apiKey: SECRETS.wrongCaller, maxRetries: 0 });
    const tools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];

    await call('GET /readyz', '/readyz', { auth: null });
    await scrape('start');
    const plain = await call('plain', '/v1/responses', { body: { model: 'auto', input: 'hello there' } });
    await call('streamed responses', '/v1/responses', { body: { model: 'auto:cost', input: 'count to five', stream: true } });
    await call('streamed chat', '/v1/chat/completions', { body: { model: 'auto', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'count to five' }] } });
    await call('tool', '/v1/chat/completions', { body: { model: 'gemini/gemini-2.5-flash', tools, messages: [{ role: 'user', content: 'Weather in Paris?' }] } });
    await call('replay', `/v1/responses/${(JSON.parse(plain) as { id: string }).id}`);
    await call('wrong provider key (401)', '/v1/chat/completions', { body: { model: `${WRONG_KEY_PROVIDER.name}/${WRONG_KEY_PROVIDER.model}`, messages: [{ role: 'user', content: 'hi' }] } });

    // A provider that quotes the key it was given in its 401, as OpenAI's "Incorrect API key provided: sk-…" does.
    sim.setScript({
      models: {
        'llama-4-maverick': { fail: { status: 401, body: { error: { message: `Incorrect API key provided: ${SECRETS.provider}.`, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } } } },
        'gpt-4o': { fail: { status: 429, retryAfter: 1 } },
        'gpt-4.1': { fail: { status: 503 } },
      },
    });
    await call('provider echoes the key in its 401', '/v1/chat/completions', { body: { model: 'llama/llama-4-maverick', messages: [{ role: 'user', content: 'hi' }] } });
    await call('429', '/v1/responses', { body: { model: 'openai/gpt-4o', input: 'hi' } });
    await call('failover', '/v1/responses', { body: { model: 'auto', input: 'drill', metadata: { drill: 'outage' } } });
    await call('firewall block', '/v1/responses', { body: { model: 'auto', input: 'my card is 4111 1111 1111 1111' } });
    await call('unknown model', '/v1/responses', { body: { model: 'no-such-model', input: 'hi' } });
    await call('wrong caller key', '/v1/responses', { auth: SECRETS.wrongCaller, body: { model: 'auto', input: 'hi' } });
    await call('no caller key', '/v1/responses', { auth: null, body: { model: 'auto', input: 'hi' } });
    await call('caller key in x-api-key (Anthropic\'s header, accepted on every route)', '/v1/responses', { auth: null, headers: { 'x-api-key': SECRETS.caller }, body: { model: 'auto', input: 'hi' } });
    await call('caller key pasted into api_key', '/v1/responses', { body: { model: 'auto', input: 'hi', api_key: SECRETS.caller } });
    await call('embeddings', '/v1/embeddings', { body: { model: 'openai/text-embedding-3-small', input: 'hello' } });
    await scrape('middle');
    for (const path of ['/v1/providers', '/v1/policies', '/v1/models', '/v1/routing-rules', '/v1/firewall-rules']) await call(`GET ${path}`, path);
    await call('explain', '/v1/route/explain', { body: { model: 'auto', input: 'refactor this function' } });

    await sdk('SDK plain', () => client.responses.create({ model: 'auto', input: 'hello' }));
    await sdk('SDK stream', async () => {
      const events: unknown[] = [];
      for await (const e of await client.responses.create({ model: 'auto', input: 'hello', stream: true })) events.push(e);
      return events;
    });
    await sdk('SDK 429', () => client.responses.create({ model: 'openai/gpt-4o', input: 'hi' }));
    await sdk('SDK wrong provider key', () => client.chat.completions.create({ model: `${WRONG_KEY_PROVIDER.name}/${WRONG_KEY_PROVIDER.model}`, messages: [{ role: 'user', content: 'hi' }] }));
    await sdk('SDK provider echoes the key', () => client.chat.completions.create({ model: 'llama/llama-4-maverick', messages: [{ role: 'user', content: 'hi' }] }));
    await sdk('SDK unknown model', () => client.responses.create({ model: 'no-such-model', input: 'hi' }));
    await sdk('SDK wrong caller key', () => stranger.responses.create({ model: 'auto', input: 'hi' }));
    await sdk('SDK embeddings', () => client.embeddings.create({ model: 'openai/text-embedding-3-small', input: 'hello' }));
    sim.setScript({});
    await scrape('end');
    await stack.stop();
    captured.push(...stack.logs.map((line, i) => ({ where: `log line ${i + 1}`, text: line })));
  });

  after(async () => stack?.stop());

  it('the traffic took the paths it is meant to cover', () => {
    const expected: Record<string, number> = {
      plain: 200,
      'streamed responses': 200,
      'streamed chat': 200,
      tool: 200,
      replay: 200,
      'wrong provider key (401)': 502,
      'provider echoes the key in its 401': 502,
      '429': 429,
      failover: 200,
      'firewall block': 403,
      'unknown model': 400,
      'wrong caller key': 401,
      'no caller key': 401,
      "caller key in x-api-key (Anthropic's header, accepted on every route)": 200,
      'caller key pasted into api_key': 400,
      embeddings: 200,
      explain: 200,
      'GET /v1/providers': 200,
      'GET /metrics (end)': 200,
    };
    for (const [name, status] of Object.entries(expected)) expect(statuses.get(name), name).to.equal(status);
    expect(thrown.sort()).to.deep.equal(['SDK 429', 'SDK provider echoes the key', 'SDK unknown model', 'SDK wrong caller key', 'SDK wrong provider key']);
    // The logger really ran at trace level and saw the requests.
    expect(stack.logs.filter((l) => l.includes('"msg":"decision"')).length).to.be.greaterThan(15);
  });

  it('the canaries were live: the simulator received the provider keys', () => {
    const sent = stack.sim.calls.map((c) => JSON.stringify(c.headers) + c.path);
    expect(sent.some((s) => s.includes(SECRETS.provider))).to.equal(true);
    expect(sent.some((s) => s.includes(SECRETS.wrongProvider))).to.equal(true);
  });

  it('no provider key in any log line, response body or header, metric or error message', () => {
    const leaks = findLeaks(captured, [SECRETS.provider, SECRETS.wrongProvider]);
    expect(leaks, leaks.join('\n')).to.deep.equal([]);
  });

  it('no caller key either: callers appear only by their ApiKeys name', () => {
    const leaks = findLeaks(captured, [SECRETS.caller, SECRETS.wrongCaller]);
    expect(leaks, leaks.join('\n')).to.deep.equal([]);
    const decisions = stack.logs.map((l) => JSON.parse(l) as { msg: string; caller?: string }).filter((l) => l.msg === 'decision');
    expect(new Set(decisions.map((d) => d.caller))).to.deep.equal(new Set([CALLER_NAME]));
  });

  it("the caller's key never goes upstream (the pass-through swaps it for the provider key)", () => {
    const upstream = stack.sim.calls.map((c) => JSON.stringify(c));
    expect(upstream.filter((s) => s.includes(SECRETS.caller) || s.includes(SECRETS.wrongCaller))).to.deep.equal([]);
  });
});
