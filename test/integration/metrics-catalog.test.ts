// The README's Metrics table is the catalog operators read; GET /metrics is
// what they get. This test keeps the two the same set: every exported family
// has a row with its type and label names, and every row names a family that
// exists. A row whose name ends in `*` (tokenrouter_process_*,
// tokenrouter_nodejs_*) stands for prom-client's default metrics, which a
// production router (createMetrics() with its defaults) exports and which
// change with prom-client versions; such a row must cover at least one family.
//
// README row shape: | `name` | type | labels | meaning |. The labels cell names
// each label in backticks, optionally followed by `= values` (plain text) or a
// parenthetical note: "`route` (template or `unmatched`), `method`, `status`".
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startDemoStack, type DemoStack } from '../../src/cli/demo-stack.js';
import { startRouter, type RunningRouter } from '../../src/server/start.js';
import { silentLogger } from '../../src/telemetry/log.js';
import { createMetrics } from '../../src/telemetry/metrics.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { parsePromText, sampleLabelNames, type Family } from '../helpers/prom-text.js';

interface CatalogRow {
  names: string[];
  type: string;
  labels: string[];
  /** Line number in README.md, for failure messages. */
  line: number;
}

function readMetricsCatalog(readme: string): CatalogRow[] {
  const lines = readme.split('\n');
  const heading = lines.findIndex((l) => /^## Metrics\s*$/.test(l));
  if (heading < 0) throw new Error('README.md has no "## Metrics" section');
  const rows: CatalogRow[] = [];
  let inTable = false;
  for (let i = heading + 1; i < lines.length && !/^## /.test(lines[i]!); i++) {
    const line = lines[i]!;
    if (!line.startsWith('|')) {
      if (inTable) break; // the first table of the section is the catalog
      continue;
    }
    inTable = true;
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (cells[0] === 'metric' || /^-+$/.test(cells[0]!.replace(/\s/g, ''))) continue;
    if (cells.length !== 4) throw new Error(`README.md:${i + 1}: a Metrics row needs 4 cells, got ${cells.length}`);
    const names = [...cells[0]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    if (names.length === 0) throw new Error(`README.md:${i + 1}: no metric name in backticks`);
    const labelsCell = cells[2]!.replace(/\([^)]*\)/g, '');
    const labels = [...labelsCell.matchAll(/(?:^|,)\s*`([a-zA-Z_][a-zA-Z0-9_]*)`/g)].map((m) => m[1]!).sort();
    rows.push({ names, type: cells[1]!.toLowerCase(), labels, line: i + 1 });
  }
  return rows;
}

function isWildcard(name: string): boolean {
  return name.endsWith('*');
}

function coveredBy(family: string, pattern: string): boolean {
  return isWildcard(pattern) ? family.startsWith(pattern.slice(0, -1)) : family === pattern;
}

async function post(url: string, body: unknown, extra: Record<string, string> = {}): Promise<number> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...extra }, body: JSON.stringify(body) });
  await res.arrayBuffer();
  return res.status;
}

describe('metrics catalog: README table = GET /metrics', function () {
  this.timeout(30_000);
  let stack: DemoStack;
  let router: RunningRouter;
  let families: Map<string, Family>;
  let rows: CatalogRow[];
  const savedGeminiKey = process.env.DEMO_GEMINI_KEY;

  before(async () => {
    stack = await startDemoStack({
      script: {
        models: {
          // A 503 on gpt-4.1 fails the outage drill over to claude-3-haiku (retries, failovers, breaker state).
          'gpt-4.1': { fail: { status: 503 } },
          // A 429 with retry-after starts a cool-down.
          'mistral-large': { fail: { status: 429, retryAfter: 30 } },
        },
      },
    });
    // A second router over the same policies and simulator, with the production
    // metrics (prom-client's default metrics on), as `tokenrouter serve` builds it.
    router = await startRouter({ policies: stack.policyDir, port: 0, host: '127.0.0.1', logger: silentLogger(), metrics: createMetrics(), resyncMs: 0 });
    expect(router.store.current(), 'the demo policies did not load').to.not.equal(undefined);
    const u = router.url;
    // Traffic so that labelled families have series: success, stream, rule, failover, 429, block, auth failure, 400, 404.
    expect(await post(`${u}/v1/responses`, { model: 'auto', input: 'hello' })).to.equal(200);
    expect(await post(`${u}/v1/chat/completions`, { model: 'auto:cost', stream: true, messages: [{ role: 'user', content: 'count to ten' }] })).to.equal(200);
    expect(await post(`${u}/v1/responses`, { model: 'auto', input: 'refactor this function' })).to.equal(200);
    expect(await post(`${u}/v1/responses`, { model: 'auto', input: 'drill', metadata: { drill: 'outage' } })).to.equal(200);
    expect(await post(`${u}/v1/chat/completions`, { model: 'mistral/mistral-large', messages: [{ role: 'user', content: 'hi' }] })).to.equal(429);
    expect(await post(`${u}/v1/responses`, { model: 'auto', input: 'card 4111 1111 1111 1111' })).to.equal(403);
    expect(await post(`${u}/v1/responses`, { model: 'no-such-model', input: 'hi' })).to.equal(400);
    expect((await fetch(`${u}/no/such/route`)).status).to.equal(404);
    process.env.DEMO_GEMINI_KEY = 'wrong-key';
    expect(await post(`${u}/v1/responses`, { model: 'gemini/gemini-2.5-flash', input: 'hi' })).to.equal(502);
    process.env.DEMO_GEMINI_KEY = savedGeminiKey;

    const scrape = await fetch(`${u}/metrics`);
    expect(scrape.status).to.equal(200);
    families = parsePromText(await scrape.text());
    rows = readMetricsCatalog(readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8'));
  });

  after(async () => {
    process.env.DEMO_GEMINI_KEY = savedGeminiKey;
    await router?.stop();
    await stack?.stop();
  });

  it('the README table parses into rows', () => {
    expect(rows.length).to.be.greaterThan(10);
    const names = rows.flatMap((r) => r.names);
    expect(new Set(names).size, 'a metric has two rows').to.equal(names.length);
  });

  it('every exported family has a README row', () => {
    const patterns = rows.flatMap((r) => r.names);
    const missing = [...families.keys()].filter((f) => !patterns.some((p) => coveredBy(f, p)));
    expect(missing, `exported but not in README.md's Metrics table: ${missing.join(', ')}`).to.deep.equal([]);
  });

  it('every README row names an exported family', () => {
    const stale = rows.flatMap((r) => r.names.filter((p) => ![...families.keys()].some((f) => coveredBy(f, p))).map((p) => `${p} (README.md:${r.line})`));
    expect(stale, `in README.md but not exported: ${stale.join(', ')}`).to.deep.equal([]);
  });

  it('types match', () => {
    const wrong: string[] = [];
    for (const r of rows) {
      for (const name of r.names.filter((n) => !isWildcard(n))) {
        const f = families.get(name);
        if (f && f.type !== r.type) wrong.push(`${name}: README says "${r.type}", /metrics says "${f.type}" (README.md:${r.line})`);
      }
    }
    expect(wrong, wrong.join('\n')).to.deep.equal([]);
  });

  it('label names match the definitions and every exported sample', () => {
    const wrong: string[] = [];
    for (const r of rows) {
      for (const name of r.names.filter((n) => !isWildcard(n))) {
        // prom-client keeps the configured labelNames on the metric object (not in its typings).
        const metric = router.metrics.registry.getSingleMetric(name) as unknown as { labelNames?: readonly string[] } | undefined;
        const defined = [...(metric?.labelNames ?? [])].sort();
        if (JSON.stringify(defined) !== JSON.stringify(r.labels)) wrong.push(`${name}: README [${r.labels}], metrics.ts [${defined}] (README.md:${r.line})`);
        for (const s of families.get(name)?.samples ?? []) {
          const seen = sampleLabelNames(s);
          if (JSON.stringify(seen) !== JSON.stringify(r.labels)) {
            wrong.push(`${s.name}: exported with labels [${seen}], README [${r.labels}]`);
            break;
          }
        }
      }
    }
    expect(wrong, wrong.join('\n')).to.deep.equal([]);
  });

  it('the traffic gave the data-plane and resilience families series to check', () => {
    const withSamples = (n: string) => (families.get(n)?.samples.length ?? 0) > 0;
    for (const name of [
      'tokenrouter_requests_total',
      'tokenrouter_request_duration_seconds',
      'tokenrouter_upstream_attempts_total',
      'tokenrouter_tokens_total',
      'tokenrouter_cost_usd_total',
      'tokenrouter_time_to_first_token_seconds',
      'tokenrouter_failovers_total',
      'tokenrouter_upstream_auth_failures_total',
      'tokenrouter_http_requests_total',
    ]) {
      expect(withSamples(name), `${name} has no series after the traffic`).to.equal(true);
    }
  });
});
