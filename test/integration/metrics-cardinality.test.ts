// A client must not be able to create metric series. 10,000 requests with
// random model strings, modes, providers, metadata, paths, methods, headers
// and user agents (mostly cheap 400s and 404s, some real ones through the
// simulators) go through one router over keep-alive connections; afterwards
// every tokenrouter_* family has fewer series than a fixed bound, no random
// string appears anywhere in /metrics, and unknown values show up only as
// "other" (providers, models, methods) or "unmatched" (routes).
import { expect } from 'chai';
import { Pool } from 'undici';
import { startDemoStack, type DemoStack } from '../../src/cli/demo-stack.js';
import { parsePromText, seriesOf, type Family } from '../helpers/prom-text.js';

const REQUESTS = 10_000;
const CONCURRENCY = 32;
/** Series per family, whatever the traffic; the largest measured is well below (see the log line). */
const MAX_SERIES_PER_FAMILY = 150;
const MAX_SERIES_TOTAL = 800;

/** Every random string carries this marker, so a leak into /metrics is easy to find. */
const MARK = 'qz';
// Math.random, not crypto: 60,000 calls of randomBytes cost the test about a second.
const rnd = (): string => MARK + Math.floor(Math.random() * 2 ** 40).toString(16).padStart(10, '0');
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

const REAL_MODELS = ['auto', 'auto:cost', 'auto:quality', 'gpt-4o-mini', 'openai/gpt-4o', 'anthropic/claude-3-haiku', 'gemini/gemini-2.5-flash', 'llama-4-maverick'];
const ODD_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'PURGE', 'PROPFIND'];

interface Planned {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

function randomHeaders(): Record<string, string> {
  const h: Record<string, string> = { 'user-agent': `${rnd()}/${Math.random().toFixed(3)} (${rnd()})`, 'x-forwarded-for': `10.${Math.floor(Math.random() * 255)}.0.${Math.floor(Math.random() * 255)}` };
  for (let i = Math.floor(Math.random() * 4); i > 0; i--) h[`x-${rnd()}`] = rnd();
  if (Math.random() < 0.3) h['x-request-id'] = rnd();
  return h;
}

function randomModel(): string {
  return pick([rnd(), `${rnd()}/${rnd()}`, `auto:${rnd()}`, `${rnd()}:cost`, `openai/${rnd()}`, `gpt-4o:${rnd()}`, `${rnd()}:${rnd()}`]);
}

function plan(i: number): Planned {
  const headers = randomHeaders();
  const json = (body: unknown): Planned => ({ method: 'POST', path: pick(['/v1/responses', '/v1/chat/completions']), headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const r = i % 20;
  if (r === 0) {
    // A real request through a simulator (1 in 20): provider, model and token labels get real values.
    const model = pick(REAL_MODELS);
    const stream = Math.random() < 0.3;
    const p = json({});
    const body = p.path === '/v1/responses' ? { model, input: `hello ${rnd()}`, stream, metadata: { [rnd()]: rnd() } } : { model, stream, messages: [{ role: 'user', content: `hello ${rnd()}` }] };
    return { ...p, body: JSON.stringify(body) };
  }
  if (r < 7) {
    const input = `say ${rnd()}`;
    return pick([
      () => json({ model: randomModel(), input, messages: [{ role: 'user', content: input }] }),
      () => json({ model: 'auto', router_provider: rnd(), input, messages: [{ role: 'user', content: input }] }),
      () => json({ model: 'auto', router_mode: rnd(), input, messages: [{ role: 'user', content: input }], metadata: { [rnd()]: rnd() } }),
      () => json({ model: rnd(), [rnd()]: rnd() }),
    ])();
  }
  if (r < 16) {
    // Random paths and methods; some under real route templates (/v1/responses/:id, /v1/routing-rules/:name).
    const path = pick([`/${rnd()}`, `/v1/${rnd()}`, `/v1/${rnd()}/${rnd()}?${rnd()}=${rnd()}`, `/v1/responses/${rnd()}`, `/v1/routing-rules/${rnd()}`, `/v1/firewall-rules/${rnd()}`, `/v1/%${rnd()}`, `/metrics/${rnd()}`]);
    return { method: pick(ODD_METHODS), path, headers };
  }
  // Bodies the reader refuses: not JSON, wrong media type, unknown encoding.
  return pick([
    (): Planned => ({ method: 'POST', path: '/v1/responses', headers: { ...headers, 'content-type': 'application/json' }, body: `{${rnd()}` }),
    (): Planned => ({ method: 'POST', path: '/v1/chat/completions', headers: { ...headers, 'content-type': `text/${rnd()}` }, body: rnd() }),
    (): Planned => ({ method: 'POST', path: '/v1/responses', headers: { ...headers, 'content-type': 'application/json', 'content-encoding': rnd() }, body: '{}' }),
  ])();
}

describe('metrics cardinality: 10,000 random requests keep the series bounded', function () {
  this.timeout(60_000);
  let stack: DemoStack;
  let families: Map<string, Family>;
  let scrapeText: string;
  const statuses = new Map<number, number>();

  before(async () => {
    stack = await startDemoStack();
    expect(stack.router.store.current(), 'the demo policies did not load').to.not.equal(undefined);
    const pool = new Pool(stack.router.url, { connections: CONCURRENCY });
    const started = Date.now();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < REQUESTS) {
        const p = plan(next++);
        const res = await pool.request({ method: p.method as 'GET', path: p.path, headers: p.headers, ...(p.body !== undefined ? { body: p.body } : {}) });
        await res.body.dump();
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const res = await pool.request({ method: 'GET', path: '/metrics' });
    scrapeText = await res.body.text();
    await pool.close();
    families = parsePromText(scrapeText);
    const counts = [...families.values()].filter((f) => f.name.startsWith('tokenrouter_')).map((f) => [f.name, seriesOf(f).size] as const);
    console.log(
      `      ${REQUESTS} requests in ${Date.now() - started} ms; statuses ${JSON.stringify(Object.fromEntries(statuses))}; ` +
        `series total ${counts.reduce((a, [, n]) => a + n, 0)}, largest ${counts.sort((a, b) => b[1] - a[1]).slice(0, 3).map(([n, c]) => `${n}=${c}`).join(' ')}`,
    );
  });

  after(async () => stack?.stop());

  it('the traffic mixed real answers with refusals', () => {
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).to.equal(REQUESTS);
    expect(statuses.get(200) ?? 0).to.be.greaterThan(REQUESTS / 40);
    for (const s of [400, 404, 415]) expect(statuses.get(s) ?? 0, `HTTP ${s}`).to.be.greaterThan(REQUESTS / 40);
  });

  it('every tokenrouter_* family stays under a fixed number of series', () => {
    let total = 0;
    for (const f of families.values()) {
      if (!f.name.startsWith('tokenrouter_')) continue;
      const n = seriesOf(f).size;
      total += n;
      expect(n, `${f.name} has ${n} series`).to.be.at.most(MAX_SERIES_PER_FAMILY);
    }
    expect(total).to.be.at.most(MAX_SERIES_TOTAL);
  });

  it('no random string from the requests appears in /metrics', () => {
    const hits = [...scrapeText.matchAll(new RegExp(`[^\\n]*${MARK}[0-9a-f]{10}[^\\n]*`, 'g'))].map((m) => m[0]);
    expect(hits.slice(0, 5)).to.deep.equal([]);
  });

  it('unknown providers, models, methods and routes appear only as "other" / "unmatched"', () => {
    const set = stack.router.store.current()!;
    const closed: Record<string, Set<string>> = {
      provider: new Set([...set.providers.keys(), 'other']),
      model: new Set([...[...set.models.values()].map((m) => m.name), 'other']),
      method: new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'other']),
      api: new Set(['responses', 'chat']),
    };
    const routes = new Set<string>();
    const seen: Record<string, Set<string>> = { provider: new Set(), model: new Set(), method: new Set() };
    for (const f of families.values()) {
      for (const s of f.samples) {
        for (const [label, value] of Object.entries(s.labels)) {
          if (closed[label]) expect(closed[label].has(value), `${s.name}{${label}="${value}"}`).to.equal(true);
          seen[label]?.add(value);
          if (label === 'status') expect(value, `${s.name}{status}`).to.match(/^\d{3}$/);
          if (label === 'route') routes.add(value);
        }
      }
    }
    // The refusals really were counted, under the catch-all values.
    expect(seen.provider!.has('other') && seen.model!.has('other') && seen.method!.has('other'), 'other').to.equal(true);
    expect(routes.has('unmatched')).to.equal(true);
    // Routes are the router's own templates: a handful, never a requested path.
    for (const r of routes) expect(r === 'unmatched' || /^\/[a-z0-9/_:.-]*$/.test(r), r).to.equal(true);
    expect(routes.size).to.be.at.most(25);
  });
});
