// Price sources against a local HTTP server (loopback only): first fetch,
// refresh, last-good retention on every kind of failure, precedence between
// sources, reconciliation on policy reload, the fetch limits, and metrics.
import { expect } from 'chai';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PriceSources } from '../../../src/prices/price-sources.js';
import { fetchJson, FetchJsonError } from '../../../src/prices/fetch-json.js';
import type { ModelSpec, PolicySet, PriceSourceSpec, ProviderSpec } from '../../../src/policy/types.js';
import { createMetrics } from '../../../src/telemetry/metrics.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function serve(): Promise<{ url: string; handle: (path: string, h: Handler) => void; hits: Map<string, number>; close: () => Promise<void> }> {
  const handlers = new Map<string, Handler>();
  const hits = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    hits.set(req.url!, (hits.get(req.url!) ?? 0) + 1);
    const h = handlers.get(req.url!);
    if (h) h(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    handle: (path, h) => handlers.set(path, h),
    hits,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const json = (body: unknown): Handler => (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
const litellm = (inputPerToken: number) => json({ 'gpt-4o': { input_cost_per_token: inputPerToken, output_cost_per_token: 1e-5, litellm_provider: 'openai' } });

const PROVIDER: ProviderSpec = { name: 'openai', type: 'openai', baseUrl: 'http://127.0.0.1:1' };
const MODEL: ModelSpec = { name: 'gpt-4o', provider: 'openai', pricing: { input: 99, output: 99, cachedInput: 50 }, quality: 0.8, contextWindow: 128000, capabilities: [] };
const OTHER: ModelSpec = { ...MODEL, name: 'gpt-x' };

function policy(sources: PriceSourceSpec[], models = [MODEL, OTHER]): PolicySet {
  // Only the fields PriceSources reads.
  return {
    settings: { defaultMode: 'balance', allowAnonymous: false, maxBodyBytes: 1, priceSources: sources },
    providers: new Map([['openai', PROVIDER]]),
    models: new Map(models.map((m) => [`${m.provider}/${m.name}`, m])),
  } as unknown as PolicySet;
}

describe('price sources', () => {
  let srv: Awaited<ReturnType<typeof serve>>;
  let sources: PriceSources | undefined;
  beforeEach(async () => {
    srv = await serve();
  });
  afterEach(async () => {
    await sources?.stop();
    sources = undefined;
    await srv.close();
  });
  const c = { provider: PROVIDER, model: MODEL };

  it('fetches on adoption; prices matched models, keeps the catalog cachedInput when the source has none; unmatched → undefined', async () => {
    srv.handle('/prices.json', litellm(2e-6));
    sources = new PriceSources();
    sources.apply(policy([{ url: `${srv.url}/prices.json`, format: 'litellm' }]));
    expect(sources.priceOf(c), 'before the first fetch lands').to.equal(undefined);
    await sources.refreshAll();
    expect(sources.priceOf(c)).to.deep.equal({ input: 2, output: 10, cachedInput: 50 });
    expect(sources.priceOf({ provider: PROVIDER, model: OTHER })).to.equal(undefined);
    expect(sources.status()[0]).to.deep.include({ entries: 2, matched: 1 });
  });

  it('a failed refresh keeps the last good table (HTTP error, malformed JSON, wrong shape, unreachable), then recovers', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    let answer: Handler = litellm(2e-6);
    srv.handle('/p', (req, res) => answer(req, res));
    sources = new PriceSources({ metrics });
    sources.apply(policy([{ url: `${srv.url}/p`, format: 'litellm' }]));
    await sources.refreshAll();
    expect(sources.priceOf(c)?.input).to.equal(2);

    const failures: [string, Handler][] = [
      ['HTTP 500', (_q, r) => r.writeHead(500).end('oops')],
      ['not JSON', (_q, r) => r.writeHead(200).end('<html>')],
      ['no usable prices', json({ 'gpt-4o': { input_cost_per_token: 'free' } })],
      ['a redirect', (_q, r) => r.writeHead(302, { location: `${srv.url}/elsewhere` }).end()],
      ['a reset connection', (q) => q.socket.destroy()],
    ];
    for (const [what, h] of failures) {
      answer = h;
      await sources.refreshAll();
      expect(sources.priceOf(c)?.input, what).to.equal(2);
      expect(sources.status()[0]!.lastError, what).to.be.a('string');
    }
    expect(srv.hits.get('/elsewhere'), 'redirects are not followed').to.equal(undefined);
    answer = litellm(3e-6);
    await sources.refreshAll();
    expect(sources.priceOf(c)?.input).to.equal(3);
    expect(sources.status()[0]!.lastError).to.equal(undefined);
    const text = await metrics.registry.metrics();
    expect(text).to.match(/tokenrouter_price_source_refresh_total\{source="0",result="success"\} 2/);
    expect(text).to.match(/tokenrouter_price_source_refresh_total\{source="0",result="error"\} 5/);
    expect(text).to.match(/tokenrouter_price_source_models\{source="0"\} 1/);
    expect(text).to.match(/tokenrouter_price_source_last_success_timestamp_seconds\{source="0"\} \d/);
  });

  it('the first source in Settings order that prices a model wins; later ones fill gaps', async () => {
    srv.handle('/a', litellm(2e-6));
    srv.handle('/b', json({ data: [{ id: 'openai/gpt-4o', pricing: { prompt: '0.000005', completion: '0.00002' } }, { id: 'openai/gpt-x', pricing: { prompt: '0.000007', completion: '0.00002' } }] }));
    sources = new PriceSources();
    sources.apply(policy([{ url: `${srv.url}/a`, format: 'litellm' }, { url: `${srv.url}/b`, format: 'openrouter' }]));
    await sources.refreshAll();
    expect(sources.priceOf(c)?.input).to.equal(2);
    expect(sources.priceOf({ provider: PROVIDER, model: OTHER })?.input).to.equal(7);
  });

  it('a reload keeps unchanged sources (no refetch), starts new ones and drops removed ones', async () => {
    srv.handle('/a', litellm(2e-6));
    srv.handle('/b', litellm(4e-6));
    sources = new PriceSources();
    sources.apply(policy([{ url: `${srv.url}/a`, format: 'litellm' }]));
    await sources.refreshAll();
    sources.apply(policy([{ url: `${srv.url}/b`, format: 'litellm' }, { url: `${srv.url}/a`, format: 'litellm' }]));
    await new Promise((r) => setTimeout(r, 50));
    await sources.refreshAll();
    expect(srv.hits.get('/a')).to.equal(2); // once on adoption, once by refreshAll: the reload itself did not refetch
    expect(sources.priceOf(c)?.input, '/b is first now').to.equal(4);
    sources.apply(policy([]));
    expect(sources.priceOf(c), 'no sources: catalog prices').to.equal(undefined);
    expect(sources.status()).to.deep.equal([]);
  });

  it('refreshes every refreshSeconds; stop() cancels the schedule', async () => {
    let n = 0;
    srv.handle('/tick', (q, r) => litellm(++n * 1e-6)(q, r));
    sources = new PriceSources();
    // 50 ms: the schema's minimum is 60 s, but PriceSources itself takes any interval.
    sources.apply(policy([{ url: `${srv.url}/tick`, format: 'litellm', refreshSeconds: 0.05 }]));
    await new Promise((r) => setTimeout(r, 400));
    const seen = srv.hits.get('/tick')!;
    expect(seen).to.be.at.least(3);
    expect(sources.priceOf(c)!.input).to.be.at.least(2);
    await sources.stop();
    await new Promise((r) => setTimeout(r, 200));
    expect(srv.hits.get('/tick')).to.equal(seen);
  });

  it('stop() aborts an in-flight fetch at once, and a stopped instance stays stopped', async () => {
    srv.handle('/hang', () => undefined);
    sources = new PriceSources({ timeoutMs: 30_000 });
    sources.apply(policy([{ url: `${srv.url}/hang`, format: 'litellm' }]));
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    await sources.stop();
    expect(Date.now() - t0).to.be.below(1000);
    sources.apply(policy([{ url: `${srv.url}/hang`, format: 'litellm' }]));
    expect(sources.status()).to.deep.equal([]);
  });

  describe('fetchJson limits', () => {
    it('enforces the size cap while reading, whatever Content-Length says', async () => {
      srv.handle('/big', (_q, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ pad: 'x'.repeat(5000) }));
      });
      srv.handle('/chunked', (_q, res) => {
        res.writeHead(200, { 'transfer-encoding': 'chunked' });
        for (let i = 0; i < 10; i++) res.write('x'.repeat(1000));
        res.end();
      });
      await expectFetchError(`${srv.url}/big`, { maxBytes: 1000 }, /exceeds the 1000-byte cap/);
      await expectFetchError(`${srv.url}/chunked`, { maxBytes: 1000 }, /exceeds the 1000-byte cap/);
    });
    it('times out a server that never answers', async () => {
      srv.handle('/hang', () => undefined);
      await expectFetchError(`${srv.url}/hang`, { timeoutMs: 100 }, /no answer within 100 ms/);
    });
  });
});

async function expectFetchError(url: string, opts: { maxBytes?: number; timeoutMs?: number }, pattern: RegExp): Promise<void> {
  const err = await fetchJson(url, { maxBytes: opts.maxBytes ?? 1e6, timeoutMs: opts.timeoutMs ?? 5000 }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).to.be.instanceOf(FetchJsonError);
  expect((err as Error).message).to.match(pattern);
}
