// The drills the end-to-end tests of traces and the console share, over the
// metered models of test/integration/shared-state-stack.ts: a routing rule
// that sends requests tagged metadata.drill=failover to a model the simulator
// always fails (metered-broken; the 500 is retried, then fails over to
// openai/metered), and a firewall rule that blocks a phrase. Tests add their
// own rules beside them.
export const FAILOVER_RULE = '{ name: broken-first, priority: 300, match: { metadata_equals: { drill: failover } }, action: { set_model: metered-broken, fallback: [openai/metered] } }';
export const BLOCK_RULE = '{ name: no-launch-codes, priority: 90, scope: prompt, type: substring, pattern: "launch codes", action: block }';
export const MASK_ZEBRA_RULE = '{ name: mask-zebra, priority: 80, scope: prompt, type: substring, pattern: "zebra", action: mask, replacement: "[ANIMAL]" }';

/** A RoutingRules or FirewallRules document named `name` holding `rules` (flow-style YAML, one per line). */
export function rulesYaml(kind: 'RoutingRules' | 'FirewallRules', name: string, rules: readonly string[]): string {
  return `apiVersion: tokenrouter/v1\nkind: ${kind}\nmetadata: { name: ${name} }\nspec:\n  rules:\n${rules.map((r) => `    - ${r}\n`).join('')}`;
}
