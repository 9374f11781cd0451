// Policy sets for firewall unit tests, built in memory through the real
// loader (schema, references, compile), and the fixture files' shapes.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { buildFromSnapshot, formatProblem, type LoadResult } from '../../../src/policy/load.js';
import type { FirewallSettingsSpec, PolicySet } from '../../../src/policy/types.js';
import { FIXTURES } from '../../helpers/paths.js';
import { modelsYaml, providersYaml } from '../../helpers/policy-dir.js';

export const FIREWALL_FIXTURES = path.join(FIXTURES, 'firewall');

/** A firewall rule as written in policy (JSON is YAML). */
export type RuleSpec = Record<string, unknown>;

export function loadFirewallPolicy(rules: readonly RuleSpec[], firewall?: FirewallSettingsSpec): LoadResult {
  const doc = (kind: string, spec: unknown): string => JSON.stringify({ apiVersion: 'tokenrouter/v1', kind, metadata: { name: `test-${kind.toLowerCase()}` }, spec }, null, 1);
  const files = [
    { name: 'firewall.yaml', text: doc('FirewallRules', { rules }) },
    { name: 'models.yaml', text: modelsYaml() },
    { name: 'providers.yaml', text: providersYaml() },
    ...(firewall ? [{ name: 'settings.yaml', text: doc('Settings', { firewall }) }] : []),
  ];
  return buildFromSnapshot({ directory: 'mem', resolvedDirectory: 'mem', files, hash: 'test', bytes: 0 });
}

export function firewallPolicy(rules: readonly RuleSpec[], firewall?: FirewallSettingsSpec): PolicySet {
  const r = loadFirewallPolicy(rules, firewall);
  if (!r.ok) throw new Error(`test policy does not load:\n${r.problems.map(formatProblem).join('\n')}`);
  return r.set;
}

export function readFixture<T>(...parts: string[]): T {
  return parse(readFileSync(path.join(FIREWALL_FIXTURES, ...parts), 'utf8')) as T;
}

export function fixtureNames(dir: string): string[] {
  return readdirSync(path.join(FIREWALL_FIXTURES, dir))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}
