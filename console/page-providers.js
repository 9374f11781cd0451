// Providers: each provider and its deployments with breaker state, live latency, in-flight
// requests, limits, cool-downs, and where its prices came from and how old they are.
import { html } from '/console/assets/ui.js';
import { get } from '/console/assets/api.js';
import { useData, Loading, Table, Section, Badge } from '/console/assets/widgets.js';
import { ms, num, age, time, compact } from '/console/assets/format.js';

function Provider({ p }) {
  const price = p.priceSource ?? {};
  return html`<${Section}
    title=${html`${p.name} <span class="muted small">${p.type}</span>`}
    actions=${html`<${Badge} value=${p.enabled} label=${p.enabled ? 'enabled' : 'disabled'} />`}
  >
    <p class="muted small">
      Prices: ${price.url ? html`<a href=${price.url} target="_blank" rel="noopener noreferrer">${price.url}</a>` : 'policy files'}
      ${price.ageSeconds != null ? html` · ${age(price.ageSeconds)} old` : null}
    </p>
    <${Table}
      caption=${`Deployments of ${p.name}`}
      head=${['Model', 'Breaker', 'TTFT', 'Tokens/s', 'In flight', 'Limits', 'Cool-down until']}
      empty=${p.deployments.length ? null : 'No deployments.'}
    >
      ${p.deployments.map(
        (d) => html`<tr data-deployment=${`${p.name}/${d.model}`}>
          <td><code>${d.model}</code></td>
          <td><${Badge} value=${d.breaker} label=${d.breaker.replace('_', '-')} /></td>
          <td class="num">${ms(d.ttftMs)}</td>
          <td class="num">${d.tokensPerSecond == null ? '—' : num(d.tokensPerSecond, 1)}</td>
          <td class="num">${num(d.inFlight)}</td>
          <td><code>${compact(d.limits)}</code></td>
          <td>${d.coolDownUntil ? time(d.coolDownUntil) : '—'}</td>
        </tr>`,
      )}
    <//>
  <//>`;
}

export function Providers() {
  const state = useData(() => get('providers'), [], 5000);
  return html`<${Loading} state=${state}>
    ${state.data && html`<div class="page">${state.data.providers.map((p) => html`<${Provider} p=${p} />`)}</div>`}
  <//>`;
}
