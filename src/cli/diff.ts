// `tokenrouter diff --base DIR --head DIR --traffic FILE.jsonl [--format text|markdown|json] [--assume-credentials]`:
// replays recorded requests through two policy sets without calling a
// provider and reports, grouped, which requests change provider, model, mode,
// firewall outcome or warnings, with the estimated cost change. Exit 0 whether
// or not anything changed (the report is the product; CI decides what to do
// with it), 2 usage (missing flag, unreadable traffic file), 3 either policy
// set invalid (its problems on stderr, prefixed base:/head:).
import { readFile } from 'node:fs/promises';
import { formatProblem, loadPolicyDirectory } from '../policy/load.js';
import type { PolicySet } from '../policy/types.js';
import { diffPolicies, parseTraffic } from '../authoring/policy-diff.js';
import { DIFF_FORMATS, formatDiff, type DiffFormat } from '../authoring/policy-diff-format.js';
import { hasCredentials } from '../upstream/credentials.js';

export const DIFF_EXIT = { ok: 0, usage: 2, invalid: 3 } as const;

export interface DiffArgs {
  base?: string | undefined;
  head?: string | undefined;
  traffic?: string | undefined;
  format?: string | undefined;
  assumeCredentials?: boolean | undefined;
}

export async function diffCommand(args: DiffArgs, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const missing = (['base', 'head', 'traffic'] as const).filter((k) => !args[k]);
  if (missing.length) {
    err.write(`diff: ${missing.map((m) => `--${m}`).join(', ')} required\n`);
    return DIFF_EXIT.usage;
  }
  const format = (args.format ?? 'text') as DiffFormat;
  if (!DIFF_FORMATS.includes(format)) {
    err.write(`diff: --format must be one of ${DIFF_FORMATS.join(', ')}\n`);
    return DIFF_EXIT.usage;
  }
  let trafficText: string;
  try {
    trafficText = await readFile(args.traffic!, 'utf8');
  } catch (e) {
    err.write(`diff: cannot read traffic ${args.traffic}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
    return DIFF_EXIT.usage;
  }
  const base = await load('base', args.base!, err);
  const head = await load('head', args.head!, err);
  if (!base || !head) return DIFF_EXIT.invalid;
  const diff = await diffPolicies(base, head, parseTraffic(trafficText), { hasCredentials, assumeCredentials: args.assumeCredentials ?? false });
  out.write(formatDiff(diff, format));
  return DIFF_EXIT.ok;
}

async function load(label: string, directory: string, err: NodeJS.WritableStream): Promise<PolicySet | undefined> {
  const loaded = await loadPolicyDirectory(directory);
  if (loaded.ok) return loaded.set;
  for (const p of loaded.problems) err.write(`${label}: ${formatProblem(p)}\n`);
  err.write(`${loaded.problems.length} problem(s) in the ${label} policy set ${directory}\n`);
  return undefined;
}
