// The exact-match response cache end to end (issue 20, deliverable 2): the demo stack with the
// metered model ($0.004 a call) and the openai SDK as client. Upstream calls are counted on the
// simulator, costs on the key's budget and the usage ledger.
import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { DemoStack } from '../../src/cli/demo-stack.js';
import { parsePromText } from '../helpers/prom-text.js';
import { call, METERED_BODY, METERED_COST_USD, startStack, waitFor, type KeyDef } from './shared-state-stack.js';

const A: KeyDef = { name: 'cache-a', key: 'sk-cachetest-a', extra: 'budgetUsd: { amount: 1, period: day }' };
const B: KeyDef = { name: 'cache-b', key: 'sk-cachetest-b' };

function settings(cache: Record<string, unknown>, note = ''): string {
  return `apiVersion: tokenrouter/v1\nkind: Settings\nmetadata:\n  name: settings${note}\nspec:\n  defaultMode: balance\n  cache: ${JSON.stringify(cache)}\n`;
}

const RULES = `apiVersion: tokenrouter/v1
kind: RoutingRules
metadata:
  name: cache-rules
spec:
  rules:
    - { name: never-cache, priority: 300, match: { metadata_equals: { cache: "off" } }, action: { cache: false } }
    - { name: short-cache, priority: 290, match: { metadata_equals: { cache: "short" } }, action: { cache: { ttlSeconds: 1 } } }
`;

/** A prompt nobody else sends, so each test starts from an empty entry. */
let n = 0;
const fresh = (extra = ''): string => `one two three four five six seven ${++n} ${extra}`.trim();
const chatBody = (content: string) => ({ ...METERED_BODY, messages: [{ role: 'user', content }] });

function metric(text: string, family: string, labels: Record<string, string> = {}): number {
  const f = parsePromText(text).get(family);
  if (!f) return 0;
  return f.samples.filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((x, s) => x + s.value, 0);
}

describe('response cache (exact match)', function () {
  this.timeout(30_000);
  let stack: DemoStack;
  let url: string;
  const client = (k: KeyDef, headers: Record<string, string> = {}) => new OpenAI({ apiKey: k.key, baseURL: `${url}/v1`, maxRetries: 0, defaultHeaders: headers });
  const calls = () => stack.sim.calls.length;

  before(async () => {
    stack = await startStack({ keys: [A, B], files: { 'settings.yaml': settings({ enabled: true, ttlSeconds: 60 }), 'zz-cache-rules.yaml': RULES } });
    url = stack.router.url;
  });
  after(async () => {
    await stack?.stop();
  });

  it('a repeated request is a hit: no upstream call, the same answer, zero cost in headers, budget and ledger; metrics count it', async () => {
    const before = await (await fetch(`${url}/metrics`)).text();
    const body = chatBody(fresh());
    const first = await client(A).chat.completions.create(body as any).withResponse();
    expect(first.response.headers.get('x-tokenrouter-cache')).to.equal('miss');
    const upstream = calls();
    const second = await client(A).chat.completions.create(body as any).withResponse();
    expect(calls(), 'no upstream call').to.equal(upstream);
    expect(second.response.headers.get('x-tokenrouter-cache')).to.equal('hit');
    expect(second.data.choices[0]!.message.content).to.equal(first.data.choices[0]!.message.content);
    expect(second.data.id, 'a hit is a new answer').to.not.equal(first.data.id);
    expect(Number(second.response.headers.get('x-tokenrouter-cost-usd'))).to.equal(0);
    expect(Number(first.response.headers.get('x-tokenrouter-cost-usd'))).to.be.closeTo(METERED_COST_USD, 1e-9);
    await stack.router.state.flush();
    const spent = await stack.router.state.keys.deps.budgets.status(A.name, { amountUsd: 1, period: 'day' });
    expect(spent.spentUsd, 'only the miss is billed').to.be.closeTo(METERED_COST_USD, 1e-9);
    const usage = await call(url, A.key, '/v1/usage', null);
    const row = usage.body.data.find((r: any) => r.model === 'metered');
    expect(row.requests, 'the hit has its ledger row').to.equal(2);
    expect(row.cost_usd, 'at zero cost').to.be.closeTo(METERED_COST_USD, 1e-9);
    const after = await (await fetch(`${url}/metrics`)).text();
    expect(metric(after, 'tokenrouter_cache_requests_total', { result: 'hit' }) - metric(before, 'tokenrouter_cache_requests_total', { result: 'hit' })).to.equal(1);
    expect(metric(after, 'tokenrouter_cache_requests_total', { result: 'miss' }) - metric(before, 'tokenrouter_cache_requests_total', { result: 'miss' })).to.equal(1);
    expect(metric(after, 'tokenrouter_cache_bytes')).to.be.greaterThan(0);
  });

  it('scope key: another key misses the first key’s entry', async () => {
    const body = chatBody(fresh());
    await client(A).chat.completions.create(body as any);
    const upstream = calls();
    const b = await client(B).chat.completions.create(body as any).withResponse();
    expect(b.response.headers.get('x-tokenrouter-cache')).to.equal('miss');
    expect(calls()).to.equal(upstream + 1);
  });

  it('a Responses hit says metadata.cache "hit"', async () => {
    const body = { model: 'openai/metered', input: fresh(), max_output_tokens: 4 };
    const first = await client(A).responses.create(body).withResponse();
    expect(first.response.headers.get('x-tokenrouter-cache')).to.equal('miss');
    const upstream = calls();
    const second = await client(A).responses.create(body).withResponse();
    expect(calls()).to.equal(upstream);
    expect(second.response.headers.get('x-tokenrouter-cache')).to.equal('hit');
    expect(second.data.metadata?.cache).to.equal('hit');
    expect(second.data.output_text).to.equal(first.data.output_text);
  });

  it('a streamed hit replays a stream the openai SDK parses (Responses and Chat), from the entry a stream stored', async () => {
    const input = fresh();
    const events: string[] = [];
    const live: string[] = [];
    let text1 = '';
    for await (const e of await client(A).responses.create({ model: 'openai/metered', input, max_output_tokens: 4, stream: true })) {
      live.push(e.type);
      if (e.type === 'response.output_text.delta') text1 += e.delta;
    }
    const upstream = calls();
    const { data: stream, response } = await client(A).responses.create({ model: 'openai/metered', input, max_output_tokens: 4, stream: true }).withResponse();
    expect(response.headers.get('x-tokenrouter-cache')).to.equal('hit');
    let text2 = '';
    for await (const e of stream) {
      events.push(e.type);
      if (e.type === 'response.output_text.delta') text2 += e.delta;
    }
    expect(calls()).to.equal(upstream);
    expect(text2).to.equal(text1).and.not.equal('');
    // max_output_tokens 4 ends the live answer as incomplete (length): the replay ends the same way.
    expect(events[0]).to.equal('response.created');
    expect(events.at(-1)).to.equal(live.at(-1)).and.equal('response.incomplete');

    const content = fresh();
    const plain = await client(A).chat.completions.create(chatBody(content) as any);
    const up2 = calls();
    let chatText = '';
    const chat = await client(A).chat.completions.create({ ...chatBody(content), stream: true } as any).withResponse();
    expect(chat.response.headers.get('x-tokenrouter-cache'), 'a JSON answer’s entry answers a stream').to.equal('hit');
    for await (const c of chat.data as any) chatText += c.choices[0]?.delta?.content ?? '';
    expect(calls()).to.equal(up2);
    expect(chatText).to.equal(plain.choices[0]!.message.content);
  });

  it('one entry answers the Messages dialect (JSON and an SDK-parsed stream) and the tokenrouter stream dialect', async () => {
    const anthropic = new Anthropic({ baseURL: url, apiKey: A.key, maxRetries: 0 });
    const content = fresh();
    const first = await anthropic.messages.create({ model: 'openai/metered', max_tokens: 4, messages: [{ role: 'user', content }] }).withResponse();
    expect(first.response.headers.get('x-tokenrouter-cache')).to.equal('miss');
    const text = first.data.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
    const upstream = calls();
    const again = await anthropic.messages.create({ model: 'openai/metered', max_tokens: 4, messages: [{ role: 'user', content }] }).withResponse();
    expect(again.response.headers.get('x-tokenrouter-cache')).to.equal('hit');
    expect(again.data.content.map((b) => (b.type === 'text' ? b.text : '')).join('')).to.equal(text);
    const streamed = anthropic.messages.stream({ model: 'openai/metered', max_tokens: 4, messages: [{ role: 'user', content }] });
    const final = await streamed.finalMessage();
    expect(final.content.map((b) => (b.type === 'text' ? b.text : '')).join('')).to.equal(text);
    expect(calls(), 'Messages hits make no upstream call').to.equal(upstream);

    const input = fresh();
    await client(A).responses.create({ model: 'openai/metered', input, max_output_tokens: 4 });
    const up2 = calls();
    const res = await fetch(`${url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${A.key}`, 'x-tokenrouter-stream-format': 'tokenrouter' },
      body: JSON.stringify({ model: 'openai/metered', input, max_output_tokens: 4, stream: true }),
    });
    expect(res.headers.get('x-tokenrouter-cache')).to.equal('hit');
    const sse = await res.text();
    expect(calls()).to.equal(up2);
    const names = [...sse.matchAll(/^event: (.+)$/gm)].map((m) => m[1]);
    expect(names.length, sse).to.be.greaterThan(1);
    expect(names.some((x) => x!.startsWith('response.')), 'the hosted dialect, not OpenAI events').to.equal(false);
  });

  it('a streamed Responses hit says metadata.cache "hit" on every response object and in what is stored; the miss does not', async () => {
    const input = fresh();
    const body = { model: 'openai/metered', input, max_output_tokens: 4, stream: true as const };
    const responses = async () => {
      const seen: { type: string; metadata: Record<string, string> | null | undefined; id: string }[] = [];
      for await (const e of await client(A).responses.create(body)) if ('response' in e) seen.push({ type: e.type, metadata: e.response.metadata as any, id: e.response.id });
      return seen;
    };
    const miss = await responses();
    const upstream = calls();
    const hit = await responses();
    expect(calls(), 'the second stream was a hit').to.equal(upstream);
    expect(miss.map((r) => r.type)).to.deep.equal(hit.map((r) => r.type));
    expect(hit.map((r) => r.type)).to.include.members(['response.created', 'response.in_progress']);
    for (const r of miss) expect(r.metadata?.cache, `miss ${r.type}`).to.equal(undefined);
    for (const r of hit) expect(r.metadata?.cache, `hit ${r.type}`).to.equal('hit');
    // The routing keys are still there beside it.
    expect(hit.at(-1)!.metadata?.provider).to.equal(miss.at(-1)!.metadata?.provider).and.be.a('string');
    // The stored answer of the hit (replayed as JSON, and as a stream in the hosted dialect) says it too.
    const stored = await call(url, A.key, `/v1/responses/${hit.at(-1)!.id}`, null);
    expect(stored.body.metadata?.cache).to.equal('hit');
    const storedMiss = await call(url, A.key, `/v1/responses/${miss.at(-1)!.id}`, null);
    expect(storedMiss.body.metadata?.cache).to.equal(undefined);
  });

  it('a streamed hit in the hosted TokenRouter dialect says cache "hit" in its metadata event; the miss does not', async () => {
    const input = fresh();
    const hosted = async () => {
      const res = await fetch(`${url}/v1/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${A.key}`, 'x-tokenrouter-stream-format': 'tokenrouter' },
        body: JSON.stringify({ model: 'openai/metered', input, max_output_tokens: 4, stream: true }),
      });
      const sse = await res.text();
      const m = /^event: metadata\ndata: (.+)$/m.exec(sse);
      expect(m, sse).to.not.equal(null);
      return { header: res.headers.get('x-tokenrouter-cache'), metadata: JSON.parse(m![1]!) as Record<string, unknown> };
    };
    const miss = await hosted();
    expect(miss.header).to.equal('miss');
    expect(miss.metadata).to.not.have.property('cache');
    const upstream = calls();
    const hit = await hosted();
    expect(calls()).to.equal(upstream);
    expect(hit.header).to.equal('hit');
    expect(hit.metadata.cache).to.equal('hit');
    expect(hit.metadata.response_id).to.be.a('string').and.not.equal(miss.metadata.response_id);
    expect(hit.metadata.provider).to.equal(miss.metadata.provider);
    // The hit's stored answer replays in the hosted dialect still saying so.
    const replay = await fetch(`${url}/v1/responses/${hit.metadata.response_id as string}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${A.key}`, 'x-tokenrouter-stream-format': 'tokenrouter' },
      body: JSON.stringify({ stream: true }),
    });
    const replayed = JSON.parse(/^event: metadata\ndata: (.+)$/m.exec(await replay.text())![1]!);
    expect(replayed).to.include({ replay: true, cache: 'hit' });
  });

  it('Cache-Control: no-store neither reads nor writes; no-cache skips the read but stores', async () => {
    const body = chatBody(fresh());
    const s1 = await client(A, { 'cache-control': 'no-store' }).chat.completions.create(body as any).withResponse();
    expect(s1.response.headers.get('x-tokenrouter-cache')).to.equal('bypass');
    const upstream = calls();
    const s2 = await client(A).chat.completions.create(body as any).withResponse();
    expect(s2.response.headers.get('x-tokenrouter-cache'), 'no-store wrote nothing').to.equal('miss');
    expect(calls()).to.equal(upstream + 1);
    const s3 = await client(A, { 'cache-control': 'no-store' }).chat.completions.create(body as any).withResponse();
    expect(s3.response.headers.get('x-tokenrouter-cache'), 'no-store reads nothing').to.equal('bypass');
    expect(calls()).to.equal(upstream + 2);
    const body2 = chatBody(fresh());
    await client(A).chat.completions.create(body2 as any);
    const nc = await client(A, { 'cache-control': 'no-cache' }).chat.completions.create(body2 as any).withResponse();
    expect(nc.response.headers.get('x-tokenrouter-cache')).to.equal('bypass');
    expect(calls()).to.equal(upstream + 4);
  });

  it('a rule action cache: false keeps the requests it matches out of the cache', async () => {
    const body = { ...chatBody(fresh()), metadata: { cache: 'off' } };
    await client(A).chat.completions.create(body as any);
    const upstream = calls();
    const again = await client(A).chat.completions.create(body as any).withResponse();
    expect(again.response.headers.get('x-tokenrouter-cache')).to.equal('bypass');
    expect(again.response.headers.get('x-tokenrouter-rules')).to.include('never-cache');
    expect(calls()).to.equal(upstream + 1);
  });

  it('a rule action cache: {ttlSeconds} sets the TTL: the entry answers, then expires', async () => {
    const body = { ...chatBody(fresh()), metadata: { cache: 'short' } };
    await client(A).chat.completions.create(body as any);
    const upstream = calls();
    const hit = await client(A).chat.completions.create(body as any).withResponse();
    expect(hit.response.headers.get('x-tokenrouter-cache')).to.equal('hit');
    expect(calls()).to.equal(upstream);
    await new Promise((r) => setTimeout(r, 1100));
    const expired = await client(A).chat.completions.create(body as any).withResponse();
    expect(expired.response.headers.get('x-tokenrouter-cache'), 'after the TTL').to.equal('miss');
    expect(calls()).to.equal(upstream + 1);
  });

  it('the key covers the prompt after the firewall masks (demo mask-emails): two prompts masked alike share the entry', async () => {
    const base = fresh();
    await client(A).chat.completions.create(chatBody(`${base} alice@example.com`) as any);
    expect(JSON.stringify(stack.sim.calls.at(-1)!.body)).to.not.include('alice@example.com');
    const upstream = calls();
    const other = await client(A).chat.completions.create(chatBody(`${base} bob@example.com`) as any).withResponse();
    expect(other.response.headers.get('x-tokenrouter-cache')).to.equal('hit');
    expect(calls()).to.equal(upstream);
  });

  it('a policy reload (new version) misses the old entries; shared scope lets another key hit', async () => {
    const body = chatBody(fresh());
    await client(A).chat.completions.create(body as any);
    const v1 = (await client(A).chat.completions.create(body as any).withResponse()).response.headers.get('x-tokenrouter-policy-version');
    await writeFile(path.join(stack.policyDir, 'settings.yaml'), settings({ enabled: true, ttlSeconds: 60, scope: 'shared' }));
    await waitFor('the reload', async () => (await call(url, A.key, '/v1/chat/completions', chatBody(fresh()))).headers.get('x-tokenrouter-policy-version') !== v1);
    const upstream = calls();
    const after = await client(A).chat.completions.create(body as any).withResponse();
    expect(after.response.headers.get('x-tokenrouter-cache'), 'the old version’s entry does not answer').to.equal('miss');
    expect(calls()).to.equal(upstream + 1);
    const b = await client(B).chat.completions.create(body as any).withResponse();
    expect(b.response.headers.get('x-tokenrouter-cache'), 'shared scope').to.equal('hit');
    expect(calls()).to.equal(upstream + 1);
  });
});
