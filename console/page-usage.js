// Usage: spend and tokens per key, provider, model and day from the usage ledger, as a stacked
// bar chart per day and a table grouped by the chosen dimension.
import { html, useState, useMemo } from '/console/assets/ui.js';
import { get } from '/console/assets/api.js';
import { useData, Loading, Table, Section } from '/console/assets/widgets.js';
import { StackedBars } from '/console/assets/chart.js';
import { usd, num } from '/console/assets/format.js';

const GROUPS = ['key', 'provider', 'model', 'day'];
const METRICS = {
  cost: { label: 'Spend (USD)', of: (r) => r.costUsd ?? 0, format: (v) => `$${Number(v.toPrecision(3))}` },
  tokens: { label: 'Tokens (in + out)', of: (r) => (r.inputTokens ?? 0) + (r.outputTokens ?? 0), format: (v) => num(v) },
  requests: { label: 'Requests', of: (r) => r.requests ?? 0, format: (v) => num(v) },
};
const MAX_SERIES = 5;

/** Every day from `days` ago to today (UTC), so quiet days show as empty bars, not gaps. */
function dayRange(days) {
  const out = [];
  const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
  for (let i = days - 1; i >= 0; i--) out.push(new Date(today - i * 86_400_000).toISOString().slice(0, 10));
  return out;
}

function groupRows(rows, by) {
  const m = new Map();
  for (const r of rows) {
    const k = r[by] ?? '—';
    const g = m.get(k) ?? { name: k, requests: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 };
    g.requests += r.requests ?? 0;
    g.inputTokens += r.inputTokens ?? 0;
    g.outputTokens += r.outputTokens ?? 0;
    g.costUsd += r.costUsd ?? 0;
    m.set(k, g);
  }
  return [...m.values()].sort((a, b) => b.costUsd - a.costUsd || b.requests - a.requests);
}

export function Usage() {
  const [days, setDays] = useState(7);
  const [by, setBy] = useState('key');
  const [metric, setMetric] = useState('cost');
  const state = useData(() => get(`usage?days=${days}`), [days], 10_000);
  const rows = state.data?.days ?? [];
  const groups = useMemo(() => groupRows(rows, by), [rows, by]);
  const chart = useMemo(() => {
    const xs = dayRange(days);
    const m = METRICS[metric];
    const stackBy = by === 'day' ? null : by;
    // The largest groups get their own colour; the rest are one "other" series.
    const named = stackBy ? groups.slice(0, MAX_SERIES).map((g) => g.name) : ['all'];
    const series = named.map((name) => ({ name, values: xs.map(() => 0) }));
    const other = { name: 'other', values: xs.map(() => 0) };
    for (const r of rows) {
      const i = xs.indexOf(r.day);
      if (i < 0) continue;
      const s = stackBy ? series.find((x) => x.name === (r[stackBy] ?? '—')) ?? other : series[0];
      s.values[i] += m.of(r);
    }
    if (other.values.some((v) => v > 0)) series.push(other);
    return { xs, series };
  }, [rows, by, metric, days]);
  const total = groups.reduce((s, g) => s + g.costUsd, 0);
  return html`<div class="page">
    <${Section} title="Usage">
      <form class="filters" onSubmit=${(e) => e.preventDefault()}>
        <div class="field"><label for="u-days">Days</label>
          <select id="u-days" value=${days} onChange=${(e) => setDays(Number(e.target.value))}>${[1, 7, 30, 90].map((d) => html`<option value=${d}>${d}</option>`)}</select></div>
        <div class="field"><label for="u-by">Group by</label>
          <select id="u-by" value=${by} onChange=${(e) => setBy(e.target.value)}>${GROUPS.map((g) => html`<option value=${g}>${g}</option>`)}</select></div>
        <div class="field"><label for="u-metric">Chart</label>
          <select id="u-metric" value=${metric} onChange=${(e) => setMetric(e.target.value)}>${Object.entries(METRICS).map(([k, m]) => html`<option value=${k}>${m.label}</option>`)}</select></div>
      </form>
      <${Loading} state=${state}>
        <${StackedBars} title=${`${METRICS[metric].label} per day${by === 'day' ? '' : ` by ${by}`}`} xs=${chart.xs} series=${chart.series} format=${METRICS[metric].format} />
        <p class="muted small">Total over ${days} day${days === 1 ? '' : 's'}: <strong data-field="usage-total">${usd(total)}</strong></p>
        <${Table} caption=${`Usage by ${by}`} head=${[by, 'Requests', 'Input tokens', 'Output tokens', 'Spend']} empty=${groups.length ? null : 'No usage in this window.'}>
          ${groups.map(
            (g) => html`<tr data-group=${g.name}>
              <td><code>${g.name}</code></td><td class="num">${num(g.requests)}</td><td class="num">${num(g.inputTokens)}</td>
              <td class="num">${num(g.outputTokens)}</td><td class="num">${usd(g.costUsd)}</td>
            </tr>`,
          )}
        <//>
      <//>
    <//>
  </div>`;
}
