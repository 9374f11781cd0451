// The two hot routes are served by the lean listener (src/server/data-plane-path.ts)
// when spelled exactly, and by the Express stack otherwise (a trailing slash,
// other letter case). Both must behave the same: these send each request both
// ways to one router and compare status, error bodies, decision headers and
// answers, so a step added to one path and forgotten in the other shows here.
import { expect } from 'chai';
import { startDemoStack, type DemoStack } from '../../src/cli/demo-stack.js';
import { apiKeysYaml } from '../helpers/router.js';

const KEY = 'tr-test-paths-key';
const AUTH = { authorization: `Bearer ${KEY}` };
const JSON_TYPE = { 'content-type': 'application/json' };

interface Answer {
  status: number;
  headers: Record<string, string>;
  text: string;
}

async function send(url: string, init: RequestInit): Promise<Answer> {
  const res = await fetch(url, init);
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => (headers[k] = v));
  return { status: res.status, headers, text: await res.text() };
}

/** What must match between the two paths: request ids and timestamps may differ. */
function comparable(a: Answer): unknown {
  const decision = Object.fromEntries(
    Object.entries(a.headers).filter(([k]) => k.startsWith('x-tokenrouter-') && k !== 'x-tokenrouter-request-id'),
  );
  let body: unknown = a.text;
  try {
    const parsed = JSON.parse(a.text) as Record<string, any>;
    body = parsed.error
      ? parsed
      : { object: parsed.object, model: parsed.model, status: parsed.status, content: parsed.choices?.[0]?.message?.content ?? parsed.output_text, usage: parsed.usage };
  } catch {
    // SSE (Chat framing): each frame's text delta and finish reason, then [DONE]; not ids or timestamps.
    if (a.headers['content-type']?.startsWith('text/event-stream')) {
      body = a.text
        .split('\n\n')
        .filter(Boolean)
        .map((frame) => {
          const data = frame.replace(/^data: /, '');
          if (data === '[DONE]') return data;
          const chunk = JSON.parse(data) as { choices?: { delta?: { content?: string }; finish_reason?: string | null }[] };
          return `${chunk.choices?.[0]?.delta?.content ?? ''}|${chunk.choices?.[0]?.finish_reason ?? ''}`;
        });
    }
  }
  return { status: a.status, contentType: a.headers['content-type'], decision, body };
}

describe('data plane: the lean path and the Express path answer alike', function () {
  this.timeout(30_000);
  let stack: DemoStack;

  before(async () => {
    stack = await startDemoStack({ extraFiles: { 'zz-keys.yaml': apiKeysYaml([{ name: 'paths', key: KEY }]) } });
  });
  after(async () => {
    await stack?.stop();
  });

  const chat = { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello to the paths test.' }] };
  const responses = { model: 'openai/gpt-4o-mini', input: 'Say hello to the paths test.' };
  const cases: [string, string, RequestInit][] = [
    ['chat completion', '/v1/chat/completions', { method: 'POST', headers: { ...JSON_TYPE, ...AUTH }, body: JSON.stringify(chat) }],
    ['responses', '/v1/responses', { method: 'POST', headers: { ...JSON_TYPE, ...AUTH }, body: JSON.stringify(responses) }],
    ['streamed chat completion', '/v1/chat/completions', { method: 'POST', headers: { ...JSON_TYPE, ...AUTH }, body: JSON.stringify({ ...chat, stream: true }) }],
    ['no credentials → 401', '/v1/chat/completions', { method: 'POST', headers: JSON_TYPE, body: JSON.stringify(chat) }],
    ['a wrong key → 401', '/v1/responses', { method: 'POST', headers: { ...JSON_TYPE, authorization: 'Bearer nope' }, body: JSON.stringify(responses) }],
    ['malformed JSON → 400', '/v1/chat/completions', { method: 'POST', headers: { ...JSON_TYPE, ...AUTH }, body: '{"model":' }],
    ['no body → 400', '/v1/responses', { method: 'POST', headers: AUTH }],
    ['text/plain → 415', '/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'text/plain', ...AUTH }, body: 'hello' }],
    ['a forbidden key → 400', '/v1/chat/completions', { method: 'POST', headers: { ...JSON_TYPE, ...AUTH }, body: '{"model":"auto","messages":[],"__proto__":{"x":1}}' }],
    ['an unknown model → 400', '/v1/responses', { method: 'POST', headers: { ...JSON_TYPE, ...AUTH }, body: JSON.stringify({ ...responses, model: 'no-such-model' }) }],
  ];

  for (const [name, path, init] of cases) {
    it(`${name}: ${path} and ${path}/ (Express) agree`, async () => {
      const lean = await send(stack.router.url + path, init);
      const viaExpress = await send(`${stack.router.url}${path}/`, init);
      expect(comparable(viaExpress)).to.deep.equal(comparable(lean));
      if (lean.status === 200) {
        expect(lean.headers['x-request-id'], 'lean path request id').to.match(/^req_/);
        expect(viaExpress.headers['x-request-id'], 'Express path request id').to.match(/^req_/);
      }
    });
  }

  it('other letter case reaches the same route through Express', async () => {
    const lean = await send(`${stack.router.url}/v1/chat/completions`, cases[0]![2]);
    const mixed = await send(`${stack.router.url}/V1/Chat/Completions`, cases[0]![2]);
    expect(comparable(mixed)).to.deep.equal(comparable(lean));
  });

  it('both paths are counted under the same route label', async () => {
    const text = await (await fetch(`${stack.router.url}/metrics`)).text();
    const routes = new Set([...text.matchAll(/tokenrouter_http_requests_total\{[^}]*route="([^"]+)"/g)].map((m) => m[1]));
    expect([...routes]).to.include.members(['/v1/chat/completions', '/v1/responses']);
    expect([...routes].filter((r) => r!.endsWith('/'))).to.deep.equal([]);
  });
});
