// Stage: the prompt firewall. Block rules throw firewall_blocked; mask rules
// rewrite the request the provider will see; warn rules add warnings. The
// firewall built here (with the routing facts its rules' `when` read) also
// screens the response, later.
import type { Slicer } from '../event-loop/slicer.js';
import { RequestFirewall } from '../firewall/request.js';
import { firewallReporter } from '../firewall/telemetry.js';
import type { Exchange, FirewallHit, PipelineDeps, Routed, Screened } from './types.js';

/** `hits`: where the rules that act are recorded — the caller's array, so a block's rule is known though this throws. */
export async function screenPrompt(deps: PipelineDeps, ex: Pick<Exchange, 'policy' | 'requestId'>, routed: Routed, slicer: Slicer, hits: FirewallHit[] = []): Promise<Screened> {
  const report = firewallReporter(deps.metrics, deps.logger, ex.policy, ex.requestId);
  const firewall = await RequestFirewall.create(ex.policy, routed.decision.facts, (scope, found) => {
    for (const h of found) hits.push({ rule: h.rule, action: h.action, scope });
    report(scope, found);
  });
  const s = await firewall.prompt(routed.request, slicer); // throws firewall_blocked
  const warnings = s.warnings.length ? [...routed.decision.warnings, ...s.warnings] : routed.decision.warnings;
  return { routed, request: s.request, firewall, warnings, hits };
}
