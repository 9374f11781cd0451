// One pipeline, every route (issue 14, deliverable 1): each data-plane route
// passes authentication and the key's rpm before it does any work. A key with
// rpm 2 gets 429 rate_limit_exceeded (with retry-after) on its third request,
// on Responses, Chat, embeddings, explain and replay alike; an unknown key gets
// 401 on every one of them. A route added later belongs in ROUTES.
import { expect } from 'chai';
import type { DemoStack } from '../../src/cli/demo-stack.js';
import { startDemoStack } from '../../src/cli/demo-stack.js';
import { keysYaml, type KeyDef } from '../integration/shared-state-stack.js';
import { consoleRoutes } from '../../src/console/routes.js';
import { authenticate } from '../../src/server/auth.js';
import { readJsonBody } from '../../src/server/body.js';
import { explainBody } from '../../src/server/routes/explain.js';

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

// Issue 21: the console's API has its own session auth in front of the data plane's. Every route
// its router declares under /console/api — walked from the Express router itself, so a route added
// later is covered without being listed — answers 401 without a session, even to a valid data-plane
// key; only login (POST /console/api/session, which takes a key), logout (it ends only the cookie's
// own session) and /me (who am I: loginRequired) are public.
describe('security: every console API route needs a console session', function () {
  this.timeout(30_000);
  let stack: DemoStack;
  before(async () => {
    stack = await startDemoStack({ extraFiles: { 'keys.yaml': keysYaml([OWNER]) } });
  });
  after(async () => stack?.stop());

  const PUBLIC = new Set(['POST /console/api/session', 'DELETE /console/api/session', 'GET /console/api/me']);

  it('walks the console router: each /console/api route refuses a request without a session', async () => {
    const { router } = stack;
    const parts = { authenticate, readJsonBody, explainBody };
    const express = consoleRoutes({ ...router, conversations: undefined as never, loopbackOnly: true, server: parts }) as unknown as {
      stack: { route?: { path: string | string[]; methods: Record<string, boolean> } }[];
    };
    const routes: string[] = [];
    for (const layer of express.stack) {
      if (!layer.route) continue;
      for (const p of ([] as string[]).concat(layer.route.path)) {
        if (!p.startsWith('/console/api')) continue;
        for (const [m, on] of Object.entries(layer.route.methods)) if (on && m !== '_all') routes.push(`${m.toUpperCase()} ${p}`);
      }
    }
    expect(routes.length, routes.join(', ')).to.be.at.least(10);
    for (const r of routes) {
      if (PUBLIC.has(r)) continue;
      const [method, p] = r.split(' ') as [string, string];
      const res = await fetch(router.url + p.replace(/:[a-z]+/gi, 'x'), {
        method,
        headers: { authorization: `Bearer ${OWNER.key}`, 'content-type': 'application/json' },
        ...(method === 'GET' || method === 'HEAD' ? {} : { body: '{}' }),
      });
      expect(res.status, r).to.equal(401);
      expect(((await res.json()) as { error: { code: string } }).error.code, r).to.equal('console_session_required');
    }
  });
});
