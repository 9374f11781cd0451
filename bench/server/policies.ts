// Policy directories for the router under test, all over the demo catalog
// (demo/policies, SIM_URL replaced by the simulator's address, as
// `tokenrouter demo` does):
//   a  shipped:    the demo policies as they are (2 routing rules, 2 firewall rules);
//   b  100+10:     100 generated routing rules (bench/workload.ts) and 10 regex
//                  firewall rules (bench/firewall.ts) that mask;
//   c  1000 rules: 1,000 generated routing rules, the demo firewall;
//   b-cache       (b) plus a Settings document turning the response cache on
//                 (Settings.cache.enabled): a repeated request is a cache hit.
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DEMO_KEY_ENVS } from '../../src/cli/demo-stack.js';
import { REGEX_RULES } from '../firewall.js';
import { REPO_ROOT, routingRulesYaml } from '../workload.js';

export type Variant = 'a' | 'b' | 'c' | 'b-cache';
export const VARIANTS: Record<Variant, string> = { a: 'shipped policies', b: '100 rules + 10 fw regex', c: '1,000 rules', 'b-cache': '100 rules + 10 fw regex, response cache on' };

/** The simulator does not check keys here; the router only needs the variables set. */
export const KEY_ENV: Record<string, string> = Object.fromEntries(DEMO_KEY_ENVS.map((k) => [k, 'sim-key']));

export async function policyDir(simUrl: string, variant: Variant): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `tokenrouter-bench-${variant}-`));
  const demo = path.join(REPO_ROOT, 'demo', 'policies');
  for (const name of await readdir(demo)) {
    await writeFile(path.join(dir, name), (await readFile(path.join(demo, name), 'utf8')).replaceAll('SIM_URL', simUrl));
  }
  const b = variant === 'b' || variant === 'b-cache';
  if (b) await writeFile(path.join(dir, 'routing.yaml'), routingRulesYaml(100));
  if (variant === 'c') await writeFile(path.join(dir, 'routing.yaml'), routingRulesYaml(1000));
  if (b) {
    const rules = REGEX_RULES.map(([name, pattern]) => ({ name, scope: 'prompt', type: 'regex', pattern, action: 'mask' }));
    await writeFile(path.join(dir, 'firewall.yaml'), JSON.stringify({ apiVersion: 'tokenrouter/v1', kind: 'FirewallRules', metadata: { name: 'bench-firewall' }, spec: { rules } }));
  }
  if (variant === 'b-cache') {
    // Only the cache: every other setting keeps its default, so a hit's cost compares with (b)'s request.
    await writeFile(path.join(dir, 'settings.yaml'), JSON.stringify({ apiVersion: 'tokenrouter/v1', kind: 'Settings', metadata: { name: 'bench-cache' }, spec: { cache: { enabled: true } } }));
  }
  return dir;
}
