// Finding 5 "500s from names": caller-controlled strings were looked up as keys
// of plain objects, so a name that is an Object.prototype property resolved to
// the inherited value. `model: "auto:constructor"`, `auto:__proto__` and
// `router_mode: "constructor"` answered 500 (parseMode returned Object, then
// scoring read weights of a function: TypeError); `constructor/gpt-4o`
// answered 400 naming `function Object() { [native code] }`; an image URL
// ending `.constructor` sent Gemini a `fileData` without a mimeType; an object
// with an own non-function `toString` key, in a field an error message quotes,
// made String() throw (500) — found by test/security/fuzz.test.ts. Each case
// below failed on that code; every name now gets the ordinary 400 that names
// the caller's own string (or, for the image, the default type).
// Driven with the official openai SDK over real HTTP against the demo stack.
import { expect } from 'chai';
import OpenAI from 'openai';
import { startDemoStack, type DemoStack } from '../../src/cli/demo-stack.js';
import { lookupIds } from '../../src/prices/price-match.js';
import type { ModelSpec, ProviderSpec } from '../../src/policy/types.js';

const PROTO_NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString'];

/** The SDK's error for a call that must fail, with its HTTP status and wire body. */
async function refusal(p: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await p;
  } catch (err) {
    if (err instanceof OpenAI.APIError) return err;
    throw err;
  }
  throw new Error('expected the call to be refused');
}

describe('security: prototype property names as model, mode and provider (finding 5)', function () {
  this.timeout(30_000);
  let stack: DemoStack;
  let client: OpenAI;

  before(async () => {
    stack = await startDemoStack();
    client = new OpenAI({ baseURL: `${stack.router.url}/v1`, apiKey: 'unused-on-loopback', maxRetries: 0 });
  });
  after(async () => stack?.stop());
  beforeEach(() => stack.sim.reset());

  it('auto:NAME is an unknown mode (400 unknown_model naming NAME), on both APIs', async () => {
    for (const name of PROTO_NAMES) {
      const e1 = await refusal(client.responses.create({ model: `auto:${name}`, input: 'hi' }));
      expect(e1.status, name).to.equal(400);
      expect(e1.code, name).to.equal('unknown_model');
      expect(e1.param, name).to.equal('model');
      expect(e1.message, name).to.include(`"${name}"`);
      const e2 = await refusal(client.chat.completions.create({ model: `auto:${name}`, messages: [{ role: 'user', content: 'hi' }] }));
      expect(e2.status, name).to.equal(400);
      expect(e2.code, name).to.equal('unknown_model');
    }
    expect(stack.sim.calls).to.have.length(0);
  });

  it('router_mode NAME is an unknown router_mode (400), also on /v1/route/explain', async () => {
    for (const name of PROTO_NAMES) {
      const e = await refusal(client.responses.create({ model: 'auto', input: 'hi', router_mode: name } as never));
      expect(e.status, name).to.equal(400);
      expect(e.code, name).to.equal('unknown_model');
      expect(e.param, name).to.equal('router_mode');
      const r = await fetch(`${stack.router.url}/v1/route/explain`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'auto', input: 'hi', router_mode: name }),
      });
      expect(r.status, name).to.equal(400);
    }
  });

  it('MODEL:NAME with a real model is an unknown model, never a 500', async () => {
    for (const name of PROTO_NAMES) {
      const e = await refusal(client.responses.create({ model: `gpt-4o:${name}`, input: 'hi' }));
      expect(e.status, name).to.equal(400);
      expect(e.code, name).to.equal('unknown_model');
    }
  });

  it('NAME/gpt-4o and router_provider NAME are unknown providers named as sent, not as an inherited value', async () => {
    for (const name of PROTO_NAMES) {
      for (const call of [
        client.responses.create({ model: `${name}/gpt-4o`, input: 'hi' }),
        client.responses.create({ model: 'gpt-4o', input: 'hi', router_provider: name } as never),
        client.chat.completions.create({ model: `${name}/gpt-4o`, messages: [{ role: 'user', content: 'hi' }] }),
        client.embeddings.create({ model: `${name}/text-embedding-3-small`, input: 'hi' }),
      ]) {
        const e = await refusal(call);
        expect(e.status, name).to.equal(400);
        expect(e.code, name).to.equal('unknown_model');
        expect(e.message, name).to.include(`Unknown provider "${name}"`);
        expect(e.message, name).not.to.match(/native code|\[object Object\]/);
      }
    }
    expect(stack.sim.calls).to.have.length(0);
  });

  it('model and router_model NAME are unknown models (400 naming NAME)', async () => {
    for (const name of PROTO_NAMES) {
      const e1 = await refusal(client.responses.create({ model: name, input: 'hi' }));
      expect(e1.status, name).to.equal(400);
      expect(e1.message, name).to.include(`Unknown model "${name}"`);
      const e2 = await refusal(client.responses.create({ model: 'auto', input: 'hi', router_model: `openai/${name}` } as never));
      expect(e2.status, name).to.equal(400);
      expect(e2.code, name).to.equal('unknown_model');
    }
  });

  it('metadata keys and tool names that are prototype names route normally', async () => {
    const res = await client.responses.create({
      model: 'openai/gpt-4o',
      input: 'hi',
      metadata: { toString: 'x', hasOwnProperty: 'y', valueOf: 'z', task: 'chat' },
      tools: [{ type: 'function', name: 'hasOwnProperty', parameters: { type: 'object', properties: { toString: { type: 'string' } } }, strict: false }],
    });
    expect(res.status).to.equal('completed');
    expect(res.metadata).to.include({ toString: 'x', hasOwnProperty: 'y', valueOf: 'z', task: 'chat' });
  });

  it('a value whose own toString is not a function, in a field echoed in an error, is a 400 (was 500: String() threw)', async () => {
    const evil = { toString: [], valueOf: {} };
    const bodies: [string, unknown][] = [
      ['/v1/responses', { model: 'auto', input: 'hi', tools: [{ type: evil, name: 'f' }] }],
      ['/v1/responses', { model: 'auto', input: [{ type: [evil] }] }],
      ['/v1/responses', { model: 'auto', input: [{ type: 'message', role: 'user', content: [{ type: evil }] }] }],
      ['/v1/chat/completions', { model: 'auto', messages: [{ role: 'user', content: [{ type: evil }] }] }],
    ];
    for (const [path, body] of bodies) {
      const r = await fetch(`${stack.router.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const e = ((await r.json()) as { error: { code: string; message: string } }).error;
      expect(r.status, `${path} ${e.message}`).to.equal(400);
      expect(e.code).to.equal('unsupported_parameter');
      expect(e.message).to.match(/"an (object|array)"/);
    }
  });

  it('an image URL ending in .constructor reaches Gemini with a real mime type', async () => {
    for (const ext of ['constructor', 'toString', 'valueOf']) {
      stack.sim.reset();
      await client.responses.create({
        model: 'gemini/gemini-2.5-flash',
        input: [{ role: 'user', content: [{ type: 'input_text', text: 'what is this?' }, { type: 'input_image', image_url: `https://example.com/cat.${ext}`, detail: 'auto' }] }],
      });
      const body = stack.sim.calls[0]!.body as { contents: { parts: { fileData?: { mimeType?: unknown } }[] }[] };
      const file = body.contents.flatMap((c) => c.parts).find((p) => p.fileData)!;
      expect(file.fileData!.mimeType, ext).to.equal('image/jpeg');
    }
  });
});

describe('security: prototype property names in policy tables', () => {
  it('a provider named constructor, toString or __proto__ gets its price-table ids (was TypeError: not iterable)', () => {
    for (const name of PROTO_NAMES) {
      const provider: ProviderSpec = { name, type: 'openai-compatible', baseUrl: 'http://127.0.0.1:1' };
      const model: ModelSpec = { name: 'm', provider: name, pricing: { input: 1, output: 1 }, quality: 0.5, contextWindow: 1000, capabilities: [] };
      expect(lookupIds({ provider, model }), name).to.deep.equal({ qualified: [`${name.toLowerCase()}/m`], bare: ['m'] });
    }
  });
});
