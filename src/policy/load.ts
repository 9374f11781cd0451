// The whole load, as one transaction: read a directory snapshot, parse, check
// schemas and references, compile. Either a complete PolicySet or every problem
// found, sorted — never a partial set.
import { assemble } from './assemble.js';
import { compilePolicySet } from './compile.js';
import { parsePolicyFiles } from './parse.js';
import { readPolicySource, SourceError, type SourceSnapshot } from './source.js';
import type { PolicyProblem, PolicySet } from './types.js';
import { validateDocuments } from './validate-schema.js';
import { validateReferences } from './validate-references.js';
import { staticWarnings } from './checks/static.js';

export type LoadResult =
  | {
      ok: true;
      set: PolicySet;
      snapshot: SourceSnapshot;
      /** Suspicious but valid (checks/static.ts): printed by `validate` as `warning:`, never a reason to reject a reload. */
      warnings: PolicyProblem[];
    }
  | { ok: false; problems: PolicyProblem[]; snapshot?: SourceSnapshot };

export interface LoadOptions {
  maxBytes?: number;
}

export async function loadPolicyDirectory(directory: string, opts: LoadOptions = {}): Promise<LoadResult> {
  let snapshot: SourceSnapshot;
  try {
    snapshot = await readPolicySource(directory, opts.maxBytes);
  } catch (err) {
    if (err instanceof SourceError) {
      return { ok: false, problems: [{ file: err.file, line: 0, col: 0, pointer: '', message: err.message }] };
    }
    throw err;
  }
  return buildFromSnapshot(snapshot);
}

export function buildFromSnapshot(snapshot: SourceSnapshot): LoadResult {
  if (snapshot.files.length === 0) {
    return { ok: false, snapshot, problems: [{ file: '', line: 0, col: 0, pointer: '', message: 'no *.yaml or *.yml policy files in the policy directory' }] };
  }
  const parsed = parsePolicyFiles(snapshot.files);
  const schema = validateDocuments(parsed.documents);
  const assembled = assemble(schema.typed);
  const problems = [...parsed.problems, ...schema.problems, ...validateReferences(assembled)];
  if (problems.length > 0) return { ok: false, snapshot, problems: sortProblems(problems) };
  const set = compilePolicySet({
    assembled,
    version: snapshot.hash,
    directory: snapshot.directory,
    files: snapshot.files.map((f) => f.name),
  });
  return { ok: true, set, snapshot, warnings: sortProblems(staticWarnings(assembled)) };
}

export function sortProblems(problems: PolicyProblem[]): PolicyProblem[] {
  return problems.sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col || a.pointer.localeCompare(b.pointer) || a.message.localeCompare(b.message),
  );
}

export function formatProblem(p: PolicyProblem): string {
  const where = p.file ? `${p.file}:${p.line}:${p.col}` : '(policy set)';
  return `${where}: ${p.pointer || '/'} ${p.message}`;
}
