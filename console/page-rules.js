// Rules: routing rules in evaluation order, then firewall rules, each with its conditions,
// action, hit count since start, static warnings, and a link to its file:line when
// Settings.console.sourceUrl is set.
import { html } from '/console/assets/ui.js';
import { get } from '/console/assets/api.js';
import { useData, Loading, Table, Section, Badge } from '/console/assets/widgets.js';
import { compact, num } from '/console/assets/format.js';

function Where({ rule }) {
  const text = `${rule.file}:${rule.line}`;
  return rule.sourceUrl
    ? html`<a href=${rule.sourceUrl} target="_blank" rel="noopener noreferrer">${text}</a>`
    : html`<code>${text}</code>`;
}

function Warnings({ list }) {
  if (!list?.length) return html`<span class="muted">—</span>`;
  return html`<ul class="warnings">${list.map((w) => html`<li>⚠ ${w}</li>`)}</ul>`;
}

export function Rules() {
  const state = useData(() => get('rules'), [], 10_000);
  const d = state.data;
  return html`<${Loading} state=${state}>
    ${d &&
    html`<div class="page">
      <${Section} title=${`Routing rules (${d.routing.length})`}>
        <${Table}
          caption="Routing rules in evaluation order"
          head=${['#', 'Rule', 'Priority', 'Match', 'When', 'Action', 'Hits', 'Warnings', 'Source']}
          empty=${d.routing.length ? null : 'No routing rules.'}
        >
          ${d.routing.map(
            (r, i) => html`<tr class=${r.enabled ? '' : 'disabled'} data-rule=${r.name}>
              <td>${i + 1}</td>
              <td class="name"><strong>${r.name}</strong>${r.enabled ? null : html` <${Badge} value="off" label="disabled" />`}</td>
              <td>${r.priority}</td>
              <td class="cond"><code>${compact(r.match)}</code></td>
              <td class="cond"><code>${compact(r.when)}</code></td>
              <td class="cond"><code>${compact(r.action)}</code></td>
              <td class="num" data-field="hits">${num(r.hits)}</td>
              <td><${Warnings} list=${r.warnings} /></td>
              <td><${Where} rule=${r} /></td>
            </tr>`,
          )}
        <//>
      <//>
      <${Section} title=${`Firewall rules (${d.firewall.length})`}>
        <${Table}
          caption="Firewall rules in evaluation order"
          head=${['#', 'Rule', 'Priority', 'Scope', 'Type', 'Pattern', 'Action', 'Hits', 'Warnings', 'Source']}
          empty=${d.firewall.length ? null : 'No firewall rules.'}
        >
          ${d.firewall.map(
            (r, i) => html`<tr data-rule=${r.name}>
              <td>${i + 1}</td>
              <td class="name"><strong>${r.name}</strong></td>
              <td>${r.priority}</td>
              <td>${r.scope}</td>
              <td>${r.type}</td>
              <td class="cond"><code>${r.pattern ?? '—'}</code></td>
              <td><${Badge} value=${r.action === 'block' ? 'blocked' : 'info'} label=${r.action} /></td>
              <td class="num" data-field="hits">${num(r.hits)}</td>
              <td><${Warnings} list=${r.warnings} /></td>
              <td><${Where} rule=${r} /></td>
            </tr>`,
          )}
        <//>
      <//>
    </div>`}
  <//>`;
}
