// The firewall through the whole router, table-driven from
// test/fixtures/firewall/router-cases.yaml: every case on the Responses and
// the Chat API, streamed and not, against the demo stack (simulators + demo
// policies + the fixture's rules). Every body, event and chunk the router
// emits is validated against the OpenAI OpenAPI schemas. Also: the metric,
// the log lines (rule, action, match count; never the matched text) and the
// configurable block status.
import { expect } from 'chai';
import { Writable } from 'node:stream';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { startDemoStack, type DemoStack } from '../../src/cli/demo-stack.js';
import { createLogger } from '../../src/telemetry/log.js';
import { assertValid, validateChatCompletionChunk, validateErrorResponse, validateResponseStreamEvent, warmUpOpenApiValidators } from '../helpers/openapi.js';
import { FIXTURES } from '../helpers/paths.js';

interface RouterCase {
  name: string;
  prompt: string;
  tool?: { name: string; parameters: Record<string, unknown> };
  metadata?: Record<string, string>;
  expect: {
    status: number;
    blocked?: string;
    includes?: string[];
    excludes?: string[];
    upstream_excludes?: string[];
    upstream_calls?: number;
    warnings?: string[];
  };
}

interface Fixture {
  rules: { name: string; scope: string }[];
  cases: RouterCase[];
}

const FIXTURE = parse(readFileSync(path.join(FIXTURES, 'firewall', 'router-cases.yaml'), 'utf8')) as Fixture;
const MODEL = 'openai/gpt-4o';

export function firewallYaml(rules: unknown[]): string {
  return JSON.stringify({ apiVersion: 'tokenrouter/v1', kind: 'FirewallRules', metadata: { name: 'firewall-tests' }, spec: { rules } }, null, 1);
}

function body(api: 'responses' | 'chat', c: RouterCase, stream: boolean): Record<string, unknown> {
  const tools = c.tool
    ? api === 'responses'
      ? [{ type: 'function', name: c.tool.name, parameters: c.tool.parameters }]
      : [{ type: 'function', function: { name: c.tool.name, parameters: c.tool.parameters } }]
    : undefined;
  const base = { model: MODEL, stream, ...(c.metadata ? { metadata: c.metadata } : {}), ...(tools ? { tools } : {}) };
  return api === 'responses' ? { ...base, input: c.prompt } : { ...base, messages: [{ role: 'user', content: c.prompt }] };
}

interface Answer {
  status: number;
  headers: Headers;
  /** Text and function-call arguments the client reads. */
  read: string;
  /** The error the client got (HTTP body or in-band), if any. */
  error?: { code: string; message: string };
  warnings?: string;
}

/** Sends one request and reads the answer the way a client would, validating everything against the OpenAPI schemas. */
async function send(url: string, api: 'responses' | 'chat', payload: Record<string, unknown>): Promise<Answer> {
  const res = await fetch(`${url}/v1/${api === 'responses' ? 'responses' : 'chat/completions'}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  });
  const text = await res.text();
  const base = { status: res.status, headers: res.headers };
  if (res.status !== 200) {
    const err = JSON.parse(text);
    assertValid('ErrorResponse', err);
    return { ...base, read: '', error: err.error };
  }
  if (!payload.stream) {
    const b = JSON.parse(text);
    if (api === 'responses') {
      assertValid('Response', b);
      const read = b.output.map((o: any) => (o.type === 'message' ? o.content.map((p: any) => p.text).join('') : o.type === 'function_call' ? o.arguments : '')).join('');
      return { ...base, read, warnings: b.metadata?.warnings };
    }
    assertValid('ChatCompletion', b);
    const m = b.choices[0].message;
    return { ...base, read: (m.content ?? '') + (m.tool_calls ?? []).map((t: any) => t.function.arguments).join('') };
  }
  const datas = [...text.matchAll(/^data: (.*)$/gm)].map((m) => m[1]!);
  if (api === 'responses') {
    const events = datas.map((d) => JSON.parse(d));
    for (const [i, e] of events.entries()) expect(validateResponseStreamEvent(e).errors, `event ${i}: ${JSON.stringify(e).slice(0, 200)}`).to.deep.equal([]);
    const read = events.map((e) => (e.type === 'response.output_text.delta' || e.type === 'response.function_call_arguments.delta' ? e.delta : '')).join('');
    const terminal = events.at(-1);
    // The .done events and the terminal Response agree with the deltas.
    const doneText = events.filter((e) => e.type === 'response.output_text.done' || e.type === 'response.function_call_arguments.done').map((e) => e.text ?? e.arguments).join('');
    expect(doneText).to.equal(read);
    const error = events.find((e) => e.type === 'error');
    if (error) {
      expect(terminal.type).to.equal('response.failed');
      expect(terminal.response.error.code).to.equal('invalid_prompt');
      expect(terminal.response.error.message).to.equal(error.message);
      return { ...base, read, error: { code: error.code, message: error.message }, warnings: terminal.response.metadata?.warnings };
    }
    expect(terminal.type).to.equal('response.completed');
    return { ...base, read, warnings: terminal.response.metadata?.warnings };
  }
  const chunks = datas.filter((d) => d !== '[DONE]').map((d) => JSON.parse(d));
  const last = chunks.at(-1);
  for (const c of last?.error ? chunks.slice(0, -1) : chunks) expect(validateChatCompletionChunk(c).errors).to.deep.equal([]);
  const read = chunks.map((c) => (c.choices?.[0]?.delta?.content ?? '') + (c.choices?.[0]?.delta?.tool_calls ?? []).map((t: any) => t.function?.arguments ?? '').join('')).join('');
  if (last?.error) {
    expect(validateErrorResponse(last).errors).to.deep.equal([]);
    expect(datas).to.not.include('[DONE]');
    return { ...base, read, error: last.error };
  }
  expect(datas.at(-1)).to.equal('[DONE]');
  return { ...base, read };
}

describe('firewall through the router', function () {
  this.timeout(60_000);
  let stack: DemoStack;
  const logs: string[] = [];
  const responseRules = new Set(FIXTURE.rules.filter((r) => r.scope === 'response').map((r) => r.name));

  before(async () => {
    warmUpOpenApiValidators();
    const destination = new Writable({
      write(chunk, _enc, done) {
        logs.push(String(chunk));
        done();
      },
    });
    stack = await startDemoStack({ extraFiles: { 'zz-firewall-tests.yaml': firewallYaml(FIXTURE.rules) }, logger: createLogger({ level: 'info', destination }) });
  });
  after(async () => stack?.stop());
  beforeEach(() => stack.sim.reset());

  for (const c of FIXTURE.cases) {
    for (const api of ['responses', 'chat'] as const) {
      for (const stream of [false, true]) {
        it(`${c.name} (${api}${stream ? ', streamed' : ''})`, async () => {
          const a = await send(stack.router.url, api, body(api, c, stream));
          const want = c.expect;
          // A response rule can only act once the stream has started: then the block is in-band.
          const inBand = stream && want.blocked !== undefined && responseRules.has(want.blocked);
          expect(a.status).to.equal(inBand ? 200 : want.status);
          if (want.blocked) {
            expect(a.error?.code).to.equal('firewall_blocked');
            expect(a.error?.message).to.include(`"${want.blocked}"`);
          } else {
            expect(a.error).to.equal(undefined);
          }
          for (const s of want.includes ?? []) expect(a.read).to.include(s);
          for (const s of want.excludes ?? []) expect(a.read).to.not.include(s);
          const upstream = JSON.stringify(stack.sim.calls.map((x) => x.body));
          for (const s of want.upstream_excludes ?? []) expect(upstream).to.not.include(s);
          if (want.upstream_calls !== undefined) expect(stack.sim.calls).to.have.length(want.upstream_calls);
          if (want.warnings) {
            const header = a.headers.get('x-tokenrouter-warnings');
            // Headers precede a stream's output: response-scope warnings reach only the terminal Responses event.
            const responseScope = want.warnings.every((w) => w.endsWith('the response'));
            if (!(stream && responseScope)) expect(decodeURIComponent(header ?? '')).to.include(want.warnings.join(' | '));
            if (api === 'responses') expect(JSON.parse(a.warnings ?? '[]')).to.include.members(want.warnings);
          }
        });
      }
    }
  }

  it('counts actions in tokenrouter_firewall_actions_total{rule,action,scope}', async () => {
    const metric = await stack.router.metrics.firewallActions.get();
    const count = (rule: string, action: string, scope: string): number =>
      metric.values.find((v) => v.labels.rule === rule && v.labels.action === action && v.labels.scope === scope)?.value ?? 0;
    // Each case ran four times (two APIs, streamed and not).
    expect(count('block-passwords', 'block', 'prompt')).to.equal(4);
    expect(count('mask-alpha-bravo', 'mask', 'response')).to.equal(4);
    expect(count('warn-sierra', 'warn', 'response')).to.equal(4);
    expect(count('red-team-only', 'block', 'response')).to.equal(4);
    for (const v of metric.values) expect(FIXTURE.rules.map((r) => r.name).concat(['block-credit-cards', 'mask-emails'])).to.include(v.labels.rule);
  });

  it('logs rule, action and match count, never the matched text', () => {
    const lines = logs.map((l) => JSON.parse(l)).filter((l) => l.msg === 'firewall');
    expect(lines.length).to.be.greaterThan(0);
    expect(lines[0]).to.have.keys('level', 'time', 'service', 'msg', 'request_id', 'scope', 'firewall');
    expect(lines.flatMap((l) => l.firewall)).to.deep.include({ rule: 'mask-alpha-bravo', action: 'mask', matches: 1 });
    const all = logs.join('\n');
    for (const secret of ['nuclear password', 'jane@example.org', 'alpha bravo', 'AKIAIOSFODNN7EXAMPLE', 'ops.lead@example.com', 'tango foxtrot']) {
      expect(all, secret).to.not.include(secret);
    }
  });
});

describe('firewall block status from Settings', function () {
  this.timeout(60_000);
  let stack: DemoStack;
  before(async () => {
    const settings = JSON.stringify({ apiVersion: 'tokenrouter/v1', kind: 'Settings', metadata: { name: 'settings' }, spec: { firewall: { blockStatus: 422 } } });
    stack = await startDemoStack({
      extraFiles: {
        'settings.yaml': settings,
        'zz-firewall-tests.yaml': firewallYaml([{ name: 'block-out', scope: 'response', type: 'substring', pattern: 'forbidden', action: 'block' }]),
      },
    });
  });
  after(async () => stack?.stop());

  it('answers 422 invalid_request_error for a prompt block and a response block', async () => {
    for (const prompt of ['card 4111 1111 1111 1111', 'say forbidden']) {
      const a = await send(stack.router.url, 'chat', { model: MODEL, messages: [{ role: 'user', content: prompt }] });
      expect(a.status, prompt).to.equal(422);
      expect(a.error).to.include({ code: 'firewall_blocked', type: 'invalid_request_error' });
    }
  });
});
