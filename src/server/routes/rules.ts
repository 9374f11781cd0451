// Read-only rules API, for clients of the hosted product that list rules:
// GET /v1/routing-rules[/{id}] and /v1/firewall-rules[/{id}], in evaluation
// order, id = rule name. Writes answer 405: policies change through git.
import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../app.js';
import type { CompiledFirewallRule, CompiledRoutingRule } from '../../policy/types.js';
import { RouterError } from '../../errors/registry.js';

export function routingRuleView(r: CompiledRoutingRule) {
  return {
    id: r.name,
    object: 'routing_rule',
    name: r.name,
    description: r.spec.description ?? null,
    is_enabled: r.enabled,
    priority: r.priority,
    match_json: r.spec.match ?? {},
    when: r.spec.when ?? null,
    action_json: r.spec.action,
    source: `${r.source.file}:${r.source.line}`,
  };
}

export function firewallRuleView(r: CompiledFirewallRule) {
  return {
    id: r.name,
    object: 'firewall_rule',
    name: r.name,
    description: r.spec.description ?? null,
    is_enabled: r.enabled,
    priority: r.priority,
    scope: r.spec.scope,
    type: r.spec.type,
    pattern: r.spec.pattern,
    action: r.spec.action,
    replacement: r.spec.action === 'mask' ? r.replacement : (r.spec.replacement ?? null),
    source: `${r.source.file}:${r.source.line}`,
  };
}

export function ruleRoutes(_deps: AppDeps): Router {
  const r = Router();
  r.get('/v1/routing-rules', (req, res) => {
    res.json({ object: 'list', data: req.policy!.routingRules.map(routingRuleView) });
  });
  r.get('/v1/routing-rules/:id', (req, res) => {
    const rule = req.policy!.routingRules.find((x) => x.name === req.params.id);
    if (!rule) throw new RouterError('routing_rule_not_found', undefined, 'id');
    res.json({ data: routingRuleView(rule) });
  });
  r.get('/v1/firewall-rules', (req, res) => {
    res.json({ object: 'list', data: req.policy!.firewallRules.map(firewallRuleView) });
  });
  r.get('/v1/firewall-rules/:id', (req, res) => {
    const rule = req.policy!.firewallRules.find((x) => x.name === req.params.id);
    if (!rule) throw new RouterError('firewall_rule_not_found', undefined, 'id');
    res.json({ data: firewallRuleView(rule) });
  });
  const readOnly = (_req: Request, res: Response): void => {
    res.setHeader('Allow', 'GET, HEAD');
    throw new RouterError('policy_read_only');
  };
  for (const path of ['/v1/routing-rules', '/v1/routing-rules/:id', '/v1/firewall-rules', '/v1/firewall-rules/:id']) {
    r.post(path, readOnly).put(path, readOnly).patch(path, readOnly).delete(path, readOnly).options(path, readOnly);
  }
  return r;
}
