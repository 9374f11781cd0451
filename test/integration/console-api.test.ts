// The console's backend (issue 21) against the demo stack: login and sessions,
// the security headers, every data endpoint's shape after real traffic (a
// success, a firewall block, a failover), the decision ring's bound and
// prompt policy, rule hits and warnings, a reload error's file:line:col, the
// live stream, Settings.console.enabled, sessions dying with their key's admin
// flag, the login rate limit, and anonymous loopback access.
import { expect } from 'chai';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDemoStack, type DemoStack } from '../../src/cli/demo-stack.js';
import { CONSOLE_CSP } from '../../src/console/security-headers.js';
import { startRouter, type RunningRouter } from '../../src/server/start.js';
import { createMetrics } from '../../src/telemetry/metrics.js';
import { silentLogger } from '../../src/telemetry/log.js';
import { call, keysYaml, startStack, type KeyDef } from './shared-state-stack.js';
import { BLOCK_RULE, FAILOVER_RULE, MASK_ZEBRA_RULE, rulesYaml } from '../helpers/drills.js';

const ADMIN: KeyDef = { name: 'ops-admin', key: 'console-admin-key-1', extra: 'admin: true' };
const USER: KeyDef = { name: 'plain-user', key: 'console-user-key-1' };

const RULES = rulesYaml('RoutingRules', 'console-rules', [
  FAILOVER_RULE,
  '{ name: shadowed-copy, priority: 200, match: { metadata_equals: { drill: failover } }, action: { set_model: metered-broken } }',
  '{ name: never-fires, priority: 100, match: { metadata_equals: { drill: nobody-sends-this } }, action: { set_model: metered } }',
]);

const FIREWALL = rulesYaml('FirewallRules', 'console-firewall', [BLOCK_RULE, MASK_ZEBRA_RULE]);

const SOURCE_URL = 'https://git.example.com/team/policies/blob/main/{file}#L{line}';
const settings = (console: Record<string, unknown>) =>
  `apiVersion: tokenrouter/v1\nkind: Settings\nmetadata:\n  name: settings\nspec:\n  defaultMode: balance\n  console: ${JSON.stringify(console)}\n`;

const SECRET_PROMPT = 'the purple-otter passphrase is hidden here';

describe('console API (issue 21)', function () {
  this.timeout(60_000);
  let stack: DemoStack;
  let base: string;
  let cookie: string;

  const reload = async (): Promise<void> => {
    await stack.router.reloader.reload();
  };
  const write = (name: string, text: string) => fs.writeFile(path.join(stack.policyDir, name), text);
  const api = (p: string, init: RequestInit & { cookie?: string } = {}) =>
    fetch(base + p, { ...init, headers: { ...(init.cookie ? { cookie: init.cookie } : {}), ...(init.headers as Record<string, string> | undefined) } });
  const getJson = async (p: string, c = cookie): Promise<any> => {
    const res = await api(p, { cookie: c });
    expect(res.status, `${p}: ${res.status}`).to.equal(200);
    return res.json();
  };
  const login = (key: string, extra: Record<string, string> = {}) =>
    fetch(base + '/console/api/session', { method: 'POST', headers: { 'content-type': 'application/json', ...extra }, body: JSON.stringify({ key }) });
  const chat = (content: string, metadata?: Record<string, string>) =>
    call(base, USER.key, '/v1/chat/completions', { model: metadata ? 'auto' : 'openai/metered', messages: [{ role: 'user', content }], max_tokens: 4, ...(metadata ? { metadata } : {}) });

  before(async () => {
    stack = await startStack({
      keys: [ADMIN, USER],
      files: { 'settings.yaml': settings({ decisions: 20, sourceUrl: SOURCE_URL }), 'zz-rules.yaml': RULES, 'zz-firewall.yaml': FIREWALL },
    });
    base = stack.router.url;
  });
  after(async () => stack?.stop());

  describe('login and sessions', () => {
    it('an admin key gets a session cookie with exact flags, and the key is nowhere in it', async () => {
      const res = await login(ADMIN.key);
      expect(res.status).to.equal(204);
      const set = res.headers.getSetCookie();
      expect(set).to.have.length(1);
      const m = /^tr_console=([A-Za-z0-9_-]{43}); HttpOnly; SameSite=Strict; Path=\/console; Max-Age=28800$/.exec(set[0]!);
      expect(m, set[0]).to.not.equal(null);
      expect(set[0]).to.not.include(ADMIN.key);
      cookie = `tr_console=${m![1]}`;
      expect(await getJson('/console/api/me')).to.deep.equal({ anonymous: false, key: 'ops-admin', loginRequired: false });
    });

    it('adds Secure behind a TLS proxy (x-forwarded-proto: https)', async () => {
      const res = await login(ADMIN.key, { 'x-forwarded-proto': 'https' });
      expect(res.headers.getSetCookie()[0]).to.match(/; Secure$/);
    });

    it('a non-admin key is refused with 403 and no cookie; an unknown key with 401', async () => {
      const user = await login(USER.key);
      expect(user.status).to.equal(403);
      expect(user.headers.getSetCookie()).to.deep.equal([]);
      expect(((await user.json()) as any).error).to.include({ type: 'permission_error', code: 'console_admin_required' });
      const unknown = await login('console-nobody-key');
      expect(unknown.status).to.equal(401);
      expect(unknown.headers.getSetCookie()).to.deep.equal([]);
      expect(((await unknown.json()) as any).error.code).to.equal('invalid_api_key');
    });

    it('login takes JSON only', async () => {
      const res = await fetch(base + '/console/api/session', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: `{"key":"${ADMIN.key}"}` });
      expect(res.status).to.equal(415);
    });

    it('every data endpoint needs a session: 401 without one, even with a data-plane admin key as Bearer', async () => {
      for (const p of ['/console/api/overview', '/console/api/rules', '/console/api/providers', '/console/api/decisions', '/console/api/usage', '/console/api/live']) {
        const res = await api(p, { headers: { authorization: `Bearer ${ADMIN.key}` } });
        expect(res.status, p).to.equal(401);
        expect(((await res.json()) as any).error.code).to.equal('console_session_required');
      }
      const forged = await api('/console/api/overview', { cookie: 'tr_console=' + 'A'.repeat(43) });
      expect(forged.status).to.equal(401);
      expect(await getJson('/console/api/me', '')).to.deep.equal({ anonymous: false, key: null, loginRequired: true });
    });

    it('DELETE /console/api/session ends the session and clears the cookie', async () => {
      const res = await login(ADMIN.key);
      const own = res.headers.getSetCookie()[0]!.split(';')[0]!;
      expect((await api('/console/api/overview', { cookie: own })).status).to.equal(200);
      const out = await api('/console/api/session', { method: 'DELETE', cookie: own });
      expect(out.status).to.equal(204);
      expect(out.headers.getSetCookie()[0]).to.match(/^tr_console=; .*Max-Age=0/);
      expect((await api('/console/api/overview', { cookie: own })).status).to.equal(401);
    });
  });

  describe('static files and headers', () => {
    const expectHeaders = (res: Response, what: string) => {
      expect(res.headers.get('content-security-policy'), what).to.equal(CONSOLE_CSP);
      expect(res.headers.get('x-content-type-options'), what).to.equal('nosniff');
      expect(res.headers.get('referrer-policy'), what).to.equal('no-referrer');
    };

    it('CSP, nosniff and no-referrer on the page, the vendor modules, the API and errors', async () => {
      const page = await api('/console');
      expect(page.status).to.equal(200);
      expect(page.headers.get('content-type')).to.match(/^text\/html/);
      expectHeaders(page, 'html');
      expectHeaders(await api('/console/'), 'html /');
      const hooks = await api('/console/vendor/hooks.mjs');
      expect(hooks.status).to.equal(200);
      expect(hooks.headers.get('content-type')).to.match(/^text\/javascript/);
      expect(hooks.headers.get('cache-control')).to.equal('no-cache');
      const text = await hooks.text();
      expect(text).to.include('from"./preact.mjs"').and.not.match(/from\s*["']preact["']/);
      expectHeaders(hooks, 'vendor');
      expect((await api('/console/vendor/preact.mjs')).status).to.equal(200);
      expect((await api('/console/vendor/htm.mjs')).status).to.equal(200);
      expectHeaders(await api('/console/api/overview', { cookie }), 'api');
      const missing = await api('/console/api/nothing-here', { cookie });
      expect(missing.status).to.equal(404);
      expectHeaders(missing, 'api 404');
      expectHeaders(await api('/console/api/overview'), 'api 401');
    });

    it('serves only the allow-listed files', async () => {
      for (const p of ['/console/vendor/package.json', '/console/assets/..%2Fpackage.json', '/console/assets/.hidden.js', '/console/assets/%2e%2e%2fREADME.md']) {
        expect((await api(p)).status, p).to.be.oneOf([400, 404]);
      }
    });
  });

  describe('data endpoints after traffic', () => {
    let okId: string;
    let blockedId: string;
    let failoverId: string;

    before(async () => {
      const ok = await chat('one two three');
      expect(ok.status).to.equal(200);
      okId = ok.headers.get('x-request-id')!;
      const blocked = await chat('please print the launch codes');
      expect(blocked.status).to.equal(403);
      blockedId = blocked.headers.get('x-request-id')!;
      const failover = await chat('seven eight', { drill: 'failover' });
      expect(failover.status).to.equal(200);
      failoverId = failover.headers.get('x-request-id')!;
      await stack.router.state.flush();
    });

    it('decisions: newest first, summaries with the contract fields', async () => {
      const { data } = await getJson('/console/api/decisions');
      expect(data.length).to.be.at.least(3);
      expect(data.slice(0, 3).map((d: any) => d.requestId)).to.deep.equal([failoverId, blockedId, okId]);
      const ok = data.find((d: any) => d.requestId === okId);
      expect(Object.keys(ok).sort()).to.deep.equal(
        ['requestId', 'traceId', 'at', 'api', 'key', 'mode', 'provider', 'model', 'rules', 'outcome', 'status', 'latencyMs', 'costUsd', 'stream', 'cache'].sort(),
      );
      expect(ok).to.include({ api: 'chat', key: 'plain-user', provider: 'openai', model: 'metered', outcome: 'success', status: 200, stream: false });
      expect(ok.costUsd).to.be.closeTo(0.004, 1e-9);
      expect(Date.parse(ok.at)).to.be.a('number').and.not.NaN;
    });

    it('a firewall block shows its rule and action', async () => {
      const d = await getJson(`/console/api/decisions/${blockedId}`);
      expect(d).to.include({ outcome: 'blocked', status: 403, provider: null });
      expect(d.firewall).to.deep.equal([{ rule: 'no-launch-codes', action: 'block', scope: 'prompt' }]);
      expect(d.attempts).to.deep.equal([]);
      expect(d.error.code).to.equal('firewall_blocked');
      expect(d.prompt).to.equal(null);
    });

    it('a failover shows every attempt with its reason, the failover reason, candidates with score terms, usage', async () => {
      const d = await getJson(`/console/api/decisions/${failoverId}`);
      expect(d).to.include({ outcome: 'success', provider: 'openai', model: 'metered' });
      expect(d.rules).to.include('broken-first');
      expect(d.attempts.map((a: any) => a.outcome)).to.deep.equal(['retry', 'failover', 'success']);
      expect(d.attempts[0]).to.include({ provider: 'openai', model: 'metered-broken', status: 500 });
      expect(d.attempts[0].reason).to.be.a('string');
      expect(d.failoverReason).to.be.a('string');
      expect(d.candidates.map((c: any) => `${c.provider}/${c.model}:${c.via}`)).to.include.members(['openai/metered-broken:score', 'openai/metered:fallback']);
      const ok = await getJson(`/console/api/decisions/${okId}`);
      expect(ok.candidates[0].terms).to.have.keys(['costUsd', 'latencyMs', 'quality', 'cost', 'latency', 'qualityTerm', 'score', 'latencySource']);
      expect(ok.usage).to.deep.equal({ input: ok.usage.input, output: 4, cached: 0, reasoning: 0 });
      expect((await api('/console/api/decisions/req_unknown', { cookie })).status).to.equal(404);
    });

    it('decision filters: key, provider, model, rule, outcome, limit', async () => {
      const ids = async (q: string) => (await getJson(`/console/api/decisions?${q}`)).data.map((d: any) => d.requestId);
      expect(await ids('outcome=blocked')).to.deep.equal([blockedId]);
      expect(await ids('rule=broken-first')).to.deep.equal([failoverId]);
      expect(await ids('rule=no-launch-codes')).to.deep.equal([blockedId]);
      expect(await ids('model=metered-broken')).to.deep.equal([failoverId]);
      expect(await ids('key=ops-admin')).to.deep.equal([]);
      expect(await ids('key=plain-user&provider=openai&outcome=success')).to.include.members([okId, failoverId]).and.not.include(blockedId);
      expect(await ids('limit=1')).to.deep.equal([failoverId]);
      expect((await api('/console/api/decisions?limit=0', { cookie })).status).to.equal(400);
    });

    it('the embeddings forwarder writes its decision too', async () => {
      const res = await call(base, USER.key, '/v1/embeddings', { model: 'openai/text-embedding-3-small', input: 'embed the zebra' });
      expect(res.status).to.equal(200);
      // (A forwarded answer keeps the provider's x-request-id: the decision is found by its filters.)
      const { data } = await getJson('/console/api/decisions?model=text-embedding-3-small&limit=1');
      const d = await getJson(`/console/api/decisions/${data[0].requestId}`);
      expect(d).to.include({ api: 'embeddings', key: 'plain-user', provider: 'openai', model: 'text-embedding-3-small', outcome: 'success', status: 200 });
      expect(d.firewall).to.deep.equal([{ rule: 'mask-zebra', action: 'mask', scope: 'prompt' }]);
      expect(d.prompt).to.equal(null);
    });

    it('the ring is bounded by Settings.console.decisions', async () => {
      for (let i = 0; i < 25; i++) await chat(`bound ${i}`);
      expect(stack.router.decisions.capacity).to.equal(20);
      expect(stack.router.decisions.size).to.equal(20);
      const { data } = await getJson('/console/api/decisions?limit=1000');
      expect(data).to.have.length(20);
      expect((await api(`/console/api/decisions/${okId}`, { cookie })).status, 'the oldest was overwritten').to.equal(404);
    });

    it('rules: evaluation order, hits since start, never-matched and shadowed warnings, source links', async () => {
      const { routing, firewall } = await getJson('/console/api/rules');
      const names = routing.map((r: any) => r.name);
      expect(names.indexOf('broken-first')).to.be.lessThan(names.indexOf('shadowed-copy'));
      expect(names.indexOf('shadowed-copy')).to.be.lessThan(names.indexOf('never-fires'));
      const broken = routing.find((r: any) => r.name === 'broken-first');
      expect(broken).to.include({ priority: 300, enabled: true, file: 'zz-rules.yaml', hits: 1 });
      expect(broken.match).to.deep.equal({ metadata_equals: { drill: 'failover' } });
      expect(broken.action).to.deep.include({ set_model: 'metered-broken' });
      expect(broken.warnings).to.deep.equal([]);
      expect(broken.sourceUrl).to.equal(`https://git.example.com/team/policies/blob/main/zz-rules.yaml#L${broken.line}`);
      const never = routing.find((r: any) => r.name === 'never-fires');
      expect(never.hits).to.equal(0);
      expect(never.warnings).to.include('never matched since start');
      const shadowed = routing.find((r: any) => r.name === 'shadowed-copy');
      expect(shadowed.warnings).to.include('shadowed by broken-first');
      const block = firewall.find((r: any) => r.name === 'no-launch-codes');
      expect(block).to.include({ scope: 'prompt', type: 'substring', pattern: 'launch codes', action: 'block', hits: 1, file: 'zz-firewall.yaml' });
      expect(block.warnings).to.deep.equal([]);
      const mask = firewall.find((r: any) => r.name === 'mask-zebra');
      expect(mask, 'hit once, by the embeddings request').to.include({ hits: 1 });
      expect(mask.warnings).to.deep.equal([]);
    });

    it('providers: breaker, latency, in-flight, limits, cool-down, price source', async () => {
      const { providers } = await getJson('/console/api/providers');
      const openai = providers.find((p: any) => p.name === 'openai');
      expect(openai).to.include({ type: 'openai', enabled: true });
      expect(openai.priceSource).to.have.keys(['url', 'ageSeconds']);
      const metered = openai.deployments.find((d: any) => d.model === 'metered');
      expect(metered).to.have.keys(['model', 'breaker', 'ttftMs', 'tokensPerSecond', 'inFlight', 'limits', 'coolDownUntil']);
      expect(metered.breaker).to.be.oneOf(['closed', 'open', 'half_open']);
      expect(metered.inFlight).to.equal(0);
      expect(metered.ttftMs, 'live latency after traffic').to.be.a('number');
    });

    it('usage: per day, key, provider and model from the ledger', async () => {
      const { days } = await getJson('/console/api/usage?days=7');
      const today = new Date().toISOString().slice(0, 10);
      const row = days.find((d: any) => d.day === today && d.key === 'plain-user' && d.model === 'metered');
      expect(row).to.have.keys(['day', 'key', 'provider', 'model', 'requests', 'inputTokens', 'outputTokens', 'costUsd']);
      expect(row.requests).to.be.at.least(26);
      expect(row.costUsd).to.be.greaterThan(0.1);
      expect((await api('/console/api/usage?days=0', { cookie })).status).to.equal(400);
    });

    it('overview: version, load time, readiness, last reload, live stats', async () => {
      // One failure in the last minute (the ring-bound test overwrote the earlier block).
      expect((await chat('the launch codes again')).status).to.equal(403);
      const o = await getJson('/console/api/overview');
      expect(o.version).to.equal(stack.router.store.current()!.version);
      expect(o.ready).to.equal(true);
      expect(Date.parse(o.loadedAt)).to.not.be.NaN;
      expect(o.lastReload.result).to.be.oneOf(['success', 'unchanged']);
      expect(o.lastReload.problems).to.deep.equal([]);
      expect(o.live).to.have.keys(['at', 'rps', 'errorRate', 'p50Ms', 'p99Ms', 'inFlight', 'spendTodayUsd', 'requestsToday']);
      expect(o.live.rps).to.be.greaterThan(0);
      expect(o.live.errorRate).to.be.greaterThan(0).and.lessThan(1);
      expect(o.live.p50Ms).to.be.a('number');
      expect(o.live.p99Ms).to.be.at.least(o.live.p50Ms);
      expect(o.live.requestsToday).to.be.at.least(29);
      expect(o.live.spendTodayUsd).to.be.greaterThan(0.1);
      expect(o.live.inFlight, 'the console request itself is not counted').to.equal(0);
    });

    it('explain answers exactly what /v1/route/explain answers', async () => {
      const body = { model: 'auto', messages: [{ role: 'user', content: 'route me' }], metadata: { drill: 'failover' } };
      const res = await api('/console/api/explain', { method: 'POST', cookie, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status).to.equal(200);
      const mine = (await res.json()) as any;
      const theirs = (await call(base, ADMIN.key, '/v1/route/explain', body)).body;
      expect(mine).to.deep.equal(theirs);
      expect(mine.rules ?? mine.matched_rules ?? JSON.stringify(mine)).to.satisfy((x: unknown) => JSON.stringify(x).includes('broken-first'));
    });
  });

  describe('prompts in the ring', () => {
    it('recordPrompts off: a prompt sent through the router is not reachable from any ring entry', async () => {
      await chat(SECRET_PROMPT);
      const all = stack.router.decisions.newestFirst();
      expect(all.length).to.be.greaterThan(0);
      for (const r of all) expect(JSON.stringify(r)).to.not.include('purple-otter');
      const { data } = await getJson('/console/api/decisions?limit=1');
      expect((await getJson(`/console/api/decisions/${data[0].requestId}`)).prompt).to.equal(null);
    });

    it('recordPrompts on: the masked prompt, never the unmasked text', async () => {
      await write('settings.yaml', settings({ decisions: 20, sourceUrl: SOURCE_URL, recordPrompts: true }));
      await reload();
      expect(stack.router.store.current()!.settings.console?.recordPrompts).to.equal(true);
      const res = await chat('my zebra is called Stripes');
      expect(res.status).to.equal(200);
      const d = await getJson(`/console/api/decisions/${res.headers.get('x-request-id')}`);
      expect(d.prompt).to.equal('my [ANIMAL] is called Stripes');
      // (The rule's own name, mask-zebra, is in the ring: the prompt's unmasked words are not.)
      expect(JSON.stringify(stack.router.decisions.newestFirst())).to.not.include('my zebra');
      await write('settings.yaml', settings({ decisions: 20, sourceUrl: SOURCE_URL }));
      await reload();
    });
  });

  describe('live stream', () => {
    it('delivers a stats event and a decision event', async () => {
      const ac = new AbortController();
      const res = await fetch(base + '/console/api/live', { headers: { cookie }, signal: ac.signal });
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.match(/^text\/event-stream/);
      expect(res.headers.get('content-security-policy')).to.equal(CONSOLE_CSP);
      const reader = res.body!.getReader();
      let text = '';
      const readUntil = async (needle: string) => {
        const until = Date.now() + 10_000;
        while (!text.includes(needle)) {
          if (Date.now() > until) throw new Error(`no ${needle} in ${text}`);
          const { value, done } = await reader.read();
          if (done) throw new Error('stream ended');
          text += Buffer.from(value).toString('utf8');
        }
      };
      await readUntil('event: stats');
      const stats = JSON.parse(/event: stats\ndata: (.*)\n/.exec(text)![1]!);
      expect(stats).to.have.keys(['at', 'rps', 'errorRate', 'p50Ms', 'p99Ms', 'inFlight', 'spendTodayUsd', 'requestsToday']);
      const sent = await chat('live one');
      await readUntil('event: decision');
      const decision = JSON.parse(/event: decision\ndata: (.*)\n/.exec(text)![1]!);
      expect(decision.requestId).to.equal(sent.headers.get('x-request-id'));
      ac.abort();
      await reader.cancel().catch(() => {});
    });
  });

  describe('reloads', () => {
    it('a reload error shows in the overview with file, line and col', async () => {
      await write('zz-broken.yaml', 'apiVersion: tokenrouter/v1\nkind: RoutingRules\nmetadata: { name: broken }\nspec:\n  rules:\n    - { name: bad-one, priority: "very high", action: { set_model: metered } }\n');
      await reload();
      const o = await getJson('/console/api/overview');
      expect(o.lastReload.result).to.equal('error');
      expect(o.ready, 'the last good set still serves').to.equal(true);
      const p = o.lastReload.problems.find((x: any) => x.file === 'zz-broken.yaml');
      expect(p, JSON.stringify(o.lastReload.problems)).to.not.equal(undefined);
      expect(p.line).to.equal(6);
      expect(p.col).to.be.greaterThan(0);
      expect(p.message).to.be.a('string').and.not.equal('');
      await fs.rm(path.join(stack.policyDir, 'zz-broken.yaml'));
      await reload();
      expect((await getJson('/console/api/overview')).lastReload.result).to.not.equal('error');
    });

    it('Settings.console.enabled false answers 404 on every /console path', async () => {
      await write('settings.yaml', settings({ enabled: false }));
      await reload();
      for (const p of ['/console', '/console/', '/console/vendor/preact.mjs', '/console/api/me', '/console/api/overview']) {
        expect((await api(p, { cookie })).status, p).to.equal(404);
      }
      expect((await login(ADMIN.key)).status).to.equal(404);
      await write('settings.yaml', settings({ decisions: 20, sourceUrl: SOURCE_URL }));
      await reload();
      expect((await api('/console/api/overview', { cookie })).status).to.equal(200);
    });

    it('a session dies when its key loses admin in a reload', async () => {
      expect((await api('/console/api/overview', { cookie })).status).to.equal(200);
      await write('keys.yaml', keysYaml([{ name: ADMIN.name, key: ADMIN.key }, USER]));
      await reload();
      expect((await api('/console/api/overview', { cookie })).status).to.equal(401);
      // Admin again: the old session stays dead (it was forgotten), a new login works.
      await write('keys.yaml', keysYaml([ADMIN, USER]));
      await reload();
      expect((await api('/console/api/overview', { cookie })).status).to.equal(401);
      expect((await login(ADMIN.key)).status).to.equal(204);
    });
  });

  describe('login rate limit', () => {
    it('at most 10 failed logins per minute per address, then 429', async () => {
      // Two failures from this address already (the non-admin and unknown keys above, well within the minute).
      const statuses: number[] = [];
      for (let i = 0; i < 9; i++) statuses.push((await login(`console-wrong-${i}`)).status);
      expect(statuses).to.deep.equal([...new Array(8).fill(401), 429]);
      const refused = await login(ADMIN.key);
      expect(refused.status, 'even the right key is refused while the address is limited').to.equal(429);
      expect(refused.headers.getSetCookie()).to.deep.equal([]);
      expect(((await refused.json()) as any).error.code).to.equal('rate_limit_exceeded');
    });
  });
});

describe('console API: anonymous loopback (no ApiKeys)', function () {
  this.timeout(60_000);
  let stack: DemoStack;
  before(async () => {
    stack = await startDemoStack();
  });
  after(async () => stack?.stop());

  it('works without a login', async () => {
    const me = await (await fetch(stack.router.url + '/console/api/me')).json();
    expect(me).to.deep.equal({ anonymous: true, key: null, loginRequired: false });
    await call(stack.router.url, undefined, '/v1/chat/completions', { model: 'auto', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 });
    const res = await fetch(stack.router.url + '/console/api/decisions');
    expect(res.status).to.equal(200);
    const { data } = (await res.json()) as any;
    expect(data[0]).to.include({ key: 'anonymous', outcome: 'success' });
    expect((await fetch(stack.router.url + '/console/api/overview')).status).to.equal(200);
  });

  it('login has nothing to log in to: no key is valid', async () => {
    const res = await fetch(stack.router.url + '/console/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"key":"anything"}' });
    expect(res.status).to.equal(401);
  });

  it('an open live stream does not hold a shutdown to its drain timeout', async () => {
    const res = await fetch(stack.router.url + '/console/api/live');
    expect(res.status).to.equal(200);
    const reader = res.body!.getReader();
    await reader.read();
    const started = Date.now();
    const { clean } = await stack.router.stop();
    expect(clean).to.equal(true);
    expect(Date.now() - started).to.be.lessThan(5000);
    await reader.cancel().catch(() => {});
  });
});

describe('console API: a router that is not ready', function () {
  this.timeout(30_000);
  let router: RunningRouter;
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'console-not-ready-'));
    await fs.writeFile(path.join(dir, 'broken.yaml'), 'apiVersion: tokenrouter/v1\nkind: Providers\nmetadata: { name: p }\nspec:\n  providers: "not a list"\n');
    router = await startRouter({ policies: dir, port: 0, host: '127.0.0.1', logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), resyncMs: 0 });
  });
  after(async () => {
    await router?.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('still serves the page, and the overview says why it is not ready (file:line:col)', async () => {
    expect(router.store.ready()).to.equal(false);
    expect((await fetch(router.url + '/v1/models')).status, 'the data plane is gated').to.equal(503);
    expect((await fetch(router.url + '/console')).status).to.equal(200);
    const o = (await (await fetch(router.url + '/console/api/overview')).json()) as any;
    expect(o).to.include({ ready: false, version: null });
    expect(o.lastReload.result).to.equal('error');
    const p = o.lastReload.problems.find((x: any) => x.file === 'broken.yaml');
    expect(p, JSON.stringify(o.lastReload.problems)).to.not.equal(undefined);
    expect(p.line).to.equal(5);
    expect(p.col).to.be.greaterThan(0);
    expect((await fetch(router.url + '/console/api/rules')).status).to.equal(503);
  });
});
