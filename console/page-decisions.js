// Decisions: the recent requests from the router's ring buffer, filterable by key, provider,
// model, rule and outcome; new ones arrive by the `decision` event. A click (or Enter) opens
// #/decisions/<requestId>: the whole decision — candidates and their score terms, matched
// rules, firewall actions, every attempt with its failover reason, usage and cost.
import { html, useState, useCallback } from '/console/assets/ui.js';
import { get, query } from '/console/assets/api.js';
import { useLiveDecisions } from '/console/assets/live.js';
import { useData, Loading, Table, Section, Badge, Facts } from '/console/assets/widgets.js';
import { usd, ms, num, time, compact } from '/console/assets/format.js';

const FILTERS = ['key', 'provider', 'model', 'rule', 'outcome'];
const OUTCOMES = ['', 'success', 'blocked', 'error', 'upstream_aborted', 'client_gone', 'drained'];
const KEEP = 200;

function matches(d, f) {
  return (
    (!f.key || d.key === f.key) &&
    (!f.provider || d.provider === f.provider) &&
    (!f.model || d.model === f.model) &&
    (!f.rule || (d.rules ?? []).includes(f.rule)) &&
    (!f.outcome || d.outcome === f.outcome)
  );
}

function FilterForm({ filters, onApply }) {
  const [draft, setDraft] = useState(filters);
  const field = (name) =>
    name === 'outcome'
      ? html`<select id=${`f-${name}`} name=${name} value=${draft[name]} onChange=${(e) => setDraft({ ...draft, [name]: e.target.value })}>
          ${OUTCOMES.map((o) => html`<option value=${o}>${o || 'any'}</option>`)}
        </select>`
      : html`<input id=${`f-${name}`} name=${name} value=${draft[name]} autocomplete="off" spellcheck="false"
          onInput=${(e) => setDraft({ ...draft, [name]: e.target.value.trim() })} />`;
  return html`<form class="filters" onSubmit=${(e) => (e.preventDefault(), onApply(draft))}>
    ${FILTERS.map((n) => html`<div class="field"><label for=${`f-${n}`}>${n}</label>${field(n)}</div>`)}
    <div class="field buttons">
      <button type="submit">Filter</button>
      <button type="button" class="secondary" onClick=${() => {
        const empty = Object.fromEntries(FILTERS.map((n) => [n, '']));
        setDraft(empty);
        onApply(empty);
      }}>Clear</button>
    </div>
  </form>`;
}

export function Decisions({ id }) {
  return id ? html`<${DecisionDetail} id=${id} />` : html`<${DecisionList} />`;
}

function DecisionList() {
  const [filters, setFilters] = useState(Object.fromEntries(FILTERS.map((n) => [n, ''])));
  const [fresh, setFresh] = useState([]);
  const state = useData(() => (setFresh([]), get(`decisions${query({ ...filters, limit: 100 })}`)), [JSON.stringify(filters)]);
  const onLive = useCallback((d) => matches(d, filters) && setFresh((list) => [d, ...list].slice(0, KEEP)), [JSON.stringify(filters)]);
  useLiveDecisions(onLive);
  const seen = new Set(fresh.map((d) => d.requestId));
  const rows = [...fresh, ...(state.data?.data ?? []).filter((d) => !seen.has(d.requestId))].slice(0, KEEP);
  const open = (d) => (location.hash = `#/decisions/${encodeURIComponent(d.requestId)}`);
  return html`<div class="page">
    <${Section} title="Decisions">
      <${FilterForm} filters=${filters} onApply=${setFilters} />
      <${Loading} state=${state}>
        <${Table}
          caption="Recent decisions, newest first"
          head=${['Time', 'Key', 'API', 'Provider / model', 'Rules', 'Outcome', 'Status', 'Latency', 'Cost', 'Cache']}
          empty=${rows.length ? null : 'No decisions match.'}
        >
          ${rows.map(
            (d) => html`<tr class="clickable" tabindex="0" data-request-id=${d.requestId} data-outcome=${d.outcome}
                onClick=${() => open(d)} onKeyDown=${(e) => e.key === 'Enter' && open(d)}>
              <td>${time(d.at)}</td>
              <td>${d.key ?? '—'}</td>
              <td>${d.api}${d.stream ? html` <span class="muted small">stream</span>` : null}</td>
              <td><code>${d.provider ?? '—'}/${d.model ?? '—'}</code></td>
              <td>${d.rules?.length ? d.rules.join(', ') : '—'}</td>
              <td><${Badge} value=${d.outcome} /></td>
              <td class="num">${d.status}</td>
              <td class="num">${ms(d.latencyMs)}</td>
              <td class="num">${usd(d.costUsd)}</td>
              <td><${Badge} value=${d.cache} /></td>
            </tr>`,
          )}
        <//>
      <//>
    <//>
  </div>`;
}

function Terms({ terms }) {
  if (!terms) return html`<span class="muted">—</span>`;
  return html`<span class="terms">${Object.entries(terms).map(
    ([k, v]) => html`<span class="term"><span class="muted">${k}</span> ${typeof v === 'number' ? num(v, 4) : String(v)}</span>`,
  )}</span>`;
}

function DecisionDetail({ id }) {
  const state = useData(() => get(`decisions/${encodeURIComponent(id)}`), [id]);
  const d = state.data;
  return html`<div class="page">
    <p><a href="#/decisions">← All decisions</a></p>
    <${Loading} state=${state}>
      ${d &&
      html`<div class="decision" data-request-id=${d.requestId}>
        <${Section} title=${html`Request <code>${d.requestId}</code>`} actions=${html`<${Badge} value=${d.outcome} />`}>
          <${Facts}
            items=${[
              ['Time', time(d.at)],
              ['Key', d.key ?? '—'],
              ['API', `${d.api}${d.stream ? ' (stream)' : ''}`],
              ['Mode', d.mode ?? '—'],
              ['Served by', d.provider ? html`<code>${d.provider}/${d.model}</code>` : '—'],
              ['Status', String(d.status)],
              ['Latency', ms(d.latencyMs)],
              ['Cost', usd(d.costUsd)],
              ['Cache', d.cache ?? '—'],
              ['Trace', d.traceId ? html`<code>${d.traceId}</code>` : '—'],
            ]}
          />
          ${d.failoverReason ? html`<p class="callout warn" data-field="failover-reason"><strong>Failover:</strong> ${d.failoverReason}</p>` : null}
          ${d.error ? html`<p class="callout bad" data-field="error"><strong>${d.error.code}:</strong> ${d.error.message}</p>` : null}
        <//>
        <${Section} title="Matched rules">
          ${d.rules?.length ? html`<ul class="chips">${d.rules.map((r) => html`<li><code>${r}</code></li>`)}</ul>` : html`<p class="muted">No routing rule matched.</p>`}
        <//>
        <${Section} title="Firewall">
          ${d.firewall?.length
            ? html`<${Table} caption="Firewall actions" head=${['Rule', 'Action', 'Scope']}>
                ${d.firewall.map((f) => html`<tr data-firewall=${f.rule}><td><code>${f.rule}</code></td><td><${Badge} value=${f.action === 'block' ? 'blocked' : 'info'} label=${f.action} /></td><td>${f.scope}</td></tr>`)}
              <//>`
            : html`<p class="muted">No firewall action.</p>`}
        <//>
        <${Section} title="Candidates">
          <${Table} caption="Candidates in score order" head=${['#', 'Provider / model', 'Via', 'Score terms']} empty=${d.candidates?.length ? null : 'None (nothing was routed).'}>
            ${(d.candidates ?? []).map(
              (c, i) => html`<tr><td>${i + 1}</td><td><code>${c.provider}/${c.model}</code></td><td>${c.via}</td><td><${Terms} terms=${c.terms} /></td></tr>`,
            )}
          <//>
        <//>
        <${Section} title="Attempts">
          <${Table} caption="Upstream attempts in order" head=${['#', 'Provider / model', 'Outcome', 'Reason', 'Status', 'Time', 'TTFT']} empty=${d.attempts?.length ? null : 'No provider was called.'}>
            ${(d.attempts ?? []).map(
              (a, i) => html`<tr data-attempt=${i}>
                <td>${i + 1}</td><td><code>${a.provider}/${a.model}</code></td><td><${Badge} value=${a.outcome} /></td>
                <td>${a.reason ?? '—'}</td><td class="num">${a.status ?? '—'}</td><td class="num">${ms(a.ms)}</td><td class="num">${ms(a.ttftMs)}</td>
              </tr>`,
            )}
          <//>
        <//>
        <${Section} title="Usage">
          ${d.usage
            ? html`<${Facts} items=${[['Input', num(d.usage.input)], ['Output', num(d.usage.output)], ['Cached', num(d.usage.cached)], ['Reasoning', num(d.usage.reasoning)], ['Cost', usd(d.costUsd)]]} />`
            : html`<p class="muted">No usage (nothing was served).</p>`}
        <//>
        ${d.prompt != null ? html`<${Section} title="Prompt (masked)"><pre class="prompt">${d.prompt}</pre><//>` : null}
      </div>`}
    <//>
  </div>`;
}
