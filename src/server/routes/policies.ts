// GET /v1/policies: what is live and how the last reload went — the status API
// an operator checks after a GitOps push.
import { Router } from 'express';
import type { AppDeps } from '../app.js';
import { formatProblem } from '../../policy/load.js';

export function policyRoutes({ store }: AppDeps): Router {
  const r = Router();
  r.get('/v1/policies', (req, res) => {
    const set = req.policy!;
    const last = store.lastReload();
    res.json({
      object: 'policy_status',
      version: set.version,
      loaded_at: set.loadedAt.toISOString(),
      directory: set.directory,
      files: set.files,
      counts: {
        providers: set.providers.size,
        models: set.models.size,
        routing_rules: set.routingRules.length,
        firewall_rules: set.firewallRules.length,
        api_keys: set.apiKeys.length,
      },
      last_reload: last
        ? {
            result: last.result,
            at: last.at.toISOString(),
            version: last.version ?? null,
            errors: last.problems.map(formatProblem),
          }
        : null,
      last_success_at: store.lastSuccessAt()?.toISOString() ?? null,
    });
  });
  return r;
}
