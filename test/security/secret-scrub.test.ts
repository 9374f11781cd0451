// Issue 14, finding 7 "Provider error text reaches clients unscrubbed": an
// upstream that quotes the key it was sent in its error message leaked the
// router's provider key to the caller. Here the simulated OpenAI, Anthropic
// and Gemini upstreams echo the key they received (Authorization, x-api-key,
// x-goog-api-key), bare — not shaped like sk-… or "Bearer …", so only the
// router's knowledge of its own secrets can catch it — in HTTP errors and in
// in-band stream errors before and after the first byte; others quote the
// caller's key or the Redis password. The official SDK is the client; no key
// may appear in anything it sees, nor in any router log line (level trace).
import { expect } from 'chai';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type OpenAI from 'openai';
import { settingsYaml } from '../helpers/router.js';
import { deletePrefix, requireRedis, TEST_REDIS_URL, testPrefix } from '../unit/state/backends.js';
import { errorText, startErrorsStack, type ErrorsStack } from './errors-stack.js';
import type { Behaviour } from '../../src/simulator/types.js';
import { maskSecrets, SecretScrubber } from '../../src/telemetry/secrets.js';
import { sha256Hex } from '../helpers/router.js';

const PROVIDERS = [
  { name: 'openai', model: 'gpt-4o-mini' },
  { name: 'anthropic', model: 'claude-3-haiku' },
  { name: 'gemini', model: 'gemini-2.5-flash' },
] as const;

interface Seen {
  where: string;
  text: string;
}

function leaks(seen: readonly Seen[], secrets: readonly string[]): string[] {
  const out: string[] = [];
  for (const s of seen) for (const k of secrets) if (s.text.includes(k)) out.push(`${s.where}: contains ${k.slice(0, 10)}…`);
  return out;
}

/** A chat call through the SDK, streamed or not, read to the end: everything the application sees, including the error. */
async function chat(client: OpenAI, model: string, stream: boolean): Promise<string> {
  try {
    if (!stream) return JSON.stringify(await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hello there' }] }));
    let text = '';
    const s = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hello there' }], stream: true });
    for await (const chunk of s) text += JSON.stringify(chunk);
    return text;
  } catch (err) {
    return `ERROR ${errorText(err)}`;
  }
}

/** The same through the Responses API, raw (the SSE `error` event and response.failed are kept whole). */
async function responsesRaw(stack: ErrorsStack, model: string, stream: boolean): Promise<string> {
  const res = await fetch(`${stack.router.url}/v1/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.secrets.caller}` },
    body: JSON.stringify({ model, input: 'hello there', stream }),
  });
  return `${res.status} ${JSON.stringify([...res.headers.entries()])} ${await res.text()}`;
}

describe('provider error text is scrubbed of secrets (finding 7)', function () {
  this.timeout(60_000);
  let stack: ErrorsStack;
  const seen: Seen[] = [];

  before(async () => {
    stack = await startErrorsStack();
  });
  after(async () => {
    await stack?.stop();
  });

  const cases: Array<{ name: string; behaviour: (p: (typeof PROVIDERS)[number]) => Behaviour; stream: boolean }> = [
    { name: 'HTTP 400 quoting the key', stream: false, behaviour: () => ({ fail: { status: 400, kind: 'invalid_request', echoCredentials: true } }) },
    { name: 'HTTP 429 quoting the key', stream: false, behaviour: () => ({ fail: { status: 429, kind: 'rate_limit', echoCredentials: true } }) },
    { name: 'HTTP 500 quoting the key (retried)', stream: false, behaviour: () => ({ fail: { status: 500, kind: 'server_error', echoCredentials: true } }) },
    { name: 'HTTP error quoting the key, stream requested', stream: true, behaviour: () => ({ fail: { status: 400, kind: 'invalid_request', echoCredentials: true } }) },
    { name: 'in-band error before the first byte', stream: true, behaviour: () => ({ inBandErrorAfterChunks: 0, inBandError: { kind: 'invalid_request', echoCredentials: true } }) },
    { name: 'in-band error after content', stream: true, behaviour: () => ({ inBandErrorAfterChunks: 3, inBandError: { kind: 'server_error', echoCredentials: true } }) },
    { name: 'in-band quota error after content', stream: true, behaviour: () => ({ inBandErrorAfterChunks: 3, inBandError: { kind: 'quota', echoCredentials: true } }) },
  ];

  for (const p of PROVIDERS) {
    for (const c of cases) {
      it(`${p.name}: ${c.name}${c.stream ? ' (stream)' : ''}: the key is masked for the SDK client`, async () => {
        stack.sim.setScript({ models: { [p.model]: c.behaviour(p) } });
        stack.sim.reset();
        const chatText = await chat(stack.sdk({ maxRetries: 0 }), `${p.name}/${p.model}`, c.stream);
        const respText = await responsesRaw(stack, `${p.name}/${p.model}`, c.stream);
        seen.push({ where: `${p.name} ${c.name} chat`, text: chatText }, { where: `${p.name} ${c.name} responses`, text: respText });
        // The upstream did get (and echo) the key: the scenario is real.
        const env = `DEMO_${p.name.toUpperCase()}_KEY`;
        const key = stack.secrets.providers[env]!;
        expect(stack.sim.calls.length, 'the upstream was called').to.be.greaterThan(0);
        expect(JSON.stringify(stack.sim.calls[0]!.headers)).to.include(key);
        expect(chatText, 'the client saw the (masked) provider message').to.include('[redacted]');
        expect(respText).to.include('[redacted]');
        expect(leaks(seen.slice(-2), Object.values(stack.secrets.providers))).to.deep.equal([]);
      });
    }
  }

  it("a provider message quoting the caller's own key (known to the router only by its sha256) is masked", async () => {
    const quote = (k: string): Behaviour => ({ fail: { status: 400, kind: 'invalid_request', message: `Unrecognised text near "${k}".` } });
    stack.sim.setScript({ models: { 'gpt-4o-mini': quote(stack.secrets.caller) } });
    const text = await chat(stack.sdk({ maxRetries: 0 }), 'openai/gpt-4o-mini', false);
    expect(text).to.include('[redacted]');
    expect(text).not.to.include(stack.secrets.caller);
    stack.sim.setScript({ models: { 'gpt-4o-mini': { inBandErrorAfterChunks: 2, inBandError: { kind: 'invalid_request', message: `Unrecognised text near ${stack.secrets.caller}.` } } } });
    const streamed = await chat(stack.sdk({ maxRetries: 0 }), 'openai/gpt-4o-mini', true);
    expect(streamed).to.include('[redacted]');
    expect(streamed).not.to.include(stack.secrets.caller);
  });

  it('an embeddings error (forwarded, not translated) quoting the key is masked too', async () => {
    stack.sim.setScript({ models: { 'text-embedding-3-small': { fail: { status: 400, kind: 'invalid_request', echoCredentials: true } } } });
    stack.sim.reset();
    let text = '';
    try {
      await stack.sdk({ maxRetries: 0 }).embeddings.create({ model: 'openai/text-embedding-3-small', input: 'hello there' });
      text = 'no error';
    } catch (err) {
      text = errorText(err);
    }
    seen.push({ where: 'embeddings', text });
    expect(JSON.stringify(stack.sim.calls[0]?.headers ?? {})).to.include(stack.secrets.providers.DEMO_OPENAI_KEY!);
    expect(text).to.include('[redacted]');
    expect(text).not.to.include(stack.secrets.providers.DEMO_OPENAI_KEY!);
  });

  it('follows a policy reload: a provider now configured with another key env has that key masked', async () => {
    const file = path.join(stack.dir, 'providers.yaml');
    const original = await readFile(file, 'utf8');
    const next = `NEXTKEY${Date.now()}0123456789`;
    process.env.DEMO_OPENAI_KEY_NEXT = next;
    try {
      await writeFile(file, original.replace('apiKeyEnv: DEMO_OPENAI_KEY }', 'apiKeyEnv: DEMO_OPENAI_KEY_NEXT }'));
      await stack.router.reloader.reload();
      stack.sim.setScript({ models: { 'gpt-4o-mini': { fail: { status: 400, kind: 'invalid_request', echoCredentials: true } } } });
      stack.sim.reset();
      const text = await chat(stack.sdk({ maxRetries: 0 }), 'openai/gpt-4o-mini', false);
      expect(JSON.stringify(stack.sim.calls[0]?.headers ?? {}), 'the new key was used').to.include(next);
      expect(text).to.include('[redacted]');
      expect(text).not.to.include(next);
      expect(stack.logs.join('\n')).not.to.include(next);
    } finally {
      await writeFile(file, original);
      await stack.router.reloader.reload();
      delete process.env.DEMO_OPENAI_KEY_NEXT;
    }
  });

  it('follows a key rotation: a changed provider key is masked from the next error on', async () => {
    const env = 'DEMO_OPENAI_KEY';
    const before = process.env[env];
    const rotated = `ROTATEDKEY${Date.now()}abcdef`;
    process.env[env] = rotated;
    try {
      stack.sim.setScript({ models: { 'gpt-4o-mini': { fail: { status: 400, kind: 'invalid_request', echoCredentials: true } } } });
      const text = await chat(stack.sdk({ maxRetries: 0 }), 'openai/gpt-4o-mini', false);
      expect(text).to.include('[redacted]');
      expect(text).not.to.include(rotated);
    } finally {
      process.env[env] = before;
    }
  });

  it('no key appears in any log line, and the decision lines carry the masked provider messages', () => {
    const all = stack.logs.join('\n');
    const secrets = [...Object.values(stack.secrets.providers), stack.secrets.caller];
    expect(leaks([{ where: 'logs', text: all }], secrets)).to.deep.equal([]);
    const decisions = stack.logs.filter((l) => l.includes('"msg":"decision"') && l.includes('"error"'));
    expect(decisions.length).to.be.greaterThan(10);
    expect(decisions.some((l) => l.includes('[redacted]'))).to.equal(true);
    // Every line is still JSON after the scrubber ran over it.
    for (const l of stack.logs) JSON.parse(l);
  });

  it('nothing the SDK saw contains any key', () => {
    expect(leaks(seen, [...Object.values(stack.secrets.providers), stack.secrets.caller])).to.deep.equal([]);
  });
});

describe('the Redis password is scrubbed from provider messages and logs (finding 7)', function () {
  this.timeout(30_000);
  let stack: ErrorsStack | undefined;
  const prefix = testPrefix();
  const password = `REDISPW${Date.now()}xyzxyz`;

  before(async function () {
    await requireRedis(this, 'Redis password scrubbing');
    const url = new URL(TEST_REDIS_URL);
    if (!url.password) url.password = password;
    stack = await startErrorsStack({
      start: { redisUrl: url.toString() },
      files: { 'settings.yaml': settingsYaml({ defaultMode: 'balance', state: { keyPrefix: prefix } } as never) },
    });
  });
  after(async () => {
    await stack?.stop();
    await deletePrefix(TEST_REDIS_URL, prefix).catch(() => {});
  });

  it('a message quoting the Redis password reaches neither the client nor the log', async () => {
    const pw = decodeURIComponent(new URL(TEST_REDIS_URL).password) || password;
    stack!.sim.setScript({ models: { 'gpt-4o-mini': { fail: { status: 400, kind: 'invalid_request', message: `upstream cache said: auth ${pw} refused` } } } });
    const text = await chat(stack!.sdk({ maxRetries: 0 }), 'openai/gpt-4o-mini', false);
    expect(text).to.include('[redacted]');
    expect(text).not.to.include(pw);
    expect(stack!.logs.join('\n')).not.to.include(pw);
  });
});

describe('maskSecrets and SecretScrubber (finding 7)', () => {
  it('masks credential shapes and leaves ordinary text alone', () => {
    const cases: Array<[string, string]> = [
      ['Incorrect API key provided: sk-proj-abc123DEF456.', 'Incorrect API key provided: sk-[redacted].'],
      ['got Authorization: Bearer abcdefgh12345678', 'got Authorization: Bearer [redacted]'],
      ['x-api-key: k3y-value-123', 'x-api-key: [redacted]'],
      ['"x-goog-api-key":"zzzzzzzz"', '"x-goog-api-key":"[redacted]"'],
      ['consumer api_key:AIzaSyA1234567890123456789012 denied', 'consumer api_key:[redacted] denied'],
      ['GET /v1/models?key=0123456789abcdef0123&alt=sse', 'GET /v1/models?key=[redacted]&alt=sse'],
      ['token=deadbeefdeadbeefdeadbeef; path=/', 'token=[redacted]; path=/'],
      ['redis://default:hunter2hunter2@cache:6379/0', 'redis://default:[redacted]@cache:6379/0'],
      ['bearer tokens expire; the tokenrouter key rotation ran', 'bearer tokens expire; the tokenrouter key rotation ran'],
      ['Rate limit reached for gpt-4o-mini in organization org-x on tokens per min.', 'Rate limit reached for gpt-4o-mini in organization org-x on tokens per min.'],
    ];
    for (const [input, want] of cases) expect(maskSecrets(input), input).to.equal(want);
  });

  it('keeps a JSON log line valid JSON', () => {
    const line = JSON.stringify({ msg: 'x', error: { message: 'key=abcdefghijkl, "authorization":"Bearer abcdefghijkl" x-api-key: QQQQQQQQQQ' } });
    const out = maskSecrets(line);
    expect(() => JSON.parse(out)).not.to.throw();
    expect(out).not.to.match(/abcdefghijkl|QQQQQQQQQQ/);
  });

  it('masks known secrets literally (also URL-encoded and base64) and client keys by their sha256', () => {
    const s = new SecretScrubber(['PROVKEY0123456789', 'short'], [sha256Hex('CALLERKEY0123456789ab')]);
    expect(s.scrub('got PROVKEY0123456789.')).to.equal('got [redacted].');
    expect(s.scrub(`b64 ${Buffer.from('PROVKEY0123456789').toString('base64')}`)).to.equal('b64 [redacted]');
    expect(s.scrub('near CALLERKEY0123456789ab.')).to.equal('near [redacted].');
    // Secrets shorter than MIN_LITERAL_CHARS are not matched literally (they would mask words).
    expect(s.scrub('a short answer')).to.equal('a short answer');
    expect(s.scrubLine('got PROVKEY0123456789')).to.equal('got [redacted]');
  });
});
