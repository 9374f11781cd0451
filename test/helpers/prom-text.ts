// A parser for the Prometheus text exposition format, as GET /metrics returns
// it, so tests can compare the exported families with the README, count series
// and look at label values. It reads what prom-client writes: `# HELP` and
// `# TYPE` lines followed by that family's samples, label values quoted with
// the \\ \" \n escapes, no timestamps.

export interface Sample {
  /** The sample's own name (histograms: `<family>_bucket`, `_sum`, `_count`). */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: string;
  help: string;
  samples: Sample[];
}

/** Labels prom-client adds to samples on its own (histogram buckets, summary quantiles). */
const STRUCTURAL_LABELS = new Set(['le', 'quantile']);

export function parsePromText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  let current: Family | undefined;
  const family = (name: string): Family => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { name, type: 'untyped', help: '', samples: [] }));
    return f;
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      current = family(meta[2]!);
      if (meta[1] === 'TYPE') current.type = meta[3]!;
      else current.help = meta[3]!;
      continue;
    }
    if (line.startsWith('#')) continue;
    const sample = parseSample(line);
    // prom-client writes each family's samples right after its TYPE line.
    if (!current || !sample.name.startsWith(current.name)) throw new Error(`sample outside its family: ${line}`);
    current.samples.push(sample);
  }
  return families;
}

function parseSample(line: string): Sample {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/.exec(line);
  if (!m) throw new Error(`not a sample line: ${line}`);
  return { name: m[1]!, labels: m[2] ? parseLabels(m[2]) : {}, value: Number(m[3]) };
}

function parseLabels(block: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g;
  let consumed = 1;
  for (const m of block.matchAll(re)) {
    if (m.index !== consumed) throw new Error(`malformed labels: ${block}`);
    labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_all, c: string) => (c === 'n' ? '\n' : c));
    consumed = m.index + m[0].length;
  }
  if (consumed !== block.length - 1) throw new Error(`malformed labels: ${block}`);
  return labels;
}

/** The label names a family's samples carry, without the structural `le`/`quantile`. */
export function sampleLabelNames(s: Sample): string[] {
  return Object.keys(s.labels)
    .filter((k) => !STRUCTURAL_LABELS.has(k))
    .sort();
}

/** Distinct series of a family: its samples' label sets without `le`/`quantile`. */
export function seriesOf(f: Family): Set<string> {
  const out = new Set<string>();
  for (const s of f.samples) {
    const names = sampleLabelNames(s);
    out.add(JSON.stringify(names.map((n) => [n, s.labels[n]])));
  }
  return out;
}
