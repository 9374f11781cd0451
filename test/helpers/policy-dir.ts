// Temporary policy directories for integration tests: a minimal VALID policy
// set (one provider, one model, one routing rule) as a {fileName: text} map,
// variants of it (an extra rule, an extra RoutingRules file, a schema typo),
// and helpers to write such maps into a plain directory atomically.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A policy set as the files of a directory (or the keys of a ConfigMap). */
export type PolicyFiles = Record<string, string>;

export interface RuleOptions {
  priority?: number;
  task?: string;
}

export const PROVIDER = 'p1';
export const MODEL = 'm1';
export const BASE_RULE = 'base-rule';

export function providersYaml(): string {
  return [
    'apiVersion: tokenrouter/v1',
    'kind: Providers',
    'metadata:',
    '  name: test-providers',
    'spec:',
    '  providers:',
    `    - name: ${PROVIDER}`,
    '      type: openai',
    '      baseUrl: http://127.0.0.1:9/v1',
    '      apiKeyEnv: P1_API_KEY',
    '',
  ].join('\n');
}

export function modelsYaml(): string {
  return [
    'apiVersion: tokenrouter/v1',
    'kind: Models',
    'metadata:',
    '  name: test-models',
    'spec:',
    '  models:',
    `    - name: ${MODEL}`,
    `      provider: ${PROVIDER}`,
    '      pricing: { input: 1.0, output: 2.0 }',
    '      quality: 0.5',
    '      contextWindow: 8192',
    '      capabilities: [tools, streaming]',
    '',
  ].join('\n');
}

function ruleLines(name: string, opts: RuleOptions = {}, priorityKey = 'priority'): string[] {
  return [
    `    - name: ${name}`,
    `      ${priorityKey}: ${opts.priority ?? 10}`,
    '      match:',
    `        task: ${opts.task ?? `task-${name}`}`,
    '      action:',
    `        set_provider: ${PROVIDER}`,
    `        set_model: ${MODEL}`,
  ];
}

/** A RoutingRules document holding the given rules (names), in order. */
export function routingYaml(ruleNames: readonly string[], docName = 'test-routing'): string {
  return [
    'apiVersion: tokenrouter/v1',
    'kind: RoutingRules',
    'metadata:',
    `  name: ${docName}`,
    'spec:',
    '  rules:',
    ...ruleNames.flatMap((n, i) => ruleLines(n, { priority: 100 - i })),
    '',
  ].join('\n');
}

/** The minimal valid set: providers.yaml, models.yaml, routing.yaml (rule `base-rule`). */
export function validPolicyFiles(extraRules: readonly string[] = []): PolicyFiles {
  return {
    'providers.yaml': providersYaml(),
    'models.yaml': modelsYaml(),
    'routing.yaml': routingYaml([BASE_RULE, ...extraRules]),
  };
}

/** A copy of `files` whose routing.yaml also declares rule `name`. */
export function withRoutingRule(files: PolicyFiles, name: string): PolicyFiles {
  const current = files['routing.yaml'];
  if (current === undefined) throw new Error('withRoutingRule: the set has no routing.yaml');
  return { ...files, 'routing.yaml': current.replace(/\n$/, '') + '\n' + ruleLines(name, { priority: 1 }).join('\n') + '\n' };
}

/** A separate valid file (a second RoutingRules document) declaring `ruleName`. */
export function extraRulesFile(ruleName: string, docName = `extra-${ruleName}`): string {
  return routingYaml([ruleName], docName);
}

export interface InvalidText {
  text: string;
  /** Where the typo'd key is (1-based, as the router reports it). */
  line: number;
  col: number;
  pointer: string;
  typo: string;
}

/**
 * A RoutingRules document with a schema error: rule `ruleName` spells
 * `priority` as `priorty` (an unknown property). Everything else is valid.
 */
export function typoRulesFile(ruleName: string, docName = `extra-${ruleName}`): InvalidText {
  const typo = 'priorty';
  const text = [
    'apiVersion: tokenrouter/v1',
    'kind: RoutingRules',
    'metadata:',
    `  name: ${docName}`,
    'spec:',
    '  rules:',
    ...ruleLines(ruleName, { priority: 5 }, typo),
    '',
  ].join('\n');
  const lines = text.split('\n');
  const idx = lines.findIndex((l) => l.includes(`${typo}:`));
  return { text, line: idx + 1, col: lines[idx]!.indexOf(typo) + 1, pointer: `/spec/rules/0/${typo}`, typo };
}

/** A Providers document with a schema typo (`baseUlr`): on its own, never a valid set. */
export function brokenProvidersYaml(): string {
  return providersYaml().replace('baseUrl:', 'baseUlr:');
}

// ---- directories ---------------------------------------------------------

const created = new Set<string>();

/** A fresh empty directory under os.tmpdir(), removed by cleanupPolicyDirs(). */
export async function makeTempDir(prefix = 'tokenrouter-policy-'): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  created.add(dir);
  return dir;
}

/** A plain (non-ConfigMap) policy directory holding `files` (default: the minimal valid set). */
export async function makePolicyDir(files: PolicyFiles = validPolicyFiles()): Promise<string> {
  const dir = await makeTempDir();
  for (const [name, text] of Object.entries(files)) await fs.writeFile(path.join(dir, name), text);
  return dir;
}

let tmpCounter = 0;

/**
 * Replace (or create) `dir/name` atomically: write a hidden temp file, then
 * rename it over the target, so a reader never sees a half-written file.
 */
export async function writeFileAtomic(dir: string, name: string, text: string): Promise<void> {
  const tmp = path.join(dir, `.${name}.tmp-${process.pid}-${tmpCounter++}`);
  await fs.writeFile(tmp, text);
  await fs.rename(tmp, path.join(dir, name));
}

export async function removeDir(dir: string): Promise<void> {
  created.delete(dir);
  await fs.rm(dir, { recursive: true, force: true });
}

/** Remove every directory made by makeTempDir/makePolicyDir that still exists. */
export async function cleanupPolicyDirs(): Promise<void> {
  for (const dir of [...created]) await removeDir(dir);
}
