// Counters, gauges and histograms cheap enough for the per-request path.
// prom-client's own types validate the label object, sort and hash it into a
// string, and (histograms) turn the bucket bound into a property name on every
// call: with ~14 updates per request that was 12% of the router's CPU per
// request (README, Performance). These find each series through one Map per
// label (no key string is built), check a label set only when it makes a new
// series, and count histogram buckets in a Float64Array. prom-client still
// owns the registry and the exposition format: each metric registers itself
// and answers `get()` / `getForPromString()` in prom-client's metric object
// shape, so /metrics reads exactly as before. (`le` is refused as a label name
// on every type, not only histograms: it is reserved there and unused here.)
import type { Registry } from 'prom-client';

type LabelValue = string | number;
export type LabelSet<L extends string> = Partial<Record<L, LabelValue>>;

interface MetricConfig<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
  registers?: Registry[];
}

interface ExportValue {
  value: number;
  labels: Record<string, LabelValue>;
  metricName?: string;
  sharedLabels?: Record<string, LabelValue>;
}

export interface MetricSnapshot {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  values: ExportValue[];
  aggregator: 'sum';
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A label value as prom-client prints it: numbers and strings alike, undefined as absent. */
function labelKey(v: LabelValue | undefined): string {
  return v === undefined ? '' : typeof v === 'string' ? v : String(v);
}

abstract class HotMetric<L extends string, S extends { labels: Record<string, LabelValue> }> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  readonly aggregator = 'sum' as const;
  /** Every series, in creation order (the exposition order). */
  protected series: S[] = [];
  private tree = new Map<LabelValue, unknown>();
  private single: S | undefined;

  constructor(cfg: MetricConfig<L>) {
    if (!NAME.test(cfg.name)) throw new Error(`Invalid metric name: ${cfg.name}`);
    this.name = cfg.name;
    this.help = cfg.help;
    this.labelNames = Object.freeze([...(cfg.labelNames ?? [])]);
    for (const l of this.labelNames) if (!LABEL.test(l) || l === 'le') throw new Error(`Invalid label name: ${l}`);
  }

  /**
   * Called last by each subclass constructor (newSeries may read the subclass's
   * fields): a label-less metric has its one series from the start, as in
   * prom-client, and the metric joins its registries, which accept any object
   * with prom-client's metric interface.
   */
  protected ready(registers: Registry[] | undefined): void {
    if (this.labelNames.length === 0) this.seriesFor(undefined);
    for (const r of registers ?? []) r.registerMetric(this as never);
  }

  /**
   * The series for a label set, made (and its labels checked) the first time it
   * is seen. Series sit in a tree of Maps, one level per label name in declared
   * order, so finding one builds no key string: label values are mostly the
   * policy's own (already hashed) strings.
   */
  protected seriesFor(labels: LabelSet<L> | undefined): S {
    const names = this.labelNames;
    if (names.length === 0) {
      if (!this.single) this.series.push((this.single = this.newSeries({})));
      for (const l in labels) throw new Error(`Added label "${l}" is not included in initial labelset: (none)`);
      return this.single;
    }
    let node: Map<LabelValue, unknown> = this.tree;
    const last = names.length - 1;
    for (let i = 0; i < last; i++) {
      const v = labelKey(labels?.[names[i]!]);
      let next = node.get(v) as Map<LabelValue, unknown> | undefined;
      if (!next) node.set(v, (next = new Map()));
      node = next;
    }
    const v = labelKey(labels?.[names[last]!]);
    let s = node.get(v) as S | undefined;
    if (!s) {
      const kept: Record<string, LabelValue> = {};
      for (const l in labels) {
        if (!(names as readonly string[]).includes(l)) throw new Error(`Added label "${l}" is not included in initial labelset: ${names.join(', ')}`);
        const value = labels[l as L];
        if (value !== undefined) kept[l] = value;
      }
      s = this.newSeries(kept);
      node.set(v, s);
      this.series.push(s);
    }
    return s;
  }

  protected abstract newSeries(labels: Record<string, LabelValue>): S;

  reset(): void {
    this.series = [];
    this.tree = new Map();
    this.single = undefined;
    if (this.labelNames.length === 0) this.seriesFor(undefined);
  }
}

interface ValueSeries {
  labels: Record<string, LabelValue>;
  value: number;
}

/** One number per series: counters and gauges. */
abstract class ValueMetric<L extends string> extends HotMetric<L, ValueSeries> {
  abstract readonly type: 'counter' | 'gauge';

  protected newSeries(labels: Record<string, LabelValue>): ValueSeries {
    return { labels, value: 0 };
  }

  async get(): Promise<MetricSnapshot> {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: this.series.map((s) => ({ labels: { ...s.labels }, value: s.value })) };
  }
}

export class HotCounter<L extends string = string> extends ValueMetric<L> {
  readonly type = 'counter' as const;

  constructor(cfg: MetricConfig<L>) {
    super(cfg);
    this.ready(cfg.registers);
  }

  inc(labels?: LabelSet<L> | number, value?: number): void {
    if (typeof labels === 'number') {
      value = labels;
      labels = undefined;
    }
    const v = value ?? 1;
    if (!Number.isFinite(v)) throw new TypeError(`Value is not a valid number: ${v}`);
    if (v < 0) throw new Error('It is not possible to decrease a counter');
    this.seriesFor(labels).value += v;
  }
}

/** A gauge: `set` replaces the series' value. */
export class HotGauge<L extends string = string> extends ValueMetric<L> {
  readonly type = 'gauge' as const;

  constructor(cfg: MetricConfig<L>) {
    super(cfg);
    this.ready(cfg.registers);
  }

  set(labels: LabelSet<L> | number, value?: number): void {
    if (typeof labels === 'number') {
      value = labels;
      labels = undefined as never;
    }
    if (typeof value !== 'number') throw new TypeError(`Value is not a valid number: ${value}`);
    this.seriesFor(labels).value = value;
  }
}

interface HistogramSeries {
  labels: Record<string, LabelValue>;
  /** Per bucket (not cumulative); the last slot counts values above every bound. */
  counts: Float64Array;
  sum: number;
  count: number;
}

export class HotHistogram<L extends string = string> extends HotMetric<L, HistogramSeries> {
  readonly type = 'histogram' as const;
  readonly upperBounds: readonly number[];

  constructor(cfg: MetricConfig<L> & { buckets: readonly number[] }) {
    super(cfg);
    this.upperBounds = Object.freeze([...cfg.buckets].sort((a, b) => a - b));
    this.ready(cfg.registers);
  }

  observe(labels: LabelSet<L> | number, value?: number): void {
    if (typeof labels === 'number') {
      value = labels;
      labels = undefined as never;
    }
    const v = value!;
    if (!Number.isFinite(v)) throw new TypeError(`Value is not a valid number: ${v}`);
    const s = this.seriesFor(labels);
    const bounds = this.upperBounds;
    let i = 0;
    while (i < bounds.length && v > bounds[i]!) i++;
    s.counts[i]! += 1;
    s.sum += v;
    s.count += 1;
  }

  protected newSeries(labels: Record<string, LabelValue>): HistogramSeries {
    return { labels, counts: new Float64Array(this.upperBounds.length + 1), sum: 0, count: 0 };
  }

  /** prom-client's histogram export: cumulative buckets (le), then +Inf, _sum, _count; series labels as sharedLabels. */
  async getForPromString(): Promise<MetricSnapshot> {
    const values: ExportValue[] = [];
    const bucket = `${this.name}_bucket`;
    for (const s of this.series) {
      let acc = 0;
      for (const [i, le] of this.upperBounds.entries()) {
        acc += s.counts[i]!;
        values.push({ labels: { le }, value: acc, metricName: bucket, sharedLabels: s.labels });
      }
      values.push({ labels: { le: '+Inf' }, value: s.count, metricName: bucket, sharedLabels: s.labels });
      values.push({ labels: {}, value: s.sum, metricName: `${this.name}_sum`, sharedLabels: s.labels });
      values.push({ labels: {}, value: s.count, metricName: `${this.name}_count`, sharedLabels: s.labels });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** As getForPromString, with each value's series labels merged into its own (prom-client's JSON form). */
  async get(): Promise<MetricSnapshot> {
    const data = await this.getForPromString();
    data.values = data.values.map(({ sharedLabels, labels, ...rest }) => ({ ...rest, labels: { ...labels, ...sharedLabels } }));
    return data;
  }
}
