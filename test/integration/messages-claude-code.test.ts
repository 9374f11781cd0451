// A Claude Code session turn replayed from a fixture (test/fixtures/messages/claude-code-session.json):
// the body and headers as Claude Code sends them to ANTHROPIC_BASE_URL — system blocks with
// cache_control, 16 tools with input_schema, thinking enabled, a signed thinking block from the
// previous turn, metadata.user_id, stream: true, anthropic-beta with several values — sent with
// fetch to /v1/messages. A routing rule (matching the Messages API and Claude Code's system prompt)
// moves it from the model it asked for to claude-sonnet-4-5; the stream comes back in Anthropic's
// grammar with the thinking block signed, and the Anthropic simulator receives everything as sent.
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startDemoStack, type DemoStack } from '../../src/cli/demo-stack.js';
import { validThinkingSignature } from '../../src/simulator/reasoning.js';
import { FIXTURES } from '../helpers/paths.js';
import { assertEventOrder, parseSse } from '../helpers/messages-sse.js';

const FIXTURE = JSON.parse(readFileSync(path.join(FIXTURES, 'messages', 'claude-code-session.json'), 'utf8')) as {
  headers: Record<string, string>;
  body: Record<string, any>;
};
const CLIENT_KEY = 'claude-code-session-key';

const POLICIES = {
  'keys.yaml': `apiVersion: tokenrouter/v1
kind: ApiKeys
metadata: { name: claude-code-keys }
spec:
  keys:
    - { name: claude-code, sha256: "${createHash('sha256').update(CLIENT_KEY).digest('hex')}" }
`,
  // The model Claude Code asks for is in the catalog (by its dated alias) …
  'opus.yaml': `apiVersion: tokenrouter/v1
kind: Models
metadata: { name: claude-code-models }
spec:
  models:
    - { name: claude-opus-4-1, aliases: [claude-opus-4-1-20250805], provider: anthropic, pricing: { input: 15, output: 75 }, quality: 0.97, contextWindow: 200000, maxOutputTokens: 32000, capabilities: [tools, vision, reasoning, streaming] }
`,
  // … and the platform's rule sends Claude Code sessions to Sonnet instead. Replaces the demo
  // routing rules, so only this rule can explain where the request went.
  'routing.yaml': `apiVersion: tokenrouter/v1
kind: RoutingRules
metadata: { name: claude-code-routing }
spec:
  rules:
    - name: claude-code-to-sonnet
      priority: 100
      when:
        all:
          - { fact: api, operator: equal, value: messages }
          - { fact: text, operator: containsText, value: "you are claude code" }
      action: { set_provider: anthropic, set_model: claude-sonnet-4-5 }
`,
};

describe('Messages front door: a Claude Code session replayed from a fixture', function () {
  this.timeout(30_000);
  let stack: DemoStack;
  let res: Response;
  let events: { event: string; data: any }[];

  before(async () => {
    stack = await startDemoStack({ extraFiles: POLICIES });
    res = await fetch(`${stack.router.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: { ...FIXTURE.headers, 'x-api-key': CLIENT_KEY },
      body: JSON.stringify(FIXTURE.body),
    });
    events = parseSse(await res.text());
  });
  after(async () => {
    await stack?.stop();
  });

  it('is routed by the policy rule to claude-sonnet-4-5 on the Anthropic provider', () => {
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/event-stream/);
    expect(res.headers.get('x-tokenrouter-provider')).to.equal('anthropic');
    expect(res.headers.get('x-tokenrouter-model')).to.equal('claude-sonnet-4-5');
    expect(res.headers.get('x-tokenrouter-rules')).to.include('claude-code-to-sonnet');
    expect(stack.sim.calls).to.have.length(1);
    expect(stack.sim.calls[0]!.model).to.equal('claude-sonnet-4-5');
  });

  it('streams back intact: event grammar, a signed thinking block, the text, usage', () => {
    const data = events.filter((e) => e.event !== 'ping').map((e) => e.data);
    expect(events.map((e) => e.event)).to.deep.equal(events.map((e) => e.data.type));
    assertEventOrder(data);
    const starts = data.filter((e) => e.type === 'content_block_start').map((e) => e.content_block.type);
    expect(starts).to.deep.equal(['thinking', 'text']);
    const deltas = (i: number, kind: string): string =>
      data
        .filter((e) => e.type === 'content_block_delta' && e.index === i && e.delta.type === kind)
        .map((e) => e.delta[kind === 'thinking_delta' ? 'thinking' : kind === 'signature_delta' ? 'signature' : 'text'])
        .join('');
    const thinking = deltas(0, 'thinking_delta');
    const signature = deltas(0, 'signature_delta');
    expect(thinking).to.have.length.greaterThan(0);
    expect(validThinkingSignature(thinking, signature), 'the signature Anthropic issued, unchanged').to.equal(true);
    // The simulator echoes the start of the last user text (here Claude Code's reminder after the tool result).
    expect(deltas(1, 'text_delta')).to.equal("Hello from anthropic model claude-sonnet-4-5. You said: <system-reminder>\nThe TodoWrite tool hasn't been used recent");
    const start = data[0].message;
    expect(start).to.include({ type: 'message', role: 'assistant', model: 'claude-sonnet-4-5' });
    const end = data.find((e) => e.type === 'message_delta');
    expect(end.delta).to.deep.equal({ stop_reason: 'end_turn', stop_sequence: null });
    expect(end.usage.input_tokens).to.be.greaterThan(100);
    expect(end.usage.output_tokens).to.be.greaterThan(0);
    expect(end.usage).to.have.keys('input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_creation_input_tokens');
  });

  it('the Anthropic simulator received the body losslessly (everything but the routed model) and the headers as sent', () => {
    const call = stack.sim.calls[0]!;
    const { model: _sentModel, ...sent } = FIXTURE.body;
    const { model: _upstreamModel, ...received } = call.body;
    expect(received).to.deep.equal(sent);
    expect(call.headers['anthropic-beta']).to.equal(FIXTURE.headers['anthropic-beta']);
    expect(call.headers['anthropic-version']).to.equal(FIXTURE.headers['anthropic-version']);
    expect(JSON.stringify(call.headers), 'the client key stays at the router').to.not.include(CLIENT_KEY);
  });
});
