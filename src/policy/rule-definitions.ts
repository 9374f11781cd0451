// Compiles a routing rule — TokenRouter's `match` sugar and/or a raw `when`
// condition — into one json-rules-engine rule definition. Everything compiles to
// the same engine, so `match` and `when` cannot disagree about semantics.
//   contains        → text containsText [lower-cased needles]  (any of)
//   metadata_equals → metadata hasEntry {key, value}           (each key)
//   mode            → mode equal value
//   task            → task equal value
import type { RoutingRuleSpec, RuleDefinition } from './types.js';

/** json-rules-engine wants priority >= 1; ours spans -1000..1000. */
export const ENGINE_PRIORITY_OFFSET = 1001;

export function ruleDefinition(rule: RoutingRuleSpec): RuleDefinition {
  const all: unknown[] = [];
  const m = rule.match ?? {};
  if (m.contains !== undefined) {
    const needles = (Array.isArray(m.contains) ? m.contains : [m.contains]).map((s) => s.toLowerCase());
    all.push({ fact: 'text', operator: 'containsText', value: needles });
  }
  for (const [key, value] of Object.entries(m.metadata_equals ?? {})) {
    all.push({ fact: 'metadata', operator: 'hasEntry', value: { key, value } });
  }
  if (m.mode !== undefined) all.push({ fact: 'mode', operator: 'equal', value: m.mode });
  if (m.task !== undefined) all.push({ fact: 'task', operator: 'equal', value: m.task });
  if (rule.when !== undefined) all.push(structuredClone(rule.when));
  return {
    name: rule.name,
    priority: (rule.priority ?? 0) + ENGINE_PRIORITY_OFFSET,
    conditions: { all },
    event: { type: 'route', params: { rule: rule.name } },
  };
}
