// How a compiled rule looks in the rules API: the hosted product's SDK shapes
// (numeric `id`, `is_enabled`, `match_json`, `action_json`, `created_at`,
// `updated_at`, `user_id`), plus the router's own fields (`object`,
// `description`, `when`, `fallback`, `source`) that the SDK ignores.
// docs/clients/hosted-contract-rules.md lists the mapping.
import type { CompiledFirewallRule, CompiledRoutingRule, RoutingMode } from '../../policy/types.js';

/**
 * Policy rules belong to the deployment, not to a user account, so `user_id`
 * (a number in the SDK) is always 0: no user owns them.
 */
export const POLICY_USER_ID = 0;

/** The hosted match.mode vocabulary (fast | balanced | quality); `cost` has no hosted name and stays `cost`. */
const HOSTED_MATCH_MODE: Readonly<Record<RoutingMode, string>> = { balance: 'balanced', latency: 'fast', quality: 'quality', cost: 'cost' };

export function routingRuleView(r: CompiledRoutingRule) {
  const m = r.spec.match ?? {};
  const a = r.spec.action;
  return {
    id: r.id,
    object: 'routing_rule',
    name: r.name,
    description: r.spec.description ?? null,
    is_enabled: r.enabled,
    priority: r.priority,
    match_json: {
      ...(m.contains !== undefined ? { contains: m.contains } : {}),
      ...(m.metadata_equals !== undefined ? { metadata_equals: m.metadata_equals } : {}),
      ...(m.mode !== undefined ? { mode: HOSTED_MATCH_MODE[m.mode] } : {}),
      ...(m.task !== undefined ? { task: m.task } : {}),
    },
    action_json: {
      ...(a.set_provider !== undefined ? { set_provider: a.set_provider } : {}),
      ...(a.set_model !== undefined ? { set_model: a.set_model } : {}),
      ...(a.set_mode !== undefined ? { set_mode: a.set_mode } : {}),
      ...(a.add_warning !== undefined ? { add_warning: { message: a.add_warning.message } } : {}),
    },
    // Router-only: a json-rules-engine condition ANDed with match_json, and the failover chain.
    when: r.spec.when ?? null,
    fallback: a.fallback ?? null,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    user_id: POLICY_USER_ID,
    source: `${r.source.file}:${r.source.line}`,
  };
}

export function firewallRuleView(r: CompiledFirewallRule) {
  return {
    id: r.id,
    object: 'firewall_rule',
    name: r.name,
    description: r.spec.description ?? null,
    is_enabled: r.enabled,
    priority: r.priority,
    scope: r.spec.scope,
    // substring | regex as in the SDK; `detector` (a built-in detector, pattern = its name) is the router's own.
    type: r.spec.type,
    pattern: r.spec.pattern,
    action: r.spec.action,
    replacement: r.spec.action === 'mask' ? r.replacement : (r.spec.replacement ?? null),
    when: r.spec.when ?? null,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    user_id: POLICY_USER_ID,
    source: `${r.source.file}:${r.source.line}`,
  };
}
