// The decision benchmark's workload: policy sets with 10, 100 or 1,000
// routing rules shaped like real deployments (keyword routing, per-tenant
// rules, task × mode rules, `when` trees with thresholds and `not`, a few
// catch-alls), over the demo catalog, and two requests (a short chat prompt
// and a 20 KB prompt). Deterministic, so runs compare.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { CanonicalRequest } from '../src/canonical/types.js';
import { buildFromSnapshot } from '../src/policy/load.js';
import type { PolicySet } from '../src/policy/types.js';

/** dist/bench/workload.js → repository root (dist/ has no package.json). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const DOMAIN = ['invoice', 'refund', 'chargeback', 'gdpr', 'hipaa', 'diagnosis', 'prescription', 'kubernetes', 'terraform', 'postgres',
  'stack trace', 'segfault', 'typescript', 'rust', 'golang', 'pull request', 'unit test', 'sql query', 'regex', 'spreadsheet',
  'contract', 'indemnity', 'nda', 'lawsuit', 'patent', 'tax return', 'payroll', 'mortgage', 'portfolio', 'earnings call',
  'haiku', 'sonnet', 'screenplay', 'lyrics', 'translate', 'japanese', 'german', 'mandarin', 'résumé', 'cover letter'];
const TASKS = ['summarize', 'classify', 'extract', 'translate', 'review', 'chat', 'codegen', 'qa', 'rewrite', 'moderate'];
const MODES = ['balance', 'cost', 'quality', 'latency'];
const PROVIDERS = ['openai', 'anthropic', 'gemini', 'mistral', 'deepseek'];

/** Keywords: domain terms plus product and project names, as large deployments route on. */
function keyword(r: () => number): string {
  const x = r();
  if (x < 0.3) return DOMAIN[Math.floor(r() * DOMAIN.length)]!;
  if (x < 0.65) return `sku-${1000 + Math.floor(r() * 9000)}`;
  return `project ${['atlas', 'borealis', 'cobalt', 'delta', 'ember', 'falcon', 'granite', 'harbor'][Math.floor(r() * 8)]}-${Math.floor(r() * 400)}`;
}

function rule(r: () => number, i: number): Record<string, unknown> {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const priority = pick([0, 0, 10, 10, 20, 50, 100, -10]);
  const action: Record<string, unknown> = { add_warning: { message: `rule ${i} applied` } };
  if (r() < 0.5) action.set_mode = pick(MODES);
  else if (r() < 0.3) action.set_provider = pick(PROVIDERS);
  const base = { name: `r${i}`, priority, action };
  const k = r();
  if (k < 0.4) return { ...base, match: { contains: Array.from({ length: 1 + Math.floor(r() * 4) }, () => keyword(r)) } };
  if (k < 0.65) return { ...base, match: { metadata_equals: { tenant: `tenant-${Math.floor(r() * 400)}` }, ...(r() < 0.3 ? { mode: pick(MODES) } : {}) } };
  if (k < 0.8) return { ...base, match: { task: pick(TASKS), mode: pick(MODES) } };
  if (k < 0.9) {
    return {
      ...base,
      when: { all: [{ fact: 'metadata', path: '$.tier', operator: 'equal', value: pick(['free', 'pro', 'enterprise']) }, { fact: 'input_chars', operator: 'greaterThan', value: pick([2000, 8000, 50000]) }, { fact: 'metadata', path: '$.region', operator: 'equal', value: `region-${Math.floor(r() * 20)}` }] },
    };
  }
  if (k < 0.95) {
    return {
      ...base,
      when: { all: [{ fact: 'has_tools', operator: 'equal', value: true }, { any: [{ fact: 'text', operator: 'containsText', value: [keyword(r), keyword(r)] }, { fact: 'metadata', path: '$.app', operator: 'equal', value: `app-${Math.floor(r() * 100)}` }] }] },
    };
  }
  return { ...base, when: { all: [{ fact: 'text', operator: 'containsText', value: keyword(r) }, { not: { fact: 'metadata', path: '$.tier', operator: 'equal', value: 'enterprise' } }] } };
}

/** Rules with no usable guard (evaluated on every request), as most policies have a couple. */
const UNGUARDED = [
  { name: 'non-enterprise-notice', priority: -100, when: { not: { fact: 'metadata', path: '$.tier', operator: 'equal', value: 'enterprise' } }, action: { add_warning: { message: 'shared capacity' } } },
  { name: 'regex-secret-hint', priority: -100, when: { fact: 'text', operator: 'matchesRegex', value: 'api[_-]?key\\s*[:=]' }, action: { add_warning: { message: 'possible secret' } } },
];

/** The RoutingRules YAML document with `rules` rules (also served by the server benchmark). */
export function routingRulesYaml(rules: number): string {
  const r = rng(rules);
  const generated = Array.from({ length: rules - UNGUARDED.length }, (_, i) => rule(r, i));
  return stringify({ apiVersion: 'tokenrouter/v1', kind: 'RoutingRules', metadata: { name: `bench-${rules}` }, spec: { rules: [...UNGUARDED, ...generated] } });
}

export function policySet(rules: number): PolicySet {
  const doc = routingRulesYaml(rules);
  const demo = path.join(REPO_ROOT, 'demo', 'policies');
  const files = ['providers.yaml', 'models.yaml'].map((name) => ({ name, text: readFileSync(path.join(demo, name), 'utf8').replaceAll('SIM_URL', 'http://127.0.0.1:9') }));
  files.push({ name: 'routing.yaml', text: doc });
  const res = buildFromSnapshot({ directory: 'bench', resolvedDirectory: 'bench', files, hash: `bench-${rules}`, bytes: 0 });
  if (!res.ok) throw new Error(`bench policy set is invalid: ${JSON.stringify(res.problems.slice(0, 3))}`);
  return res.set;
}

const PARAGRAPHS = [
  'The quarterly review covered revenue, churn and the migration of the billing service to the new cluster. ',
  'Several customers reported that exports time out when the report spans more than twelve months of data. ',
  'We agreed to keep the public API stable and to deprecate the legacy endpoints only after two release cycles. ',
  'function retry(fn, attempts) {\n  for (let i = 0; i < attempts; i++) {\n    try { return fn(); } catch (e) { if (i === attempts - 1) throw e; }\n  }\n}\n',
  'Open questions: who owns the on-call rotation for the ingestion pipeline, and whether the SLA covers weekends. ',
  'The draft mentions the invoice schedule for project atlas-17 and the renewal terms of the support contract. ',
  'Action items were assigned to the platform team; the next sync is planned for Thursday morning. ',
];

/** A short, typical chat request with tenant metadata. */
export function shortRequest(): CanonicalRequest {
  return {
    api: 'chat',
    model: 'auto',
    items: [
      { type: 'message', role: 'system', content: [{ type: 'text', text: 'You are a helpful assistant for the support team.' }] },
      { type: 'message', role: 'user', content: [{ type: 'text', text: 'Can you summarize the attached meeting notes and list the action items? Keep it under 200 words.' }] },
    ],
    tools: [],
    metadata: { tenant: 'tenant-42', tier: 'pro', task: 'summarize', region: 'region-3' },
    stream: true,
  };
}

/** A 20 KB prompt (meeting notes, prose and code) on the Responses API. */
export function longRequest(bytes = 20 * 1024): CanonicalRequest {
  const r = rng(7);
  let text = '';
  while (text.length < bytes) text += PARAGRAPHS[Math.floor(r() * PARAGRAPHS.length)]!;
  return {
    api: 'responses',
    model: 'auto:quality',
    instructions: 'Summarize the document for an executive audience.',
    items: [{ type: 'message', role: 'user', content: [{ type: 'text', text: text.slice(0, bytes) }] }],
    tools: [{ name: 'lookup_account', parameters: { type: 'object', properties: {} } }],
    metadata: { tenant: 'tenant-7', tier: 'enterprise', task: 'summarize', app: 'app-12' },
    stream: false,
  };
}
