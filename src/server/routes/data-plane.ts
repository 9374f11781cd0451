// The data plane's read-only routes on Express: GET /v1/models and the replay
// of stored responses (GET/POST /v1/responses/{id}). The routes that reach a
// provider enter through the front door (../data-plane-path.ts).
import { Router, type Request, type Response } from 'express';
import type { PipelineDeps } from '../../pipeline.js';
import { previousResponse } from '../../state/conversations.js';
import { hasCredentials } from '../../upstream/credentials.js';
import { ANONYMOUS } from '../auth.js';
import { accumulateReplay } from './replay.js';

export function dataPlaneRoutes(deps: PipelineDeps): Router {
  const r = Router();
  r.get('/v1/models', (req, res) => {
    const set = req.policy!;
    const data = [...set.models.values()]
      .filter((m) => m.enabled !== false && set.providers.get(m.provider)?.enabled !== false && hasCredentials(set.providers.get(m.provider)!))
      .map((m) => ({ id: `${m.provider}/${m.name}`, object: 'model', created: Math.floor(set.loadedAt.getTime() / 1000), owned_by: m.provider }));
    res.json({ object: 'list', data });
  });

  // A replay is a request like any other: the key's rpm counts it (before the store is read).
  const replay = async (req: Request, res: Response) => {
    const caller = req.caller ?? ANONYMOUS;
    await deps.state.keys.admitRate(req.policy!, caller.name);
    const entry = await previousResponse(deps.conversations, String(req.params.id), 'id', caller);
    const stream = (req.body as { stream?: unknown } | undefined)?.stream === true || req.query.stream === 'true';
    accumulateReplay(entry, stream, res);
  };
  r.post('/v1/responses/:id', replay);
  r.get('/v1/responses/:id', replay);
  return r;
}
