// GET /v1/providers: each provider's credentials and each model's circuit
// state — the "is it us or them?" page during an incident.
import { Router } from 'express';
import type { AppDeps } from '../app.js';
import { hasCredentials } from '../../upstream/credentials.js';

export function providerRoutes({ resilience }: AppDeps): Router {
  const r = Router();
  r.get('/v1/providers', (req, res) => {
    const set = req.policy!;
    const { breakers } = resilience;
    const data = [...set.providers.values()].map((p) => ({
      id: p.name,
      object: 'provider',
      type: p.type,
      enabled: p.enabled !== false,
      credentials: hasCredentials(p),
      models: [...set.models.values()]
        .filter((m) => m.provider === p.name)
        .map((m) => {
          const key = `${p.name}/${m.name}`;
          const state = breakers.state(key);
          return { id: m.name, circuit: state, ...(state === 'open' ? { reopens_in_ms: breakers.openFor(key) } : {}) };
        }),
    }));
    res.json({ object: 'list', data, retry_budget: { in_flight: resilience.budget.active, retrying: resilience.budget.retrying } });
  });
  return r;
}
