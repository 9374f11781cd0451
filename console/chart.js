// A stacked bar chart as inline SVG (no chart library): one bar per x label, one colour per
// series. Colours come from the stylesheet (.series-N), so the chart follows the theme.
import { html, useState, useEffect, useRef } from '/console/assets/ui.js';

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
  // Drawn at the box's real width (not scaled by a viewBox), so labels keep their size on a phone.
  const box = useRef(null);
  const [W, setW] = useState(640);
  useEffect(() => {
    const ro = new ResizeObserver(([e]) => setW(Math.max(240, Math.floor(e.contentRect.width))));
    ro.observe(box.current);
    return () => ro.disconnect();
  }, []);
  const totals = xs.map((_, i) => series.reduce((s, ser) => s + (ser.values[i] ?? 0), 0));
  const max = niceMax(Math.max(0, ...totals));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = xs.length ? plotW / xs.length : plotW;
  const barW = Math.max(2, Math.min(48, slot * 0.7));
  const y = (v) => PAD.top + plotH - (v / max) * plotH;
  const ticks = [0, 0.2, 0.4, 0.6, 0.8, 1].map((f) => f * max); // clean steps for a 1/2/5 maximum
  const every = Math.ceil(xs.length / Math.max(1, Math.floor(plotW / 90))); // at most ~8 x labels so they never overlap
  const summary = xs.map((x, i) => `${x}: ${format(totals[i])}`).join('; ');
  return html`<figure class="chart" ref=${box}>
    <svg class="plot" width=${W} height=${H} viewBox=${`0 0 ${W} ${H}`} role="img" aria-label=${`${title}. ${summary}`} data-chart=${title}>
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
