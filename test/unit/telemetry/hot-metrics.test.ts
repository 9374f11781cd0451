// The hot-path counters and histograms must expose exactly what prom-client's
// own Counter and Histogram would for the same updates (counters, gauges, histograms): same text on /metrics,
// same JSON from get(), same errors for bad input.
import { expect } from 'chai';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { HotCounter, HotGauge, HotHistogram } from '../../../src/telemetry/hot-metrics.js';

const BUCKETS = [0.001, 0.01, 0.1, 1, 10];

function pair() {
  const ref = new Registry();
  const hot = new Registry();
  const cfg = { name: 'x_total', help: 'A counter.', labelNames: ['api', 'outcome'] as const };
  const hcfg = { name: 'x_seconds', help: 'A histogram.', labelNames: ['api'] as const, buckets: BUCKETS };
  return {
    ref,
    hot,
    counters: [new Counter({ ...cfg, registers: [ref] }), new HotCounter({ ...cfg, registers: [hot] })] as const,
    histograms: [new Histogram({ ...hcfg, registers: [ref] }), new HotHistogram({ ...hcfg, registers: [hot] })] as const,
    bare: [new Counter({ name: 'y_total', help: 'No labels.', registers: [ref] }), new HotCounter({ name: 'y_total', help: 'No labels.', registers: [hot] })] as const,
    gauges: [new Gauge({ name: 'g', help: 'A gauge.', labelNames: ['p'] as const, registers: [ref] }), new HotGauge({ name: 'g', help: 'A gauge.', labelNames: ['p'] as const, registers: [hot] })] as const,
  };
}

describe('telemetry: hot-path metrics', () => {
  it('expose the same Prometheus text and JSON as prom-client for the same updates', async () => {
    const p = pair();
    const values = [0, 0.0005, 0.001, 0.002, 0.05, 0.1, 0.7, 3, 10, 11, 500];
    for (const c of p.counters) {
      c.inc({ api: 'chat', outcome: 'success' });
      c.inc({ api: 'chat', outcome: 'success' }, 2.5);
      c.inc({ api: 'responses', outcome: 'error' }, 0);
      c.inc({ api: 'chat' });
      c.inc({ api: 'chat', outcome: 7 } as never, 1);
      c.inc({ api: 'chat', outcome: '7' }, 1);
    }
    for (const h of p.histograms) for (const [i, v] of values.entries()) h.observe({ api: i % 2 ? 'chat' : 'responses' }, v);
    for (const b of p.bare) b.inc(4);
    for (const g of p.gauges) {
      g.set({ p: 'a' }, 3);
      g.set({ p: 'a' }, 1);
      g.set({ p: 'b' }, 0.25);
    }
    expect(await p.hot.metrics()).to.equal(await p.ref.metrics());
    // prom-client adds an empty `exemplar` field to histogram values (exemplars are off).
    const plain = (json: unknown) => JSON.parse(JSON.stringify(json, (k, v) => (k === 'exemplar' && v == null ? undefined : v)));
    expect(plain(await p.hot.getMetricsAsJSON())).to.deep.equal(plain(await p.ref.getMetricsAsJSON()));
  });

  it('reset empties labelled series and zeroes a label-less one, as prom-client does', async () => {
    const p = pair();
    for (const c of p.counters) c.inc({ api: 'chat', outcome: 'success' });
    for (const b of p.bare) b.inc();
    for (const m of [...p.counters, ...p.bare]) m.reset();
    expect(await p.hot.metrics()).to.equal(await p.ref.metrics());
  });

  it('reject an unknown label, a negative counter step and a non-finite value', () => {
    const c = new HotCounter({ name: 'z_total', help: 'z', labelNames: ['a'] });
    const h = new HotHistogram({ name: 'z_seconds', help: 'z', buckets: BUCKETS });
    expect(() => c.inc({ b: 'x' } as never)).to.throw(/not included in initial labelset/);
    expect(() => c.inc({ a: 'x' }, -1)).to.throw(/decrease/);
    expect(() => c.inc({ a: 'x' }, Number.NaN)).to.throw(/not a valid number/);
    expect(() => h.observe(Number.POSITIVE_INFINITY)).to.throw(/not a valid number/);
    expect(() => h.observe({ a: 'x' } as never, 1)).to.throw(/not included in initial labelset/);
  });
});
