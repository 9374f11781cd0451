// Read-only rules API in the hosted product's SDK shapes (rule-views.ts):
// GET /v1/routing-rules[/{id}] and /v1/firewall-rules[/{id}], lists in
// evaluation order, `{id}` the rule's numeric id or its name. Writes answer
// 405: policies change through git, so the message names the file (and line)
// to edit instead.
import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../app.js';
import type { PolicySet } from '../../policy/types.js';
import { asRuleId } from '../../policy/rule-ids.js';
import { RouterError } from '../../errors/registry.js';
import { firewallRuleView, routingRuleView } from './rule-views.js';

interface RuleKind {
  path: string;
  /** The policy kind that declares these rules, for the 405 message. */
  kind: 'RoutingRules' | 'FirewallRules';
  noun: string;
  rules: (set: PolicySet) => readonly { id: number; name: string; source: { file: string; line: number } }[];
  view: (rule: any) => object;
  notFound: 'routing_rule_not_found' | 'firewall_rule_not_found';
  /** The hosted product's 404 message, word for word. */
  notFoundMessage: string;
}

const KINDS: readonly RuleKind[] = [
  {
    path: '/v1/routing-rules',
    kind: 'RoutingRules',
    noun: 'routing rule',
    rules: (s) => s.routingRules,
    view: routingRuleView,
    notFound: 'routing_rule_not_found',
    notFoundMessage: 'Routing rule not found',
  },
  {
    path: '/v1/firewall-rules',
    kind: 'FirewallRules',
    noun: 'firewall rule',
    rules: (s) => s.firewallRules,
    view: firewallRuleView,
    notFound: 'firewall_rule_not_found',
    notFoundMessage: 'Firewall rule not found',
  },
];

/** By numeric id first, then by name (a rule named with digits only is still found by its name). */
function findRule<T extends { id: number; name: string }>(rules: readonly T[], segment: string): T | undefined {
  const id = asRuleId(segment);
  return (id !== undefined ? rules.find((x) => x.id === id) : undefined) ?? rules.find((x) => x.name === segment);
}

/** The 405 message: the rule's file:line for a write to one rule, else the files holding rules of that kind. */
function readOnlyMessage(k: RuleKind, set: PolicySet | undefined, segment: string | undefined): string {
  const rules = set ? k.rules(set) : [];
  const rule = segment !== undefined ? findRule(rules, segment) : undefined;
  const where = rule
    ? `edit ${k.noun} "${rule.name}" at ${rule.source.file}:${rule.source.line}`
    : rules.length > 0
      ? `add or change ${k.noun}s in ${[...new Set(rules.map((x) => x.source.file))].join(', ')} (kind ${k.kind})`
      : `add a ${k.kind} document`;
  return `Policies are managed as code and this API is read-only: ${where} in the policy directory (git), then reload.`;
}

export function ruleRoutes(_deps: AppDeps): Router {
  const r = Router();
  for (const k of KINDS) {
    r.get(k.path, (req, res) => {
      res.json({ object: 'list', data: k.rules(req.policy!).map(k.view) });
    });
    r.get(`${k.path}/:id`, (req, res) => {
      const rule = findRule(k.rules(req.policy!), req.params.id!);
      if (!rule) throw new RouterError(k.notFound, k.notFoundMessage, 'id');
      res.json({ data: k.view(rule) });
    });
    const readOnly = (req: Request, res: Response): void => {
      res.setHeader('Allow', 'GET, HEAD');
      throw new RouterError('policy_read_only', readOnlyMessage(k, req.policy, req.params.id as string | undefined));
    };
    for (const path of [k.path, `${k.path}/:id`]) {
      r.post(path, readOnly).put(path, readOnly).patch(path, readOnly).delete(path, readOnly).options(path, readOnly);
    }
  }
  return r;
}
