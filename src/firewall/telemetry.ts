// What the firewall tells operators: one counter increment per rule that acted
// on a request (tokenrouter_firewall_actions_total{rule,action,scope}) and one
// log line per screening with each rule's name, action and match count. The
// matched text never leaves the firewall: not in a label, not in a log field.
import type { PolicySet } from '../policy/types.js';
import type { Logger } from '../telemetry/log.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { FirewallScope } from './rules.js';
import type { RuleHit } from './screen.js';

export type FirewallReporter = (scope: FirewallScope, hits: readonly RuleHit[]) => void;

export function firewallReporter(metrics: Metrics, logger: Logger, set: PolicySet, requestId: string): FirewallReporter {
  return (scope, hits) => {
    if (hits.length === 0) return;
    for (const h of hits) metrics.firewallActions.inc({ rule: ruleLabel(set, h.rule), action: h.action, scope });
    logger.info({ request_id: requestId, scope, firewall: hits.map((h) => ({ rule: h.rule, action: h.action, matches: h.matches })) }, 'firewall');
  };
}

/** Rule names come from the live policy already; anything else (impossible today) is "other". */
function ruleLabel(set: PolicySet, rule: string): string {
  return set.firewallRules.some((r) => r.name === rule) ? rule : 'other';
}
