// The deploy artefacts (deploy/prometheus/alerts.yaml, deploy/grafana/dashboard.json)
// query metrics by name: a renamed metric or label would leave an alert that
// never fires and a panel that stays empty, silently. This test parses both
// files, checks every tokenrouter_* name they mention against the metrics
// createMetrics() (src/telemetry/metrics.ts) registers, and every label they
// select or group by against that metric's labels. With promtool on PATH it
// also runs `promtool check rules`, the alert unit tests
// (deploy/prometheus/alerts.test.yaml) and a syntax check of every dashboard
// query; without promtool those cases skip and say so.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { createMetrics } from '../../src/telemetry/metrics.js';
import { REPO_ROOT } from '../helpers/paths.js';

const ALERTS = path.join(REPO_ROOT, 'deploy', 'prometheus', 'alerts.yaml');
const ALERT_TESTS = path.join(REPO_ROOT, 'deploy', 'prometheus', 'alerts.test.yaml');
const DASHBOARD = path.join(REPO_ROOT, 'deploy', 'grafana', 'dashboard.json');

/** Labels Prometheus adds at scrape time, and the histogram bucket label. */
const SCRAPE_LABELS = new Set(['job', 'instance', 'le']);

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { uid?: string };
  targets?: { expr?: string }[];
  panels?: Panel[];
}

/** Family name → its type and label names, from the registry the router really builds (default metrics included). */
async function knownMetrics(): Promise<Map<string, { type: string; labels: Set<string> }>> {
  const { registry } = createMetrics();
  const out = new Map<string, { type: string; labels: Set<string> }>();
  for (const m of await registry.getMetricsAsJSON()) {
    // prom-client keeps the configured labelNames on the metric object (not in its typings).
    const metric = registry.getSingleMetric(m.name) as unknown as { labelNames?: readonly string[] };
    out.set(m.name, { type: String(m.type), labels: new Set(metric.labelNames ?? []) });
  }
  return out;
}

/** The family a series name belongs to: itself, or a histogram's _bucket/_sum/_count. */
function familyOf(known: Map<string, { type: string }>, name: string): string | undefined {
  if (known.has(name)) return name;
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  return m && known.get(m[1]!)?.type === 'histogram' ? m[1] : undefined;
}

/** Label names a PromQL expression selects on (`metric{a="x"}`) or groups by (`sum by (a) (rate(metric…`). */
function labelUses(expr: string): { metric: string; label: string; how: string }[] {
  const uses: { metric: string; label: string; how: string }[] = [];
  for (const m of expr.matchAll(/(tokenrouter_[a-z0-9_]+)\{([^}]*)\}/g)) {
    for (const matcher of m[2]!.split(',')) {
      const label = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/.exec(matcher)?.[1];
      if (label) uses.push({ metric: m[1]!, label, how: 'selects' });
    }
  }
  for (const m of expr.matchAll(/\bby \(([^)]*)\) \((?:[a-z_]+\()?(tokenrouter_[a-z0-9_]+)/g)) {
    for (const label of m[1]!.split(',').map((s) => s.trim()).filter(Boolean)) uses.push({ metric: m[2]!, label, how: 'groups by' });
  }
  return uses;
}

function dashboardPanels(d: { panels: Panel[] }): Panel[] {
  return d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

/** Every PromQL query of the dashboard: panel targets, annotation and variable queries. */
function dashboardQueries(d: any): string[] {
  const out: string[] = [];
  for (const p of dashboardPanels(d)) for (const t of p.targets ?? []) if (t.expr) out.push(t.expr);
  for (const a of d.annotations?.list ?? []) if (a.expr) out.push(a.expr);
  for (const v of d.templating?.list ?? []) if (typeof v.query?.query === 'string') out.push(v.query.query);
  return out;
}

/** Grafana's variables replaced by values Prometheus accepts, so promtool can parse the query. */
function asPromQL(expr: string): string {
  return expr.replaceAll('$__rate_interval', '5m').replaceAll('$__range', '1h').replaceAll('$__interval', '1m').replace(/\$\{?[a-z_]+\}?/g, '.*');
}

function promtoolAvailable(): boolean {
  return !spawnSync('promtool', ['--version'], { encoding: 'utf8' }).error;
}

function promtool(args: string[]): { status: number | null; output: string } {
  const r = spawnSync('promtool', args, { encoding: 'utf8', cwd: REPO_ROOT });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('deploy artefacts: Prometheus alerts and Grafana dashboard', () => {
  const alertsText = readFileSync(ALERTS, 'utf8');
  const dashboardText = readFileSync(DASHBOARD, 'utf8');
  const alerts = parseYaml(alertsText) as { groups: { name: string; rules: Rule[] }[] };
  const dashboard = JSON.parse(dashboardText) as { uid: string; title: string; panels: Panel[]; templating: unknown };
  const rules = alerts.groups.flatMap((g) => g.rules);
  let known: Map<string, { type: string; labels: Set<string> }>;

  before(async () => {
    known = await knownMetrics();
  });

  it('every alert has an expression, a severity and a summary', () => {
    expect(rules.length).to.be.greaterThan(5);
    const names = new Set<string>();
    for (const r of rules) {
      expect(r.alert, JSON.stringify(r)).to.be.a('string');
      expect(names.has(r.alert!), `duplicate alert ${r.alert}`).to.equal(false);
      names.add(r.alert!);
      expect(r.expr, r.alert).to.be.a('string').and.not.equal('');
      expect(['warning', 'critical'], r.alert).to.include(r.labels?.severity);
      expect(r.annotations?.summary, r.alert).to.be.a('string');
      expect(r.annotations?.description, r.alert).to.be.a('string');
    }
  });

  it('every tokenrouter_* name in either file is a metric the router exports', () => {
    const unknown: string[] = [];
    for (const [file, text] of [
      ['alerts.yaml', alertsText],
      ['alerts.test.yaml', readFileSync(ALERT_TESTS, 'utf8')],
      ['dashboard.json', dashboardText],
    ] as const) {
      for (const m of text.matchAll(/\btokenrouter_[a-z0-9_]+/g)) if (!familyOf(known, m[0])) unknown.push(`${file}: ${m[0]}`);
    }
    expect([...new Set(unknown)]).to.deep.equal([]);
  });

  it('every label the queries select or group by exists on that metric', () => {
    const wrong: string[] = [];
    const queries = [...rules.map((r) => [`alert ${r.alert}`, r.expr] as const), ...dashboardQueries(dashboard).map((q) => ['dashboard', q] as const)];
    for (const [where, expr] of queries) {
      for (const u of labelUses(expr)) {
        const family = familyOf(known, u.metric);
        if (family && !SCRAPE_LABELS.has(u.label) && !known.get(family)!.labels.has(u.label)) wrong.push(`${where} ${u.how} "${u.label}" on ${u.metric}`);
      }
    }
    expect(wrong).to.deep.equal([]);
  });

  it('the alerts cover errors, downed candidates, upstream auth and policy reloads', () => {
    const uses = (metric: string) => rules.some((r) => r.expr.includes(metric));
    for (const m of ['tokenrouter_requests_total', 'tokenrouter_circuit_state', 'tokenrouter_failovers_total', 'tokenrouter_upstream_auth_failures_total', 'tokenrouter_policy_reload_total', 'tokenrouter_routing_exclusions_total']) {
      expect(uses(m), m).to.equal(true);
    }
  });

  it('the dashboard shows traffic, latency, TTFT, tokens, cost, resilience, policy and firewall', () => {
    const queries = dashboardQueries(dashboard).join('\n');
    for (const m of [
      'tokenrouter_requests_total',
      'tokenrouter_request_duration_seconds_bucket',
      'tokenrouter_time_to_first_token_seconds_bucket',
      'tokenrouter_tokens_total',
      'tokenrouter_cost_usd_total',
      'tokenrouter_failovers_total',
      'tokenrouter_retries_total',
      'tokenrouter_circuit_state',
      'tokenrouter_policy_info',
      'tokenrouter_policy_reload_total',
      'tokenrouter_firewall_actions_total',
    ]) {
      expect(queries.includes(m), m).to.equal(true);
    }
    for (const p of [0.5, 0.95, 0.99]) expect(queries.includes(`histogram_quantile(${p}, sum by (le) (rate(tokenrouter_request_duration_seconds_bucket`), `p${p * 100}`).to.equal(true);
  });

  it('the dashboard is well formed: unique panel ids, one data source variable, no overlapping panels', () => {
    expect(dashboard.uid).to.equal('tokenrouter');
    const panels = dashboardPanels(dashboard);
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size, 'duplicate panel id').to.equal(ids.length);
    for (const p of panels.filter((p) => p.type !== 'row')) {
      expect(p.datasource?.uid, p.title).to.equal('${datasource}');
      expect(p.targets?.length ?? 0, p.title).to.be.greaterThan(0);
    }
    for (const [i, a] of panels.entries()) {
      expect(a.gridPos.x + a.gridPos.w, a.title).to.be.at.most(24);
      for (const b of panels.slice(i + 1)) {
        const overlap = a.gridPos.x < b.gridPos.x + b.gridPos.w && b.gridPos.x < a.gridPos.x + a.gridPos.w && a.gridPos.y < b.gridPos.y + b.gridPos.h && b.gridPos.y < a.gridPos.y + a.gridPos.h;
        expect(overlap, `"${a.title}" overlaps "${b.title}"`).to.equal(false);
      }
    }
  });

  describe('promtool', () => {
    const hasPromtool = promtoolAvailable();
    /** Skips the running test, visibly, when promtool is not installed. */
    function requirePromtool(ctx: Mocha.Context): void {
      if (hasPromtool) return;
      console.log(`      skipped "${ctx.test?.title}": promtool is not on PATH (Debian: apt-get install prometheus)`);
      ctx.skip();
    }

    it('promtool check rules deploy/prometheus/alerts.yaml', function () {
      requirePromtool(this);
      const r = promtool(['check', 'rules', ALERTS]);
      expect(r.status, r.output).to.equal(0);
    });

    it('promtool test rules deploy/prometheus/alerts.test.yaml (every alert fires when it should, and only then)', function () {
      requirePromtool(this);
      const r = promtool(['test', 'rules', ALERT_TESTS]);
      expect(r.status, r.output).to.equal(0);
      // Every alert has at least one case.
      const tested = new Set([...readFileSync(ALERT_TESTS, 'utf8').matchAll(/alertname: (\w+)/g)].map((m) => m[1]));
      expect(rules.map((r) => r.alert).filter((a) => !tested.has(a))).to.deep.equal([]);
    });

    it('every dashboard query is valid PromQL', function () {
      requirePromtool(this);
      const dir = mkdtempSync(path.join(os.tmpdir(), 'tokenrouter-dashboard-'));
      try {
        const file = path.join(dir, 'dashboard-queries.yaml');
        const queries = dashboardQueries(dashboard).filter((q) => !q.startsWith('label_values('));
        const records = queries.map((q, i) => `      - record: dashboard_query_${i}\n        expr: ${JSON.stringify(asPromQL(q))}`);
        writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${records.join('\n')}\n`);
        const r = promtool(['check', 'rules', file]);
        expect(r.status, r.output).to.equal(0);
        expect(r.output).to.include(`${queries.length} rules found`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
