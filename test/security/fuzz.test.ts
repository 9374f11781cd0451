// Property-based fuzzing of every caller-controlled field of the data-plane
// routes (issue 14 item 7; findings 5 and 6): POST /v1/responses,
// /v1/chat/completions, /v1/embeddings, /v1/route/explain and GET /v1/usage's
// query, against a real router and the provider simulators over HTTP. Values
// and object keys are drawn from Object.prototype's names (`__proto__`,
// `constructor`, `prototype`, `toString`, `hasOwnProperty`, `valueOf`, …),
// mode/provider spellings built from them (`auto:constructor`,
// `constructor/gpt-4o`), random Unicode (lone surrogates included) and
// plausible values, so most bodies get past the first check and reach
// routing, the adapters and the simulators. The property: no answer is a 5xx,
// every refusal is in the OpenAI error shape without a stack-overflow or
// inherited-value text, and every answer ends within a few seconds.
// Fixed seed and bounded run counts: deterministic, about 5 s in all. With
// the alias tables of src/routing/model-string.ts back on plain objects it
// finds `auto:constructor`-style 500s within 200 runs per route; it found the
// String()-of-a-caller-object 500 in src/api (see prototype-names.test.ts).
import { expect } from 'chai';
import fc from 'fast-check';
import { startDemoStack, type DemoStack } from '../../src/cli/demo-stack.js';

/** Object.prototype's names, and `prototype`. */
const PROTO = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString', '__defineGetter__', '__lookupSetter__'];
/** Fixed in `npm test`; FUZZ_SEED and FUZZ_SCALE (a run-count multiplier) explore further by hand. */
const SEED = Number(process.env.FUZZ_SEED ?? 1414);
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const TIMEOUT_MS = 5_000;

/** An object whose keys are written exactly as given (a plain object could not hold an own `__proto__` key from a literal). */
class Obj {
  constructor(readonly entries: readonly (readonly [string, unknown])[]) {}
}

/** JSON text with Obj entries written in order, duplicates and `__proto__` included. */
function ser(v: unknown): string {
  if (v instanceof Obj) return `{${v.entries.map(([k, x]) => `${JSON.stringify(k)}:${ser(x)}`).join(',')}}`;
  if (Array.isArray(v)) return `[${v.map(ser).join(',')}]`;
  if (v !== null && typeof v === 'object') return ser(new Obj(Object.entries(v)));
  return JSON.stringify(v) ?? 'null';
}

const protoName = fc.constantFrom(...PROTO);
/** A name: a prototype property, a mode/provider spelling built from one, or any Unicode (lone surrogates too). */
const name = fc.oneof(
  { weight: 4, arbitrary: protoName },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom('auto', 'openai', 'gemini', 'google', 'gpt-4o', 'balanced', ...PROTO), fc.constantFrom(':', '/'), fc.constantFrom('cost', 'fast', 'gpt-4o', 'gemini-2.5-flash', ...PROTO))
      .map(([a, sep, b]) => `${a}${sep}${b}`),
  },
);
/** Object keys: prototype names often (the body parser refuses `__proto__`, `constructor` and `prototype` with 400), else any. */
const key = fc.oneof({ weight: 3, arbitrary: protoName }, { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) });
const scalar = fc.oneof(name, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.array(fc.tuple(key, tie('value')), { maxLength: 3 }).map((e) => new Obj(e)),
  ),
}));
/** A plausible value `odds` times in `odds + 1`, anything else otherwise. */
const orWith =
  (odds: number) =>
  (plausible: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
    fc.oneof({ weight: odds, arbitrary: plausible }, { weight: 1, arbitrary: value });
/** The body parser refuses these keys at any depth (400 forbidden_key). */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** The value with forbidden keys renamed, so the body gets past the parser and reaches routing and the adapters. */
function tame(v: unknown): unknown {
  if (v instanceof Obj) return new Obj(v.entries.map(([k, x]) => [FORBIDDEN_KEYS.has(k) ? `${k}_` : k, tame(x)] as const));
  if (Array.isArray(v)) return v.map(tame);
  if (v !== null && typeof v === 'object') return tame(new Obj(Object.entries(v)));
  return v;
}

/** A body: the fields (each present or not) plus random extra keys; one in four keeps forbidden keys. */
function body(fields: Record<string, fc.Arbitrary<unknown>>, required: readonly string[]): fc.Arbitrary<Obj> {
  return fc
    .tuple(fc.record(fields, { requiredKeys: required as never }), fc.array(fc.tuple(key, value), { maxLength: 2 }), fc.nat(3))
    .map(([known, extra, dice]) => {
      const raw = new Obj([...Object.entries(known), ...extra]);
      return dice === 0 ? raw : (tame(raw) as Obj);
    });
}

const CHAT_MODELS = ['auto', 'auto:cost', 'openai/gpt-4o', 'gpt-4o-mini', 'gemini/gemini-2.5-flash', 'anthropic/claude-3-haiku', 'anthropic/claude-sonnet-4-5', 'mistral/mistral-large', 'deepseek/deepseek-v3', 'llama/llama-4-maverick'];
const text = fc.oneof(name, fc.constantFrom('hello', 'write code please', 'mail jane@example.com'));
/** Tool-call arguments / outputs: JSON text with prototype keys, or anything. */
const jsonText = fc.oneof(fc.constantFrom('{}', '{"__proto__":{"polluted":1},"constructor":{"prototype":1}}', '{"toString":"x","valueOf":[1]}', '[[[[[]]]]]'), name);
/** Valid function names that are prototype names. */
const toolName = fc.constantFrom('f', 'hasOwnProperty', 'toString', 'constructor', '__proto__', 'valueOf', 'prototype');
/** Mostly absent (null reads as absent), sometimes the value. */
const rarely = (a: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> => fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: a });
/** A record whose keys are all present. */
const all = (fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> => fc.record(fields);

type Or = (plausible: fc.Arbitrary<unknown>) => fc.Arbitrary<unknown>;

/** Every route's fields, each a plausible value or (as `or` decides) anything at all. */
function fieldSets(or: Or) {
  const model = or(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...CHAT_MODELS) }, { weight: 1, arbitrary: name }));
  const metadata = or(fc.array(fc.tuple(key, name), { maxLength: 5 }).map((e) => new Obj(e)));
  const schema = or(fc.array(fc.tuple(key, or(all({ type: fc.constantFrom('string', 'number') }))), { maxLength: 3 }).map((props) => ({ type: 'object', properties: new Obj(props) })));
  const routerFields = {
    router_mode: rarely(or(fc.oneof(fc.constantFrom('cost', 'fast', 'balanced'), name))),
    router_model: rarely(or(name)),
    router_provider: rarely(or(fc.oneof(fc.constantFrom('openai', 'google'), name))),
  };

  const responsesPart = or(
    fc.oneof(
      all({ type: or(fc.constant('input_text')), text }),
      all({ type: or(fc.constant('input_image')), image_url: or(fc.constantFrom('https://example.com/cat.constructor', 'https://example.com/cat.toString', 'data:image/png;base64,AAAA')) }),
    ),
  );
  const responsesItem = or(
    fc.oneof(
      { weight: 4, arbitrary: all({ type: or(fc.constant('message')), role: or(fc.constantFrom('user', 'assistant', 'system', 'developer')), content: or(fc.oneof(text, fc.array(responsesPart, { minLength: 1, maxLength: 2 }))) }) },
      { weight: 1, arbitrary: all({ type: or(fc.constant('function_call')), call_id: or(toolName), name: or(toolName), arguments: or(jsonText) }) },
      { weight: 1, arbitrary: all({ type: or(fc.constant('function_call_output')), call_id: or(toolName), output: or(jsonText) }) },
    ),
  );
  const responsesFields = {
    model,
    input: or(fc.oneof(text, fc.array(responsesItem, { minLength: 1, maxLength: 3 }))),
    instructions: or(text),
    tools: or(fc.array(or(all({ type: or(fc.constant('function')), name: or(toolName), parameters: schema, strict: or(fc.constant(false)) })), { maxLength: 2 })),
    tool_choice: or(fc.constantFrom('auto', 'none')),
    text: or(all({ format: or(fc.oneof(all({ type: fc.constant('text') }), all({ type: or(fc.constant('json_schema')), name: or(toolName), schema }))) })),
    metadata,
    max_output_tokens: or(fc.integer({ min: 1, max: 50 })),
    temperature: or(fc.double({ min: 0, max: 2, noNaN: true })),
    stream: or(fc.boolean()),
    store: or(fc.boolean()),
    previous_response_id: rarely(or(name.map((n) => `resp_${n}`))),
    reasoning: rarely(or(all({ effort: or(fc.constantFrom('low', 'high')) }))),
    parallel_tool_calls: or(fc.boolean()),
    user: or(name),
    ...routerFields,
  };

  const chatPart = or(
    fc.oneof(all({ type: or(fc.constant('text')), text }), all({ type: or(fc.constant('image_url')), image_url: or(all({ url: or(fc.constantFrom('https://example.com/a.valueOf', 'https://x/y.png')) })) })),
  );
  const toolCall = or(all({ id: or(toolName), type: or(fc.constant('function')), function: or(all({ name: or(toolName), arguments: or(jsonText) })) }));
  const chatMessage = or(
    fc.oneof(
      { weight: 4, arbitrary: all({ role: or(fc.constantFrom('user', 'system', 'developer')), content: or(fc.oneof(text, fc.array(chatPart, { minLength: 1, maxLength: 2 }))), name: rarely(or(name)) }) },
      { weight: 1, arbitrary: all({ role: or(fc.constant('assistant')), content: or(text), tool_calls: or(fc.array(toolCall, { maxLength: 2 })) }) },
      { weight: 1, arbitrary: all({ role: or(fc.constant('tool')), tool_call_id: or(toolName), content: or(jsonText) }) },
    ),
  );
  const chatFields = {
    model,
    messages: or(fc.array(chatMessage, { minLength: 1, maxLength: 3 })),
    tools: or(fc.array(or(all({ type: or(fc.constant('function')), function: or(all({ name: or(toolName), parameters: schema })) })), { maxLength: 2 })),
    tool_choice: or(fc.constantFrom('auto', 'none')),
    response_format: or(fc.oneof(all({ type: fc.constant('text') }), all({ type: or(fc.constant('json_schema')), json_schema: or(all({ name: or(toolName), schema })) }))),
    metadata,
    max_tokens: or(fc.integer({ min: 1, max: 50 })),
    stream: or(fc.boolean()),
    stream_options: rarely(or(all({ include_usage: or(fc.boolean()) }))),
    reasoning_effort: rarely(or(fc.constantFrom('low', 'medium'))),
    stop: or(fc.oneof(name, fc.array(name, { maxLength: 3 }))),
    n: or(fc.constant(1)),
    seed: or(fc.integer()),
    user: or(name),
    ...routerFields,
  };

  const embeddingsFields = {
    model: or(
      fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom('openai/text-embedding-3-small', 'text-embedding-3-small') },
        { weight: 1, arbitrary: fc.oneof(name, name.map((n) => `${n}/text-embedding-3-small`), name.map((n) => `openai/${n}`)) },
      ),
    ),
    input: or(fc.oneof({ weight: 4, arbitrary: fc.oneof(text, fc.array(text, { minLength: 1, maxLength: 3 })) }, { weight: 1, arbitrary: fc.array(fc.nat(50_000), { minLength: 1, maxLength: 4 }) })),
    encoding_format: or(fc.constantFrom('float', 'base64')),
    dimensions: or(fc.integer({ min: 1, max: 64 })),
    user: or(name),
    router_provider: rarely(or(fc.oneof(fc.constant('openai'), name))),
  };

  // Explain takes a Responses body, or a Chat body (one with `messages`).
  const assume = { router_assume_credentials: or(fc.boolean()) };
  return {
    '/v1/responses': [body(responsesFields, ['model', 'input'])],
    '/v1/chat/completions': [body(chatFields, ['model', 'messages'])],
    '/v1/embeddings': [body(embeddingsFields, ['model', 'input'])],
    '/v1/route/explain': [body({ ...responsesFields, ...assume }, ['model', 'input']), body({ ...chatFields, ...assume }, ['model', 'messages'])],
  };
}

const usageQuery = fc
  .array(
    fc.tuple(
      fc.oneof(fc.constantFrom('from', 'to', 'group_by'), key),
      fc.oneof(fc.constantFrom('2026-01-01', '2026-02-30', 'key,provider', 'day,model', 'constructor,key', '__proto__'), name, fc.array(protoName, { minLength: 1, maxLength: 3 }).map((xs) => xs.join(','))),
    ),
    { maxLength: 4 },
  )
  .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'));

/** GET /v1/responses/{id}/input_items queries: the pagination parameters (repeated too) and any other name. */
const inputItemsQuery = fc
  .array(
    fc.tuple(
      fc.oneof(fc.constantFrom('limit', 'order', 'after', 'before'), key),
      fc.oneof(fc.constantFrom('0', '1', '20', '100', '101', '-1', '1e2', 'asc', 'desc', 'msg_x_0'), name, fc.integer().map(String)),
    ),
    { maxLength: 4 },
  )
  .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'));

/** Headers named after prototype properties (values are plain ASCII: the wire allows nothing else). */
const headers = fc.array(fc.tuple(fc.constantFrom(...PROTO, 'openai-organization', 'x-request-id'), fc.stringMatching(/^[a-zA-Z0-9 _:\/.-]{0,16}$/)), { maxLength: 2 });

interface Answer {
  status: number;
  text: string;
}

describe('security: property-based fuzzing of request fields (findings 5 and 6)', function () {
  this.timeout(60_000);
  let stack: DemoStack;
  const seen = new Map<number, number>();

  before(async () => {
    stack = await startDemoStack();
  });
  after(async () => {
    await stack?.stop();
    // Coverage at a glance: which statuses the fuzzing reached (a suite of only 400s would prove little).
    console.log(`      statuses seen: ${[...seen].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ')}`);
  });

  async function send(method: 'GET' | 'POST', path: string, payload: string | undefined, extra: readonly (readonly [string, string])[]): Promise<Answer> {
    const h = new Headers({ 'content-type': 'application/json' });
    for (const [k, v] of extra) h.set(k, v);
    const r = await fetch(`${stack.router.url}${path}`, { method, headers: h, ...(payload !== undefined ? { body: payload } : {}), signal: AbortSignal.timeout(TIMEOUT_MS) });
    const text = await r.text();
    seen.set(r.status, (seen.get(r.status) ?? 0) + 1);
    return { status: r.status, text };
  }

  function check(a: Answer, what: string): void {
    expect(a.status, `${what} → ${a.status} ${a.text.slice(0, 300)}`).to.be.below(500);
    if (a.status >= 400) {
      const e = (JSON.parse(a.text) as { error?: { message?: unknown; code?: unknown } }).error;
      expect(e?.message, `${what} → ${a.text.slice(0, 300)}`).to.be.a('string');
      // A provider's own 4xx may carry code null, as OpenAI's do.
      expect(e?.code === null || typeof e?.code === 'string', `${what} → ${a.text.slice(0, 300)}`).to.equal(true);
      expect(e!.message as string, what).not.to.match(/call stack|\[native code\]/);
    }
  }

  const runs = (numRuns: number) => ({ seed: SEED, numRuns: Math.round(numRuns * SCALE), endOnFailure: true });

  // Half the bodies are mostly plausible (one field in 30 is anything: they reach routing, the adapters and the
  // simulators), half are chaotic (one field in 4).
  const calm = fieldSets(orWith(30));
  const wild = fieldSets(orWith(3));
  for (const [path, numRuns] of [
    ['/v1/responses', 400],
    ['/v1/chat/completions', 400],
    ['/v1/embeddings', 250],
    ['/v1/route/explain', 250],
  ] as const) {
    it(`POST ${path}: no 5xx, no hang, for prototype names and random Unicode as values and keys`, async () => {
      const bodies = fc.oneof(...calm[path], ...wild[path]);
      await fc.assert(
        fc.asyncProperty(bodies, headers, async (b, hs) => {
          const payload = ser(b);
          check(await send('POST', path, payload, hs), `${path} ${payload.slice(0, 400)}`);
        }),
        runs(numRuns),
      );
    });
  }

  it('GET /v1/models/{id}: no 5xx for prototype names and Unicode as the id, its slash plain or encoded (issue 16 finding 5)', async () => {
    await fc.assert(
      fc.asyncProperty(name, fc.boolean(), headers, async (id, plain, hs) => {
        const path = `/v1/models/${plain ? id.split('/').map(encodeURIComponent).join('/') : encodeURIComponent(id)}`;
        const a = await send('GET', path, undefined, hs);
        check(a, path);
        expect(a.status, path).to.be.oneOf([200, 400, 404]);
      }),
      runs(150),
    );
  });

  it('GET /v1/responses/{id}/input_items: no 5xx for prototype names and Unicode in the pagination query (issue 16 finding 5)', async () => {
    const created = await send('POST', '/v1/responses', JSON.stringify({ model: 'openai/gpt-4o', input: 'fuzz me' }), []);
    const id = (JSON.parse(created.text) as { id: string }).id;
    await fc.assert(
      fc.asyncProperty(inputItemsQuery, headers, async (q, hs) => {
        const path = `/v1/responses/${id}/input_items?${q}`;
        const a = await send('GET', path, undefined, hs);
        check(a, path);
        expect(a.status, path).to.be.oneOf([200, 400]);
      }),
      runs(150),
    );
  });

  it('GET /v1/usage: no 5xx for prototype names as query keys, values and group_by dimensions', async () => {
    await fc.assert(
      fc.asyncProperty(usageQuery, headers, async (q, hs) => {
        check(await send('GET', `/v1/usage?${q}`, undefined, hs), `/v1/usage?${q}`);
      }),
      runs(200),
    );
  });
});
