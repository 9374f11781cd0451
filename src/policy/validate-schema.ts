// Step one of validation: every document has the kubectl envelope and matches
// the JSON Schema of its kind. Ajv errors become readable problems located at
// file:line:col through the YAML syntax tree.
import type { ErrorObject } from 'ajv';
import type { ParsedDocument } from './parse.js';
import { kindValidators } from './schemas.js';
import { POLICY_API_VERSION, POLICY_KINDS, type PolicyKind, type PolicyProblem } from './types.js';

export interface TypedDocument extends ParsedDocument {
  kind: PolicyKind;
  name: string;
  /** False when the schema rejected the document; its items are checked best-effort. */
  valid: boolean;
  value: { apiVersion: string; kind: PolicyKind; metadata: { name: string }; spec: any };
}

export function validateDocuments(docs: readonly ParsedDocument[]): { typed: TypedDocument[]; problems: PolicyProblem[] } {
  const validators = kindValidators();
  const typed: TypedDocument[] = [];
  const problems: PolicyProblem[] = [];
  for (const doc of docs) {
    const problem = (pointer: string, message: string, key?: string): void => {
      const { line, col } = doc.locate(pointer, key);
      problems.push({ file: doc.file, line, col, pointer: pointer || '/', message });
    };
    const v = doc.value;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      problem('', `a policy document must be a mapping with apiVersion, kind, metadata and spec`);
      continue;
    }
    const kind = (v as Record<string, unknown>).kind;
    if (typeof kind !== 'string' || !(POLICY_KINDS as readonly string[]).includes(kind)) {
      const got = typeof kind === 'string' ? `unknown kind "${kind}"` : 'missing kind';
      problem(typeof kind === 'string' ? '/kind' : '', `${got}; expected one of: ${POLICY_KINDS.join(', ')}`);
      continue;
    }
    const validate = validators.get(kind as PolicyKind)!;
    const valid = validate(v);
    if (!valid) {
      for (const e of relevantErrors(validate.errors ?? [])) {
        const { pointer, message, key } = describe(e);
        problem(pointer, message, key);
      }
    }
    // Invalid documents still go on to the reference checks (which guard every
    // field they read), so one run reports a typo and a bad reference together.
    const name = String((v as any).metadata?.name ?? '');
    typed.push({ ...doc, kind: kind as PolicyKind, name, valid, value: v as TypedDocument['value'] });
  }
  return { typed, problems };
}

/** `if`/`then` wrappers repeat what their branch already reported. */
function relevantErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  const seen = new Set<string>();
  const out: ErrorObject[] = [];
  for (const e of errors) {
    if (e.keyword === 'if') continue;
    const d = describe(e);
    const id = `${d.pointer}\0${d.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(e);
  }
  return out;
}

function describe(e: ErrorObject): { pointer: string; message: string; key?: string } {
  const at = e.instancePath;
  const p = e.params as Record<string, any>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(p.additionalProperty);
      const allowed = allowedKeys(e);
      const hint = allowed.length ? suggestion(key, allowed) : '';
      return { pointer: `${at}/${escape(key)}`, message: `unknown property "${key}"${hint}`, key };
    }
    case 'required':
      return { pointer: at, message: `missing required property "${p.missingProperty}"` };
    case 'enum':
      return { pointer: at, message: `must be one of: ${(p.allowedValues as unknown[]).join(', ')}` };
    case 'const':
      return { pointer: at, message: at === '/apiVersion' ? `must be "${POLICY_API_VERSION}"` : `must be ${JSON.stringify(p.allowedValue)}` };
    case 'type':
      return { pointer: at, message: `must be ${Array.isArray(p.type) ? p.type.join(' or ') : p.type}` };
    case 'pattern':
      return { pointer: at, message: `does not match the expected format ${p.pattern}` };
    default:
      return { pointer: at, message: e.message ?? e.keyword };
  }
}

function allowedKeys(e: ErrorObject): string[] {
  const props = (e.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
  return props ? Object.keys(props) : [];
}

function escape(seg: string): string {
  return seg.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** " (did you mean "x"?)" when an allowed key is within edit distance 2. */
export function suggestion(key: string, allowed: readonly string[]): string {
  let best: string | undefined;
  let bestD = 3;
  for (const a of allowed) {
    const d = editDistance(key.toLowerCase(), a.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = a;
    }
  }
  return best ? ` (did you mean "${best}"?)` : `; allowed: ${allowed.join(', ')}`;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
