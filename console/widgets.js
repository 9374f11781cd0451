// Small building blocks shared by the pages: loading/error states, stat tiles, badges, tables
// that scroll inside their own box (so a phone never scrolls the page sideways).
import { html, useState, useEffect } from '/console/assets/ui.js';

/** Loads `load()` on mount and whenever `deps` change; `every` ms re-polls (0: never). */
export function useData(load, deps = [], every = 0) {
  const [state, set] = useState({ data: null, error: null, loading: true });
  useEffect(() => {
    let live = true;
    const run = () =>
      load().then(
        (data) => live && set({ data, error: null, loading: false }),
        (error) => live && set((s) => ({ data: s.data, error, loading: false })),
      );
    run();
    const timer = every ? setInterval(run, every) : null;
    return () => {
      live = false;
      if (timer) clearInterval(timer);
    };
  }, deps);
  return state;
}

export function Loading({ state, children }) {
  if (state.error && !state.data) return html`<p class="error" role="alert">Could not load: ${state.error.message}</p>`;
  if (!state.data) return html`<p class="muted" aria-busy="true">Loading…</p>`;
  return children;
}

export function Stat({ label, value, name, tone }) {
  return html`<div class=${`stat ${tone ?? ''}`} data-stat=${name}>
    <div class="stat-label">${label}</div>
    <div class="stat-value">${value}</div>
  </div>`;
}

const TONES = {
  success: 'ok', closed: 'ok', true: 'ok', hit: 'ok',
  blocked: 'warn', half_open: 'warn', retry: 'warn', failover: 'warn', unchanged: 'info', bypass: 'info', miss: 'info',
  error: 'bad', open: 'bad', false: 'bad', upstream_aborted: 'bad', client_gone: 'warn', drained: 'warn',
};
export function Badge({ value, label }) {
  if (value == null) return html`<span class="muted">—</span>`;
  return html`<span class=${`badge ${TONES[String(value)] ?? 'info'}`}>${label ?? String(value)}</span>`;
}

export function Table({ caption, head, children, empty }) {
  return html`<div class="table-wrap" tabindex="0" role="region" aria-label=${caption}>
    <table>
      <caption class="sr-only">${caption}</caption>
      <thead><tr>${head.map((c) => html`<th scope="col">${c}</th>`)}</tr></thead>
      <tbody>${children}</tbody>
    </table>
    ${empty ? html`<p class="muted empty">${empty}</p>` : null}
  </div>`;
}

export function Section({ title, children, actions }) {
  return html`<section class="card">
    <div class="card-head"><h2>${title}</h2>${actions ?? null}</div>
    ${children}
  </section>`;
}

/** Key/value pairs as a definition list. */
export function Facts({ items }) {
  return html`<dl class="facts">${items.map(([k, v]) => html`<div><dt>${k}</dt><dd>${v}</dd></div>`)}</dl>`;
}
