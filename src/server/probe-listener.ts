// An optional second listener serving only the public probes and /metrics
// (no API routes). A sidecar keeps its API on 127.0.0.1 — reachable only by
// the app in the same pod, so it needs no keys — while kubelet probes and
// Prometheus reach the pod IP on this port.
import express from 'express';
import type { Server } from 'node:http';
import type { AppDeps } from './app.js';
import { listen } from './listen.js';
import { healthRoutes } from './routes/health.js';
import { RouterError, sendError } from '../errors/registry.js';

export async function listenProbes(deps: AppDeps, port: number, host: string): Promise<Server> {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(healthRoutes(deps));
  app.use((_req: express.Request, res: express.Response) => sendError(res, new RouterError('unknown_route')));
  return listen(app, { port, host });
}
