// Loads the JSON Schemas in schemas/ (one per policy kind, shared with editors
// through the `# yaml-language-server: $schema=` line) and compiles each once.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import type { PolicyKind } from './types.js';

export const SCHEMA_FILES: Readonly<Record<PolicyKind, string>> = {
  Providers: 'providers.schema.json',
  Models: 'models.schema.json',
  RoutingRules: 'routing-rules.schema.json',
  FirewallRules: 'firewall-rules.schema.json',
  ApiKeys: 'api-keys.schema.json',
  Settings: 'settings.schema.json',
  PolicyTest: 'policy-test.schema.json',
};

/** The repository's schemas/ folder, found from this module (works from src/ and dist/src/). */
export function schemasDirectory(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'schemas');
    if (existsSync(path.join(candidate, 'common.schema.json'))) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error('schemas/ directory not found next to the package');
}

let compiled: ReadonlyMap<PolicyKind, ValidateFunction> | undefined;

/** Validators per kind, compiled on first use and then shared. */
export function kindValidators(): ReadonlyMap<PolicyKind, ValidateFunction> {
  if (compiled) return compiled;
  const dir = schemasDirectory();
  const load = (file: string): object => JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as object;
  // strictTypes off: `contains` is deliberately string-or-array with per-type keywords.
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictTypes: false, strictRequired: false, useDefaults: false });
  ajv.addSchema(load('common.schema.json'), 'common.schema.json');
  const map = new Map<PolicyKind, ValidateFunction>();
  for (const [kind, file] of Object.entries(SCHEMA_FILES) as [PolicyKind, string][]) {
    ajv.addSchema(load(file), file);
    const fn = ajv.getSchema(file);
    if (!fn) throw new Error(`schema ${file} did not compile`);
    map.set(kind, fn);
  }
  compiled = map;
  return map;
}
