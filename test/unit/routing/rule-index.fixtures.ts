// Generated workloads for the rule-index differential test: rule sets mixing
// every condition kind the policy language allows (match sugar, when-trees
// with all/any/not, numeric comparisons, paths, equal-priority ties, disabled
// rules), plus "probe" rules whose only way to match runs through a part of a
// condition the index must NOT treat as a guard (a `not`, an `any` with an
// unguarded child, an empty `any`, a path on a non-object fact). A guard that
// got any of these wrong would drop a matching rule and fail the comparison.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { buildFromSnapshot } from '../../../src/policy/load.js';
import type { PolicySet } from '../../../src/policy/types.js';
import type { FactsInput } from '../../../src/routing/facts.js';
import { FIXTURES } from '../../helpers/paths.js';

/** A deterministic pseudo-random generator, so failures reproduce. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

// Overlapping needles (co / code / coder / decode), mixed case and non-ASCII on purpose.
export const WORDS = ['code', 'coder', 'decode', 'co', 'legal', 'poem', 'invoice', 'python', 'SQL', 'haiku', 'tax', 'Straße', 'ÄPFEL', 'naïve', 'résumé', 'contract', 'hello', 'ode', 'ai', 'summary'];
const TASKS = ['summarize', 'review', 'chat', 'translate', 'sum'];
const TIERS = ['free', 'pro', 'enterprise'];
const MODES = ['balance', 'cost', 'quality', 'latency'] as const;
const MODELS = ['auto', 'auto:cost', 'gpt-4o', 'GPT-4o-MINI', 'claude-sonnet', 'openai/gpt-4o'];
const KEYS = ['anonymous', 'team-a', 'team-b'];
const LIMITS = [0, 10, 40, 80, 200, 1000];

function leaf(r: Rand): object {
  switch (Math.floor(r() * 17)) {
    case 0:
      return { fact: 'text', operator: 'containsText', value: pick(r, WORDS) };
    case 1:
      return { fact: 'text', operator: 'containsText', value: [pick(r, WORDS), pick(r, WORDS), pick(r, WORDS)] };
    case 2:
      return { fact: 'mode', operator: 'equal', value: pick(r, MODES) };
    case 3:
      return { fact: 'task', operator: 'equal', value: pick(r, TASKS) };
    case 4:
      return { fact: 'metadata', path: '$.tier', operator: 'equal', value: pick(r, TIERS) };
    case 5:
      return { fact: 'input_chars', operator: pick(r, ['lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive']), value: pick(r, LIMITS) };
    case 6:
      return { fact: 'model', operator: 'equal', value: pick(r, MODELS) };
    case 7:
      return { fact: 'api', operator: 'equal', value: pick(r, ['responses', 'chat']) };
    case 8:
      return { fact: pick(r, ['stream', 'has_tools', 'has_images']), operator: 'equal', value: r() < 0.5 };
    case 9:
      return { fact: 'mode', operator: pick(r, ['in', 'notIn']), value: [pick(r, MODES), pick(r, MODES)] };
    case 10:
      return { fact: 'task', operator: 'in', value: 'summarize,review' }; // substring semantics: "sum" is "in" it
    case 11:
      return { fact: 'api_key', operator: 'notEqual', value: pick(r, KEYS) };
    case 12:
      return { fact: 'model', operator: 'startsWith', value: pick(r, ['gpt', 'auto', 'claude']) };
    case 13:
      return { fact: 'text', operator: 'matchesRegex', value: pick(r, ['\\bco\\w+', 'tax|legal', '^hello']) };
    case 14:
      return { fact: 'metadata', path: '$.region.zone', operator: 'equal', value: 'eu-1' }; // never present: resolves to undefined
    case 15:
      return { fact: 'model', operator: 'containsText', value: pick(r, ['gpt', 'MINI', 'cost']) };
    default:
      return { fact: 'text', operator: 'doesNotContain', value: 'x' }; // the fact is never an array: always false
  }
}

function tree(r: Rand, depth: number): object {
  if (depth >= 3 || r() < 0.35) return leaf(r);
  const n = 1 + Math.floor(r() * 3);
  const kids = () => Array.from({ length: n }, () => tree(r, depth + 1));
  const k = r();
  if (k < 0.4) return { all: kids() };
  if (k < 0.8) return { any: kids() };
  return { not: tree(r, depth + 1) };
}

/** Rules whose matches depend on a condition part the index must treat as unguarded. */
const PROBES: object[] = [
  { name: 'probe-any-with-not', when: { any: [{ fact: 'text', operator: 'containsText', value: 'qqq-never' }, { not: { fact: 'mode', operator: 'equal', value: 'cost' } }] } },
  { name: 'probe-not-in-all', when: { all: [{ not: { fact: 'text', operator: 'containsText', value: 'code' } }, { fact: 'mode', operator: 'equal', value: 'quality' }] } },
  { name: 'probe-empty-any', when: { any: [] } },
  { name: 'probe-catch-all' },
  { name: 'probe-path-on-string', when: { fact: 'mode', path: '$.anything', operator: 'equal', value: 'latency' } },
  { name: 'probe-in-substring', when: { fact: 'task', operator: 'in', value: 'summarize,review' } },
  { name: 'probe-any-numeric', when: { any: [{ fact: 'input_chars', operator: 'greaterThan', value: 200 }, { fact: 'metadata', path: '$.tier', operator: 'equal', value: 'pro' }] } },
];
export const PROBE_NAMES = PROBES.map((p) => (p as { name: string }).name);

function ruleSpec(r: Rand, i: number): object {
  const rule: Record<string, unknown> = { name: `rule-${i}`, priority: pick(r, [0, 0, 5, 10, 10, 50, -3]) };
  if (r() < 0.05) rule.enabled = false;
  const kind = Math.floor(r() * 4);
  const match: Record<string, unknown> = {};
  if (kind === 0 || r() < 0.2) match.contains = r() < 0.5 ? pick(r, WORDS) : [pick(r, WORDS), pick(r, WORDS)];
  if (kind === 1) {
    if (r() < 0.6) match.mode = pick(r, MODES);
    if (r() < 0.6) match.task = pick(r, TASKS);
    if (r() < 0.5) match.metadata_equals = { tier: pick(r, TIERS), ...(r() < 0.3 ? { region: 'eu' } : {}) };
  }
  if (Object.keys(match).length > 0) rule.match = match;
  if (kind >= 2) rule.when = tree(r, 0);
  rule.action = { set_mode: pick(r, MODES), add_warning: { message: `w${i}` } };
  return rule;
}

/** A policy set with `count` generated rules plus the probes, spread over the priorities above. */
export function generatedPolicySet(count: number, seed: number): PolicySet {
  const r = rng(seed);
  const rules = Array.from({ length: count }, (_, i) => ruleSpec(r, i));
  for (const [i, p] of PROBES.entries()) {
    rules.splice(Math.floor(r() * rules.length), 0, { ...p, priority: pick(r, [0, 10]), action: { add_warning: { message: `probe${i}` } } });
  }
  const doc = stringify({ apiVersion: 'tokenrouter/v1', kind: 'RoutingRules', metadata: { name: 'generated' }, spec: { rules } });
  const minimal = path.join(FIXTURES, 'policies', 'valid', 'minimal');
  const files = ['providers.yaml', 'models.yaml'].map((name) => ({ name, text: readFileSync(path.join(minimal, name), 'utf8') }));
  files.push({ name: 'rules.yaml', text: doc });
  const res = buildFromSnapshot({ directory: 'generated', resolvedDirectory: 'generated', files, hash: `gen-${count}-${seed}`, bytes: 0 });
  if (!res.ok) throw new Error(`generated policy is invalid: ${JSON.stringify(res.problems.slice(0, 3))}`);
  return res.set;
}

export function randomRequest(r: Rand): FactsInput {
  const n = 1 + Math.floor(r() * 8);
  const words = Array.from({ length: n }, () => {
    const w = pick(r, WORDS);
    return r() < 0.2 ? w.toUpperCase() : w;
  });
  // Glue some words together so needles also occur inside other words.
  let text = words.join(r() < 0.2 ? '' : ' ');
  if (r() < 0.15) text += ' filler'.repeat(Math.floor(r() * 60));
  const metadata: Record<string, string> = {};
  if (r() < 0.6) metadata.tier = pick(r, TIERS);
  if (r() < 0.5) metadata.task = pick(r, TASKS);
  if (r() < 0.2) metadata.region = 'eu';
  return {
    text,
    metadata,
    mode: pick(r, MODES),
    model: pick(r, MODELS),
    api: r() < 0.5 ? 'responses' : 'chat',
    stream: r() < 0.5,
    hasTools: r() < 0.3,
    hasImages: r() < 0.1,
    apiKey: pick(r, KEYS),
  };
}
