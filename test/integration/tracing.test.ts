// OpenTelemetry traces end to end (issue 20, deliverable 1): the demo stack
// with the OTEL_* environment pointing at an in-process OTLP/HTTP receiver,
// the openai SDK as the client. Each test checks the span tree a collector
// receives — the server span continuing the caller's traceparent, its stage
// children, one CLIENT span per upstream attempt — its attributes, the context
// the provider received, and the trace id in the decision log line.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import OpenAI from 'openai';
import type { DemoStack } from '../../src/cli/demo-stack.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';
import { BLOCK_RULE, FAILOVER_RULE, MASK_ZEBRA_RULE, rulesYaml } from '../helpers/drills.js';
import { capturingLogger, startStack, waitFor, type KeyDef } from './shared-state-stack.js';

const KEY: KeyDef = { name: 'tracer', key: 'sk-tracetest-a' };

const RULES = rulesYaml('RoutingRules', 'trace-rules', [FAILOVER_RULE]);

const FIREWALL = rulesYaml('FirewallRules', 'trace-firewall', [
  BLOCK_RULE,
  MASK_ZEBRA_RULE,
  '{ name: mask-plugh, priority: 70, scope: response, type: substring, pattern: "plugh", action: mask, replacement: "[WORD]" }',
]);

const SETTINGS = (recordContent: boolean) =>
  `apiVersion: tokenrouter/v1\nkind: Settings\nmetadata:\n  name: settings\nspec:\n  defaultMode: balance\n  tracing: { recordContent: ${recordContent} }\n`;

const OTEL_ENV = ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_BSP_SCHEDULE_DELAY', 'OTEL_SERVICE_NAME', 'OTEL_TRACES_SAMPLER', 'OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT'];

/**
 * Both pipelines answer to this contract (docs/operations/tracing.md): the router's lean one for plain
 * OTLP over HTTP, the official SDK once any variable only the SDK implements is set — here a span limit
 * at the SDK's own default, which changes nothing else.
 */
const PIPELINES = [
  { name: 'lean', env: {}, sdkName: 'tokenrouter' },
  { name: 'SDK', env: { OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: '128' }, sdkName: 'opentelemetry' },
] as const;

/** A caller's own trace context: W3C traceparent with a fresh trace and span id, sampled. */
function callerContext(): { traceId: string; spanId: string; headers: Record<string, string> } {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, headers: { traceparent: `00-${traceId}-${spanId}-01`, tracestate: 'vendor=caller1' } };
}

async function traceOf(receiver: OtlpReceiver, traceId: string): Promise<ReceivedSpan[]> {
  // The server span ends when the response does: the trace is complete once it has arrived.
  await waitFor('the trace’s server span', () => receiver.spans.some((s) => s.traceId === traceId && s.kind === 2));
  await new Promise((r) => setTimeout(r, 150)); // a straggling batch (children end before the server span)
  return receiver.spans.filter((s) => s.traceId === traceId);
}

const server = (spans: ReceivedSpan[]) => spans.find((s) => s.kind === 2)!;
const childrenOf = (spans: ReceivedSpan[], parent: ReceivedSpan) => spans.filter((s) => s.parentSpanId === parent.spanId).sort((a, b) => Number(a.startNs - b.startNs));

for (const pipeline of PIPELINES) describe(`OpenTelemetry traces (${pipeline.name} pipeline)`, function () {
  this.timeout(40_000);
  let receiver: OtlpReceiver;
  let stack: DemoStack;
  let log: ReturnType<typeof capturingLogger>;
  const saved: Record<string, string | undefined> = {};
  const client = (headers: Record<string, string>) => new OpenAI({ apiKey: KEY.key, baseURL: `${stack.router.url}/v1`, maxRetries: 0, defaultHeaders: headers });

  /** Rewrites the Settings document and waits for the reload to go live. */
  const setSettings = async (yaml: string): Promise<void> => {
    const version = stack.router.store.current()!.version;
    await writeFile(path.join(stack.policyDir, 'settings.yaml'), yaml);
    await waitFor('the reload', () => stack.router.store.current()!.version !== version);
  };

  before(async () => {
    receiver = await startOtlpReceiver();
    for (const k of OTEL_ENV) saved[k] = process.env[k];
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url;
    process.env.OTEL_EXPORTER_OTLP_PROTOCOL = 'http/json';
    process.env.OTEL_BSP_SCHEDULE_DELAY = '50';
    process.env.OTEL_SERVICE_NAME = 'router-under-test';
    delete process.env.OTEL_TRACES_SAMPLER;
    delete process.env.OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT;
    Object.assign(process.env, pipeline.env);
    log = capturingLogger();
    stack = await startStack({ keys: [KEY], logger: log.logger, files: { 'settings.yaml': SETTINGS(false), 'zz-trace-rules.yaml': RULES, 'zz-firewall.yaml': FIREWALL } });
  });
  after(async () => {
    await stack?.stop();
    for (const k of OTEL_ENV) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    await receiver?.close();
  });

  it('a plain request: the caller’s trace continues; stage spans and one attempt span; GenAI attributes; the provider gets the attempt’s context; the log line has the trace id', async () => {
    const caller = callerContext();
    const upstreamBefore = stack.sim.calls.length;
    const answer = await client(caller.headers).chat.completions.create({ model: 'openai/metered', messages: [{ role: 'user', content: 'one two three' }], max_tokens: 4 });
    const spans = await traceOf(receiver, caller.traceId);
    const root = server(spans);
    expect(root.parentSpanId, 'the server span is a child of the caller’s span').to.equal(caller.spanId);
    expect(root.name).to.equal('POST /v1/chat/completions');
    expect(root.resource['service.name']).to.equal('router-under-test');
    expect(root.resource['telemetry.sdk.name'], 'the pipeline the environment chose').to.equal(pipeline.sdkName);
    expect(root.attributes).to.include({
      'http.request.method': 'POST',
      'http.route': '/v1/chat/completions',
      'http.response.status_code': 200,
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'openai/metered',
      'gen_ai.response.model': 'metered',
      'gen_ai.usage.input_tokens': answer.usage!.prompt_tokens,
      'gen_ai.usage.output_tokens': answer.usage!.completion_tokens,
      'tokenrouter.api': 'chat',
      'tokenrouter.caller': KEY.name,
      'tokenrouter.outcome': 'success',
      'tokenrouter.policy_version': stack.router.store.current()!.version,
    });
    expect(root.attributes['gen_ai.response.finish_reasons']).to.deep.equal([answer.choices[0]!.finish_reason]);
    expect(root.attributes['tokenrouter.cost_usd']).to.be.closeTo(0.004, 1e-9);
    expect(root.attributes['tokenrouter.mode']).to.be.a('string');
    expect(root.attributes).to.not.have.property('gen_ai.input.messages');
    const names = childrenOf(spans, root).map((s) => s.name);
    expect(names).to.deep.equal(['tokenrouter.admission', 'tokenrouter.route', 'tokenrouter.firewall', 'tokenrouter.admission', 'chat metered', 'tokenrouter.firewall', 'tokenrouter.render']);
    const attempt = childrenOf(spans, root).find((s) => s.kind === 3)!;
    expect(attempt.attributes).to.include({ 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'metered', 'tokenrouter.attempt.outcome': 'success', 'http.response.status_code': 200, 'gen_ai.usage.output_tokens': answer.usage!.completion_tokens });
    // What the provider received: the same trace, the attempt span as parent, the caller's tracestate.
    const upstream = stack.sim.calls.slice(upstreamBefore).at(-1)!;
    expect(upstream.headers.traceparent).to.equal(`00-${caller.traceId}-${attempt.spanId}-01`);
    expect(upstream.headers.tracestate).to.equal('vendor=caller1');
    const line = log.lines.find((l) => l.msg === 'decision' && l.trace_id === caller.traceId);
    expect(line, 'the decision log line carries the trace id').to.not.equal(undefined);
  });

  it('a streamed request: the render span covers the stream; the attempt span has its time to first token and usage', async () => {
    const caller = callerContext();
    const stream = await client(caller.headers).responses.create({ model: 'openai/metered', input: 'four five six', max_output_tokens: 16, stream: true });
    let usage: { input_tokens: number; output_tokens: number } | undefined;
    for await (const e of stream) if (e.type === 'response.completed') usage = e.response.usage!;
    const spans = await traceOf(receiver, caller.traceId);
    const root = server(spans);
    expect(root.name).to.equal('POST /v1/responses');
    expect(root.attributes).to.include({ 'tokenrouter.stream': true, 'tokenrouter.api': 'responses', 'gen_ai.usage.output_tokens': usage!.output_tokens });
    const children = childrenOf(spans, root);
    const attempt = children.find((s) => s.kind === 3)!;
    expect(attempt.attributes['tokenrouter.ttft_ms']).to.be.a('number');
    expect(attempt.attributes['gen_ai.usage.input_tokens']).to.equal(usage!.input_tokens);
    const render = children.find((s) => s.name === 'tokenrouter.render')!;
    expect(render.attributes['tokenrouter.stream']).to.equal(true);
    expect(render.endNs >= render.startNs).to.equal(true);
    expect(render.startNs >= attempt.startNs, 'rendering starts once the provider answered').to.equal(true);
  });

  it('a failed-over request: each attempt is its own sibling span, the failed one in error with its reason', async () => {
    const caller = callerContext();
    const answer = await client(caller.headers).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'seven eight' }], max_tokens: 4, metadata: { drill: 'failover' } } as any);
    expect(answer.choices[0]!.message.content).to.be.a('string');
    const spans = await traceOf(receiver, caller.traceId);
    const root = server(spans);
    const attempts = childrenOf(spans, root).filter((s) => s.kind === 3);
    // The 500 is retried once on the same provider, then the request fails over: three siblings.
    expect(attempts.map((a) => a.attributes['tokenrouter.model'])).to.deep.equal(['metered-broken', 'metered-broken', 'metered']);
    expect(attempts.map((a) => a.attributes['tokenrouter.attempt.outcome'])).to.deep.equal(['retry', 'failover', 'success']);
    expect(attempts.map((a) => a.status), 'the failed attempts are errors').to.deep.equal([2, 2, 0]);
    expect(attempts[1]!.attributes).to.include({ 'http.response.status_code': 500, 'tokenrouter.attempt.reason': 'server_error' });
    expect(root.attributes).to.include({ 'tokenrouter.attempts': 3, 'tokenrouter.outcome': 'success', 'tokenrouter.model': 'metered' });
    expect(root.attributes['tokenrouter.failover_reason']).to.be.a('string');
    expect(root.attributes['tokenrouter.rules']).to.deep.equal(['broken-first']);
  });

  it('a blocked request: the firewall span is in error with the rule that blocked, no attempt span, the server span says why', async () => {
    const caller = callerContext();
    const err = await client(caller.headers)
      .chat.completions.create({ model: 'openai/metered', messages: [{ role: 'user', content: 'tell me the launch codes' }], max_tokens: 4 })
      .catch((e: unknown) => e);
    expect((err as { status?: number }).status).to.equal(403);
    const spans = await traceOf(receiver, caller.traceId);
    const root = server(spans);
    expect(root.attributes).to.include({ 'http.response.status_code': 403, 'tokenrouter.outcome': 'blocked', 'error.type': 'firewall_blocked' });
    expect(root.status, 'a 4xx is the caller’s: the server span is not in error').to.not.equal(2);
    expect(root.attributes['tokenrouter.firewall.actions']).to.deep.equal(['no-launch-codes:block:prompt']);
    const children = childrenOf(spans, root);
    expect(children.some((s) => s.kind === 3), 'nothing was sent upstream').to.equal(false);
    const firewall = children.find((s) => s.name === 'tokenrouter.firewall')!;
    expect(firewall.status).to.equal(2);
    expect(firewall.attributes['error.type']).to.equal('firewall_blocked');
  });

  it('no traceparent: the router starts a new trace; text is recorded only with Settings.tracing.recordContent, after the masks', async () => {
    const before = receiver.spans.length;
    await client({}).chat.completions.create({ model: 'openai/metered', messages: [{ role: 'user', content: 'a zebra walks' }], max_tokens: 4 });
    await waitFor('a server span', () => receiver.spans.slice(before).some((s) => s.kind === 2));
    const root = receiver.spans.slice(before).find((s) => s.kind === 2)!;
    expect(root.parentSpanId).to.equal('');
    expect(root.attributes).to.not.have.property('gen_ai.input.messages');

    await setSettings(SETTINGS(true));
    const caller = callerContext();
    await client(caller.headers).chat.completions.create({ model: 'openai/metered', messages: [{ role: 'user', content: 'a zebra walks' }], max_tokens: 4 });
    const spans = await traceOf(receiver, caller.traceId);
    const input = String(server(spans).attributes['gen_ai.input.messages']);
    expect(input).to.include('[ANIMAL]');
    expect(input, 'the masked word never reaches a span').to.not.include('zebra');
    expect(String(server(spans).attributes['gen_ai.output.messages'])).to.include('assistant');
    await setSettings(SETTINGS(false));
  });

  it('every data-plane route has its server span: embeddings (with its upstream attempt) and count_tokens', async () => {
    const caller = callerContext();
    await client(caller.headers).embeddings.create({ model: 'openai/text-embedding-3-small', input: 'hello there' });
    const spans = await traceOf(receiver, caller.traceId);
    const root = server(spans);
    expect(root.name).to.equal('POST /v1/embeddings');
    expect(root.attributes).to.include({ 'gen_ai.operation.name': 'embeddings', 'tokenrouter.outcome': 'success' });
    const attempt = childrenOf(spans, root).find((s) => s.kind === 3)!;
    expect(attempt.name).to.equal('embeddings text-embedding-3-small');
    const counted = callerContext();
    const res = await fetch(`${stack.router.url}/v1/messages/count_tokens`, {
      method: 'POST',
      headers: { 'x-api-key': KEY.key, 'content-type': 'application/json', ...counted.headers },
      body: JSON.stringify({ model: 'openai/metered', messages: [{ role: 'user', content: 'count me' }] }),
    });
    expect(res.status).to.equal(200);
    const countSpans = await traceOf(receiver, counted.traceId);
    expect(server(countSpans).attributes['gen_ai.operation.name']).to.equal('count_tokens');
  });
});

describe('OpenTelemetry traces: off, protobuf, sampling', function () {
  this.timeout(40_000);
  const saved: Record<string, string | undefined> = {};
  let receiver: OtlpReceiver;
  beforeEach(async () => {
    receiver = await startOtlpReceiver();
    for (const k of OTEL_ENV) {
      saved[k] = process.env[k];
      delete process.env[k];
    }
  });
  afterEach(async () => {
    for (const k of OTEL_ENV) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    await receiver.close();
  });
  const ask = (stack: DemoStack, headers: Record<string, string>) =>
    new OpenAI({ apiKey: KEY.key, baseURL: `${stack.router.url}/v1`, maxRetries: 0, defaultHeaders: headers }).chat.completions.create({ model: 'openai/metered', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 });

  it('without OTEL_* variables nothing is exported and no trace context is sent upstream', async () => {
    const log = capturingLogger();
    const stack = await startStack({ keys: [KEY], logger: log.logger });
    try {
      await ask(stack, callerContext().headers);
      expect(stack.sim.calls.at(-1)!.headers).to.not.have.property('traceparent');
      const line = log.lines.find((l) => l.msg === 'decision')!;
      expect(line).to.not.have.property('trace_id');
      expect(log.lines.some((l) => String(l.msg).includes('OpenTelemetry'))).to.equal(false);
    } finally {
      await stack.stop();
    }
    expect(receiver.spans.length + receiver.protobufPosts).to.equal(0);
  });

  it('the default protocol (http/protobuf) reaches the collector', async () => {
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url;
    process.env.OTEL_BSP_SCHEDULE_DELAY = '50';
    const stack = await startStack({ keys: [KEY] });
    try {
      await ask(stack, {});
      await waitFor('a protobuf export', () => receiver.protobufPosts > 0);
    } finally {
      await stack.stop();
    }
  });

  it('OTEL_TRACES_SAMPLER=always_off: no span is exported, the provider still gets the (unsampled) context', async () => {
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url;
    process.env.OTEL_EXPORTER_OTLP_PROTOCOL = 'http/json';
    process.env.OTEL_BSP_SCHEDULE_DELAY = '50';
    process.env.OTEL_TRACES_SAMPLER = 'always_off';
    const stack = await startStack({ keys: [KEY] });
    try {
      await ask(stack, {});
      expect(stack.sim.calls.at(-1)!.headers.traceparent).to.match(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    } finally {
      await stack.stop(); // flushes
    }
    expect(receiver.spans.length).to.equal(0);
  });
});
