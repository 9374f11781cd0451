// Public probes and the Prometheus scrape. /healthz (alias /livez) says the
// process is alive — it stays 200 through provider outages and bad policy
// pushes, so a restart loop cannot throw away the last good policy. /readyz is
// 503 until a valid policy is live and while draining.
import { Router } from 'express';
import type { AppDeps } from '../app.js';

export function healthRoutes({ store, metrics, lifecycle }: AppDeps): Router {
  const r = Router();
  const alive = (_req: unknown, res: import('express').Response): void => {
    res.json({ status: 'ok' });
  };
  r.get('/healthz', alive);
  r.get('/livez', alive);
  r.get('/readyz', (_req, res) => {
    const set = store.current();
    if (lifecycle.draining) res.status(503).json({ status: 'draining' });
    else if (!set) res.status(503).json({ status: 'not_ready', reason: 'no valid policy set loaded', last_reload: store.lastReload()?.result ?? null });
    else res.json({ status: 'ready', policy_version: set.version });
  });
  r.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
  return r;
}
