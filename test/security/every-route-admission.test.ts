// One pipeline, every route (issue 14, deliverable 1): each data-plane route
// passes authentication and the key's rpm before it does any work. A key with
// rpm 2 gets 429 rate_limit_exceeded (with retry-after) on its third request,
// on Responses, Chat, embeddings, explain and replay alike; an unknown key gets
// 401 on every one of them. A route added later belongs in ROUTES.
import { expect } from 'chai';
import type { DemoStack } from '../../src/cli/demo-stack.js';
import { startDemoStack } from '../../src/cli/demo-stack.js';
import { keysYaml, type KeyDef } from '../integration/shared-state-stack.js';

interface RouteCase {
  name: string;
  method: 'GET' | 'POST' | 'DELETE';
  path: (storedId: string) => string;
  body?: unknown;
}

const ROUTES: RouteCase[] = [
  { name: 'responses', method: 'POST', path: () => '/v1/responses', body: { model: 'auto', input: 'hi' } },
  { name: 'chat', method: 'POST', path: () => '/v1/chat/completions', body: { model: 'auto', messages: [{ role: 'user', content: 'hi' }] } },
  { name: 'embeddings', method: 'POST', path: () => '/v1/embeddings', body: { model: 'openai/text-embedding-3-small', input: 'hi' } },
  { name: 'messages', method: 'POST', path: () => '/v1/messages', body: { model: 'auto', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] } },
  { name: 'count tokens', method: 'POST', path: () => '/v1/messages/count_tokens', body: { model: 'auto', messages: [{ role: 'user', content: 'hi' }] } },
  { name: 'explain', method: 'POST', path: () => '/v1/route/explain', body: { model: 'auto', input: 'hi' } },
  { name: 'replay (GET)', method: 'GET', path: (id) => `/v1/responses/${id}` },
  { name: 'replay (POST)', method: 'POST', path: (id) => `/v1/responses/${id}`, body: {} },
  // Issue 16 finding 5: the endpoints the SDKs call.
  { name: 'model (GET)', method: 'GET', path: () => '/v1/models/openai%2Fgpt-4o' },
  { name: 'replay input items (GET)', method: 'GET', path: (id) => `/v1/responses/${id}/input_items` },
  { name: 'replay delete (DELETE)', method: 'DELETE', path: (id) => `/v1/responses/${id}` },
];

const KEYS: Record<string, KeyDef> = Object.fromEntries(ROUTES.map((r, i) => [r.name, { name: `rpm-${i}`, key: `sk-route-rpm-${i}`, extra: 'rpm: 2' }]));
const OWNER: KeyDef = { name: 'owner', key: 'sk-route-owner' };

describe('security: every data-plane route authenticates and admits before it works', function () {
  this.timeout(30_000);
  let stack: DemoStack;
  before(async () => {
    stack = await startDemoStack({ extraFiles: { 'keys.yaml': keysYaml([...Object.values(KEYS), OWNER]) } });
  });
  after(async () => stack?.stop());

  const send = (route: RouteCase, key: string, id: string) =>
    fetch(stack.router.url + route.path(id), {
      method: route.method,
      headers: { authorization: `Bearer ${key}`, ...(route.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(route.body !== undefined ? { body: JSON.stringify(route.body) } : {}),
    });

  for (const route of ROUTES) {
    it(`${route.name}: 401 without a valid key, 429 past the key's rpm`, async () => {
      // Each replay key replays a response it created itself (a response belongs to its key).
      const key = KEYS[route.name]!.key;
      let id = 'resp_unknown';
      if (route.name.startsWith('replay')) {
        const created = await fetch(stack.router.url + '/v1/responses', {
          method: 'POST',
          headers: { authorization: `Bearer ${OWNER.key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'auto', input: 'keep me' }),
        });
        id = ((await created.json()) as { id: string }).id;
      }
      expect((await send(route, 'sk-nobody', id)).status, 'unknown key').to.equal(401);
      const statuses: number[] = [];
      let last: Response | undefined;
      for (let i = 0; i < 3; i++) {
        last = await send(route, key, id);
        statuses.push(last.status);
      }
      // The first two were admitted (replay of another key's response answers 404, as for an unknown id).
      expect(statuses.slice(0, 2).every((s) => s !== 429), `statuses ${statuses}`).to.equal(true);
      expect(statuses[2], `statuses ${statuses}`).to.equal(429);
      expect(last!.headers.get('retry-after')).to.match(/^\d+$/);
      // OpenAI's envelope names the code; Anthropic's (the Messages routes) the error type.
      const body = (await last!.json()) as { type?: string; error: { code?: string; type: string } };
      if (body.type === 'error') expect(body.error.type).to.equal('rate_limit_error');
      else expect(body.error.code).to.equal('rate_limit_exceeded');
    });
  }
});
