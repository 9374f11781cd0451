// Loads a policy directory together with its PolicyTest suites: documents of
// kind PolicyTest in the directory itself (part of the set, ignored when
// serving) and every *.yaml / *.yml in DIR/tests/ (PolicyTest only). Test
// files go through the same parser and JSON Schema validator as policy files,
// then through checks only the loaded set can answer (a caller that is no API
// key, a provider, model, rule or error code that does not exist, a duplicate
// case name), so every problem is reported as file:line:col.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { loadPolicyDirectory, sortProblems } from '../policy/load.js';
import { parsePolicyFiles } from '../policy/parse.js';
import type { SourceFile } from '../policy/source.js';
import type { PolicyProblem, PolicySet, PolicyTestCase, PolicyTestSpec } from '../policy/types.js';
import { suggestion, validateDocuments, type TypedDocument } from '../policy/validate-schema.js';
import { ERRORS } from '../errors/registry.js';
import { nameMatches } from '../routing/select.js';

export const TESTS_SUBDIRECTORY = 'tests';

export interface LoadedCase {
  case: PolicyTestCase;
  /** Where the case is declared, for the report. */
  file: string;
  line: number;
}

export interface LoadedSuite {
  name: string;
  file: string;
  assumeCredentials: boolean;
  cases: LoadedCase[];
}

export type SuiteLoad = { ok: true; set: PolicySet; suites: LoadedSuite[] } | { ok: false; problems: PolicyProblem[] };

export async function loadPolicyTests(directory: string): Promise<SuiteLoad> {
  const policy = await loadPolicyDirectory(directory);
  const problems: PolicyProblem[] = policy.ok ? [] : [...policy.problems];

  const testFiles = await readTestFiles(path.join(directory, TESTS_SUBDIRECTORY), problems);
  const parsed = parsePolicyFiles(testFiles);
  const checked = validateDocuments(parsed.documents);
  problems.push(...parsed.problems, ...checked.problems);
  const docs: TypedDocument[] = [];
  for (const doc of checked.typed) {
    if (doc.kind === 'PolicyTest') docs.push(doc);
    else {
      const { line, col } = doc.locate('/kind');
      problems.push({ file: doc.file, line, col, pointer: '/kind', message: `only PolicyTest documents belong in ${TESTS_SUBDIRECTORY}/; ${doc.kind} goes in the policy directory` });
    }
  }
  // PolicyTest documents inside the policy directory were validated by the
  // load above; read them again only to get at their cases and positions.
  if (policy.ok) {
    const own = validateDocuments(parsePolicyFiles(policy.snapshot.files).documents).typed;
    docs.unshift(...own.filter((d) => d.kind === 'PolicyTest'));
  }
  if (!policy.ok) return { ok: false, problems: sortProblems(problems) };
  // References are checked on the documents the schema accepted, so one run
  // reports a typo in one suite and a wrong rule name in another together.
  problems.push(...checkReferences(policy.set, docs.filter((d) => d.valid)));
  if (problems.length > 0) return { ok: false, problems: sortProblems(problems) };
  return { ok: true, set: policy.set, suites: docs.map(toSuite) };
}

async function readTestFiles(dir: string, problems: PolicyProblem[]): Promise<SourceFile[]> {
  let names: string[];
  try {
    names = (await fs.readdir(dir)).filter((n) => /^[^.].*\.ya?ml$/i.test(n)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []; // no tests/ folder: only in-directory suites
    throw err;
  }
  const files: SourceFile[] = [];
  for (const n of names) {
    const name = `${TESTS_SUBDIRECTORY}/${n}`;
    try {
      files.push({ name, text: await fs.readFile(path.join(dir, n), 'utf8') });
    } catch (err) {
      problems.push({ file: name, line: 0, col: 0, pointer: '', message: `cannot read file: ${(err as NodeJS.ErrnoException).code ?? String(err)}` });
    }
  }
  return files;
}

function toSuite(doc: TypedDocument): LoadedSuite {
  const spec = doc.value.spec as PolicyTestSpec;
  return {
    name: doc.name,
    file: doc.file,
    assumeCredentials: spec.assumeCredentials ?? true,
    cases: spec.cases.map((c, i) => ({ case: c, file: doc.file, line: doc.locate(`/spec/cases/${i}`).line })),
  };
}

/** What a schema cannot say: references into the loaded set, and unique case names. */
function checkReferences(set: PolicySet, docs: readonly TypedDocument[]): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  const callers = ['anonymous', ...set.apiKeys.map((k) => k.name)];
  const rules = set.routingRules.map((r) => r.name);
  const codes = Object.keys(ERRORS);
  const models = [...set.models.values()];
  const seen = new Map<string, string>();
  for (const doc of docs) {
    const spec = doc.value.spec as PolicyTestSpec;
    spec.cases.forEach((c, i) => {
      const at = `/spec/cases/${i}`;
      const report = (sub: string, message: string): void => {
        const { line, col } = doc.locate(at + sub);
        problems.push({ file: doc.file, line, col, pointer: at + sub, message });
      };
      const first = seen.get(c.name);
      if (first) report('/name', `duplicate case name "${c.name}" (first in ${first})`);
      else seen.set(c.name, `${doc.file}:${doc.locate(at).line}`);
      if (c.caller !== undefined && !callers.includes(c.caller)) report('/caller', `unknown caller "${c.caller}": not an ApiKeys name${didYouMean(c.caller, callers)}`);
      const e = c.expect;
      if (e.provider !== undefined && !set.providers.has(e.provider)) report('/expect/provider', `unknown provider "${e.provider}"${didYouMean(e.provider, [...set.providers.keys()])}`);
      if (e.model !== undefined && !knownModel(set, e.model)) report('/expect/model', `unknown model "${e.model}"${didYouMean(e.model, models.map((m) => m.name))}`);
      (e.rules ?? []).forEach((r, j) => {
        if (!rules.includes(r)) report(`/expect/rules/${j}`, `unknown routing rule "${r}"${didYouMean(r, rules)}`);
      });
      const fwRules = set.firewallRules.map((r) => r.name);
      [...(e.firewallRules ?? []).map((r, j) => [r, `/expect/firewallRules/${j}`] as const), ...(e.blockedBy !== undefined ? [[e.blockedBy, '/expect/blockedBy'] as const] : [])].forEach(([r, sub]) => {
        if (!fwRules.includes(r)) report(sub, `unknown firewall rule "${r}"${didYouMean(r, fwRules)}`);
      });
      if (e.error !== undefined && !codes.includes(e.error)) report('/expect/error', `unknown error code "${e.error}"${didYouMean(e.error, codes)}`);
    });
  }
  return problems;
}

function knownModel(set: PolicySet, ref: string): boolean {
  if (ref.includes('/')) return set.models.has(ref);
  return [...set.models.values()].some((m) => nameMatches(m, ref));
}

/** A close name, if there is one; long lists of valid names would drown the message. */
function didYouMean(name: string, valid: readonly string[]): string {
  const s = suggestion(name, valid);
  return s.startsWith(' (did you mean') ? s : '';
}
