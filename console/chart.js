// A stacked bar chart as inline SVG (no chart library): one bar per x label, one colour per
// series. Colours come from the stylesheet (.series-N), so the chart follows the theme.
import { html } from '/console/assets/ui.js';

const W = 640;
const H = 240;
const PAD = { top: 12, right: 8, bottom: 28, left: 56 };

/** A "nice" axis maximum: 1, 2 or 5 times a power of ten at or above `v`. */
function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/**
 * `xs`: the bar labels in order; `series`: [{ name, values: number[] (one per x) }];
 * `format`: how an axis value reads.
 */
export function StackedBars({ title, xs, series, format }) {
  const totals = xs.map((_, i) => series.reduce((s, ser) => s + (ser.values[i] ?? 0), 0));
  const max = niceMax(Math.max(0, ...totals));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = xs.length ? plotW / xs.length : plotW;
  const barW = Math.max(2, Math.min(48, slot * 0.7));
  const y = (v) => PAD.top + plotH - (v / max) * plotH;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * max);
  const every = Math.ceil(xs.length / 8); // at most ~8 x labels so they never overlap
  const summary = xs.map((x, i) => `${x}: ${format(totals[i])}`).join('; ');
  return html`<figure class="chart">
    <svg viewBox=${`0 0 ${W} ${H}`} role="img" aria-label=${`${title}. ${summary}`} data-chart=${title}>
      ${ticks.map(
        (t) => html`<g class="tick">
          <line x1=${PAD.left} x2=${W - PAD.right} y1=${y(t)} y2=${y(t)} class="grid" />
          <text x=${PAD.left - 6} y=${y(t) + 4} text-anchor="end" class="axis">${format(t)}</text>
        </g>`,
      )}
      ${xs.map((x, i) => {
        let base = 0;
        const cx = PAD.left + slot * i + (slot - barW) / 2;
        return html`<g class="bar" data-x=${x}>
          ${series.map((ser, s) => {
            const v = ser.values[i] ?? 0;
            if (v <= 0) return null;
            const top = y(base + v);
            const height = y(base) - top;
            base += v;
            return html`<rect x=${cx} y=${top} width=${barW} height=${Math.max(height, 0.5)} class=${`series-${s % 6}`}>
              <title>${x} · ${ser.name}: ${format(v)}</title>
            </rect>`;
          })}
          ${i % every === 0 ? html`<text x=${cx + barW / 2} y=${H - 8} text-anchor="middle" class="axis">${x}</text>` : null}
        </g>`;
      })}
    </svg>
    <figcaption>
      <ul class="legend">
        ${series.map((ser, s) => html`<li><svg viewBox="0 0 10 10" class="swatch" aria-hidden="true"><rect width="10" height="10" class=${`series-${s % 6}`} /></svg>${ser.name}</li>`)}
      </ul>
    </figcaption>
  </figure>`;
}
