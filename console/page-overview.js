// Overview: which policy version is live, the last reload's result with each problem as
// file:line:col, readiness, and the live numbers (updated by the `stats` events).
import { html } from '/console/assets/ui.js';
import { get } from '/console/assets/api.js';
import { useLiveStats } from '/console/assets/live.js';
import { useData, Loading, Stat, Badge, Section, Facts } from '/console/assets/widgets.js';
import { usd, ms, pct, num, rate, time, since } from '/console/assets/format.js';

export function LiveTiles({ stats }) {
  const s = stats ?? {};
  return html`<div class="stats" aria-live="polite">
    <${Stat} name="rps" label="Requests / s (10 s)" value=${rate(s.rps)} />
    <${Stat} name="errorRate" label="Error rate (60 s)" value=${pct(s.errorRate)} tone=${s.errorRate > 0.05 ? 'bad' : ''} />
    <${Stat} name="p50Ms" label="p50 latency" value=${ms(s.p50Ms)} />
    <${Stat} name="p99Ms" label="p99 latency" value=${ms(s.p99Ms)} />
    <${Stat} name="inFlight" label="In flight" value=${num(s.inFlight)} />
    <${Stat} name="requestsToday" label="Requests today" value=${num(s.requestsToday)} />
    <${Stat} name="spendTodayUsd" label="Spend today" value=${usd(s.spendTodayUsd)} />
  </div>`;
}

function Problems({ problems }) {
  if (!problems?.length) return null;
  return html`<ul class="problems" aria-label="Reload problems">
    ${problems.map(
      (p) => html`<li class="problem">
        <code class="where">${p.file}:${p.line}:${p.col}</code>
        <span>${p.message}</span>
      </li>`,
    )}
  </ul>`;
}

export function Overview() {
  // Polled: a reload (good or bad) changes the version and the last result, which no event carries.
  const state = useData(() => get('overview'), [], 5000);
  const live = useLiveStats();
  return html`<${Loading} state=${state}>
    ${state.data &&
    html`<div class="page">
      <${Section} title="Policy">
        <${Facts}
          items=${[
            ['Version', html`<code data-field="version">${state.data.version}</code>`],
            ['Loaded', html`${time(state.data.loadedAt)} <span class="muted">(${since(state.data.loadedAt)})</span>`],
            ['Ready', html`<${Badge} value=${state.data.ready} label=${state.data.ready ? 'ready' : 'not ready'} />`],
            [
              'Last reload',
              html`<span data-field="last-reload"><${Badge} value=${state.data.lastReload?.result} /> <span class="muted">${time(state.data.lastReload?.at)}</span></span>`,
            ],
          ]}
        />
        <${Problems} problems=${state.data.lastReload?.problems} />
        ${state.data.lastReload?.result === 'error'
          ? html`<p class="muted">The router keeps serving the version above until the files are fixed.</p>`
          : null}
      <//>
      <${Section} title="Live">
        <${LiveTiles} stats=${live ?? state.data.live} />
      <//>
    </div>`}
  <//>`;
}
