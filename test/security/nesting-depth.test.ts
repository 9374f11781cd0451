// Finding 6 "No nesting limit": a deeply nested embeddings body answered 500
// (JSON.stringify overflowed the stack while forwarding it); deeply nested tool
// `parameters` or `json_schema` answered 400 with the raw "Maximum call stack
// size exceeded" after a 250–450 ms stall (an adapter's re-serialisation
// overflowed, and its error text was passed on); tool-call arguments and tool
// outputs carrying deep JSON inside a string did the same on Anthropic and
// Gemini. Each HTTP case below failed on that code. Now every route refuses a
// body nested deeper than 64 levels with 400 invalid_body naming the limit,
// before parsing it (src/canonical/json-depth.ts), adapters refuse (or pass as
// text) deep JSON inside strings, and no answer ever carries a stack-overflow
// message.
import { expect } from 'chai';
import fc from 'fast-check';
import OpenAI from 'openai';
import { gzipSync } from 'node:zlib';
import { PassThrough } from 'node:stream';
import type { ServerResponse } from 'node:http';
import { startDemoStack, type DemoStack } from '../../src/cli/demo-stack.js';
import { bytesNestDeeperThan, MAX_JSON_DEPTH, textNestsDeeperThan } from '../../src/canonical/json-depth.js';
import { answerError } from '../../src/server/app.js';
import { silentLogger } from '../../src/telemetry/log.js';
import { createMetrics } from '../../src/telemetry/metrics.js';

/** `levels` nested objects: {"a":{"a":…1…}} — levels 1..n. */
const objects = (levels: number): string => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
/** `levels` nested arrays. */
const arrays = (levels: number): string => '['.repeat(levels) + ']'.repeat(levels);

/** Reference depth, computed the obvious (recursive) way on small values. */
function depthOf(v: unknown): number {
  if (typeof v !== 'object' || v === null) return 0;
  const kids = Array.isArray(v) ? v : Object.values(v);
  return 1 + kids.reduce<number>((m, k) => Math.max(m, depthOf(k)), 0);
}

interface Wire {
  status: number;
  text: string;
  ms: number;
}

async function post(stack: DemoStack, path: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<Wire> {
  const t = performance.now();
  const r = await fetch(`${stack.router.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await r.text();
  return { status: r.status, text, ms: performance.now() - t };
}

function expectDepthRefusal(w: Wire, what: string): void {
  expect(w.status, `${what}: ${w.text.slice(0, 200)}`).to.equal(400);
  const e = (JSON.parse(w.text) as { error: { code: string; message: string; type: string } }).error;
  expect(e.code, what).to.equal('invalid_body');
  expect(e.type, what).to.equal('invalid_request_error');
  expect(e.message, what).to.include(String(MAX_JSON_DEPTH));
  expect(w.text, what).not.to.match(/call stack/i);
}

describe('security: request nesting depth (finding 6)', function () {
  this.timeout(60_000);

  describe('the scan', () => {
    it('agrees with a recursive depth count on random JSON, as bytes and as text', () => {
      fc.assert(
        fc.property(fc.jsonValue({ maxDepth: 12 }), fc.integer({ min: 0, max: 12 }), (v, limit) => {
          const text = JSON.stringify(v);
          const deeper = depthOf(v) > limit;
          return bytesNestDeeperThan(Buffer.from(text, 'utf8'), limit) === deeper && textNestsDeeperThan(text, limit) === deeper;
        }),
        { seed: 6, numRuns: 2000 },
      );
    });

    it('brackets inside strings, escaped quotes and backslashes do not count', () => {
      const tricky = JSON.stringify({ a: '[[[[{{{{', b: 'say \\"[[[[', c: 'ends with backslash\\', d: [['x"]]]]']] });
      // The object (1) → d (2) → its inner array (3).
      expect(bytesNestDeeperThan(Buffer.from(tricky), 3)).to.equal(false);
      expect(bytesNestDeeperThan(Buffer.from(tricky), 2)).to.equal(true);
      expect(textNestsDeeperThan(tricky, 3)).to.equal(false);
      expect(textNestsDeeperThan(tricky, 2)).to.equal(true);
      const inString = JSON.stringify({ input: '['.repeat(10_000) + '{'.repeat(10_000) });
      expect(bytesNestDeeperThan(Buffer.from(inString))).to.equal(false);
      expect(textNestsDeeperThan(inString)).to.equal(false);
    });

    it('exactly 64 levels pass, 65 do not', () => {
      for (const make of [objects, arrays]) {
        expect(bytesNestDeeperThan(Buffer.from(make(64)))).to.equal(false);
        expect(bytesNestDeeperThan(Buffer.from(make(65)))).to.equal(true);
        expect(textNestsDeeperThan(make(64))).to.equal(false);
        expect(textNestsDeeperThan(make(65))).to.equal(true);
      }
    });

    it('a RangeError never reaches the client: the generic handler answers internal_error with its own text', () => {
      const res = new PassThrough() as unknown as ServerResponse & { headersSent: boolean; statusCode: number };
      let status = 0;
      let body = '';
      Object.assign(res, {
        headersSent: false,
        req: { method: 'POST' },
        setHeader() {},
        writeHead(s: number) {
          status = s;
        },
        end(text: string) {
          body = text;
        },
      });
      answerError({ logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }) }, new RangeError('Maximum call stack size exceeded'), res, '/x');
      expect(status).to.equal(500);
      expect(body).to.include('internal_error').and.not.include('call stack');
    });
  });

  describe('over HTTP', () => {
    let stack: DemoStack;
    let client: OpenAI;

    before(async () => {
      stack = await startDemoStack();
      client = new OpenAI({ baseURL: `${stack.router.url}/v1`, apiKey: 'unused-on-loopback', maxRetries: 0 });
    });
    after(async () => stack?.stop());
    beforeEach(() => stack.sim.reset());

    it('embeddings: a deeply nested field is 400 invalid_body naming 64 (was 500)', async () => {
      for (const deep of [arrays(20_000), objects(20_000), arrays(65)]) {
        expectDepthRefusal(await post(stack, '/v1/embeddings', `{"model":"openai/text-embedding-3-small","input":"hi","extra":${deep}}`), 'embeddings extra');
        expectDepthRefusal(await post(stack, '/v1/embeddings', `{"model":"openai/text-embedding-3-small","input":${deep}}`), 'embeddings input');
      }
      expect(stack.sim.calls).to.have.length(0);
    });

    it('deep tool parameters and json_schema are 400 invalid_body naming 64, not the stack message (both APIs, every provider)', async () => {
      for (const model of ['anthropic/claude-sonnet-4-5', 'gemini/gemini-2.5-flash', 'mistral/mistral-large', 'openai/gpt-4o']) {
        const w1 = await post(stack, '/v1/responses', `{"model":"${model}","input":"hi","tools":[{"type":"function","name":"f","parameters":${objects(20_000)}}]}`);
        expectDepthRefusal(w1, `${model} parameters`);
        const w2 = await post(
          stack,
          '/v1/chat/completions',
          `{"model":"${model}","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":${objects(20_000)}}}}`,
        );
        expectDepthRefusal(w2, `${model} json_schema`);
      }
      expect(stack.sim.calls).to.have.length(0);
    });

    it('the SDK sees the same 400 (BadRequestError) with the limit in its message', async () => {
      let parameters: Record<string, unknown> = { type: 'string' };
      for (let i = 0; i < 100; i++) parameters = { type: 'object', properties: { a: parameters } };
      const err = await client.responses.create({ model: 'auto', input: 'hi', tools: [{ type: 'function', name: 'f', parameters, strict: false }] }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(OpenAI.BadRequestError);
      expect((err as InstanceType<typeof OpenAI.APIError>).code).to.equal('invalid_body');
      expect((err as Error).message).to.include('64');
    });

    it('every route checks it: Express routes, the lean data-plane path, other spellings, gzip, policy and admin routes', async () => {
      const deep = objects(200);
      const cases: [string, string | Buffer, Record<string, string>?][] = [
        ['/v1/responses', `{"model":"auto","input":"hi","metadata":${deep}}`],
        ['/v1/chat/completions', `{"model":"auto","messages":${arrays(200)}}`],
        ['/v1/responses/', `{"model":"auto","input":"hi","x":${deep}}`],
        ['/V1/Chat/Completions', `{"model":"auto","x":${deep}}`],
        ['/v1/route/explain', `{"model":"auto","input":"hi","x":${deep}}`],
        ['/v1/embeddings', gzipSync(`{"model":"openai/text-embedding-3-small","input":"hi","x":${deep}}`), { 'content-encoding': 'gzip' }],
        ['/v1/responses', gzipSync(`{"model":"auto","input":"hi","x":${deep}}`), { 'content-encoding': 'gzip' }],
        ['/v1/routing-rules', `{"name":"x","match":${deep}}`],
        ['/v1/firewall-rules/some-rule', `{"x":${deep}}`],
        ['/v1/no-such-route', `{"x":${deep}}`],
      ];
      for (const [path, body, headers] of cases) expectDepthRefusal(await post(stack, path, body, headers), path);
    });

    it('64 levels are served; 65 are refused', async () => {
      // body (1) → tools (2) → tool (3) → parameters (4) → … : 60 more objects reach level 64.
      const nested = (extra: number): string => `{"model":"openai/gpt-4o","input":"hi","tools":[{"type":"function","name":"f","parameters":${objects(extra).replace('1', '{"type":"object"}')}}]}`;
      const ok = await post(stack, '/v1/responses', nested(60));
      expect(ok.status, ok.text.slice(0, 200)).to.equal(200);
      expectDepthRefusal(await post(stack, '/v1/responses', nested(61)), '65 levels');
    });

    it('brackets inside strings are text, not nesting: a prompt full of them is served', async () => {
      const res = await client.responses.create({ model: 'openai/gpt-4o', input: `${'['.repeat(5000)}{{{"\\" ${'{'.repeat(5000)}` });
      expect(res.status).to.equal('completed');
    });

    it('a million levels are refused at once (JSON.parse alone used to take about a second)', async () => {
      const w = await post(stack, '/v1/responses', `{"model":"auto","input":"hi","x":${arrays(1_000_000)}}`);
      expectDepthRefusal(w, '1e6 levels');
      expect(w.ms).to.be.below(900);
    });

    it('deep JSON inside tool-call arguments is 400 naming 64 on Anthropic and Gemini; a deep tool output reaches Gemini as text', async () => {
      const deep = objects(20_000);
      for (const model of ['anthropic/claude-sonnet-4-5', 'gemini/gemini-2.5-flash']) {
        const w = await post(
          stack,
          '/v1/responses',
          JSON.stringify({
            model,
            input: [
              { type: 'message', role: 'user', content: 'hi' },
              { type: 'function_call', call_id: 'c1', name: 'f', arguments: deep },
              { type: 'function_call_output', call_id: 'c1', output: 'done' },
            ],
            tools: [{ type: 'function', name: 'f', parameters: { type: 'object' } }],
          }),
        );
        expect(w.status, `${model}: ${w.text.slice(0, 200)}`).to.equal(400);
        expect(w.text, model).to.include('64').and.not.match(/call stack/i);
      }
      const out = await client.responses.create({
        model: 'gemini/gemini-2.5-flash',
        input: [
          { type: 'message', role: 'user', content: 'hi' },
          { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{}' },
          { type: 'function_call_output', call_id: 'c1', output: deep },
        ],
        tools: [{ type: 'function', name: 'f', parameters: { type: 'object' }, strict: false }],
      });
      expect(out.status).to.equal('completed');
      const sent = JSON.stringify(stack.sim.calls.at(-1)!.body);
      expect(sent).to.include('{\\"a\\":{\\"a\\":');
    });
  });
});
