// The OpenAI-compatible data plane: POST /v1/responses, POST /v1/chat/completions,
// GET /v1/models, replay of stored responses. Each handler adapts Express to the
// pipeline's Exchange; the pipeline does the work.
import { Router, type Request, type Response } from 'express';
import type { Api } from '../../canonical/types.js';
import { runPipeline, type PipelineDeps } from '../../pipeline.js';
import { hasCredentials } from '../../upstream/credentials.js';
import { RouterError } from '../errors.js';
import { SseWriter } from '../sse.js';
import { wireId } from '../../api/ids.js';
import { accumulateReplay } from './replay.js';
import { previousResponse } from '../../state/conversations.js';
import type { Lifecycle } from '../lifecycle.js';

export function dataPlaneRoutes(deps: PipelineDeps & { lifecycle: Lifecycle }): Router {
  const r = Router();
  const handle = (api: Api) => async (req: Request, res: Response) => {
    if (req.body === undefined) throw new RouterError('invalid_body', 'A JSON request body is required.');
    const requestId = wireId('req_');
    res.setHeader('x-request-id', requestId);
    const abort = new AbortController();
    // The client going away aborts the upstream call (and is not a provider failure).
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    await runPipeline(deps, {
      api,
      body: req.body as Record<string, any>,
      policy: req.policy!,
      caller: req.caller?.name ?? 'anonymous',
      requestId,
      signal: abort.signal,
      sse: new SseWriter(res),
      json(body, headers) {
        for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
        res.status(200).json(body);
      },
      onDrainTimeout: (hook) => deps.lifecycle.onDrainTimeout(hook),
      abortUpstream: () => abort.abort(),
      setHeaders(headers) {
        if (res.headersSent) return;
        for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
      },
    });
  };
  r.post('/v1/responses', handle('responses'));
  r.post('/v1/chat/completions', handle('chat'));

  r.get('/v1/models', (req, res) => {
    const set = req.policy!;
    const data = [...set.models.values()]
      .filter((m) => m.enabled !== false && set.providers.get(m.provider)?.enabled !== false && hasCredentials(set.providers.get(m.provider)!))
      .map((m) => ({ id: `${m.provider}/${m.name}`, object: 'model', created: Math.floor(set.loadedAt.getTime() / 1000), owned_by: m.provider }));
    res.json({ object: 'list', data });
  });

  const replay = async (req: Request, res: Response) => {
    const entry = await previousResponse(deps.conversations, String(req.params.id), 'id');
    const stream = (req.body as { stream?: unknown } | undefined)?.stream === true || req.query.stream === 'true';
    accumulateReplay(entry, stream, res);
  };
  r.post('/v1/responses/:id', replay);
  r.get('/v1/responses/:id', replay);
  return r;
}
