// The OpenAI-compatible data plane: POST /v1/responses, POST /v1/chat/completions,
// GET /v1/models, replay of stored responses. Each handler adapts Express to the
// pipeline's Exchange; the pipeline does the work.
import { Router, type Request, type Response } from 'express';
import type { Api } from '../../canonical/types.js';
import { runPipeline, type PipelineDeps } from '../../pipeline.js';
import { hasCredentials } from '../../upstream/credentials.js';
import { RouterError } from '../../errors/registry.js';
import { SseWriter } from '../sse.js';
import { wireId } from '../../api/ids.js';
import { accumulateReplay } from './replay.js';
import { previousResponse } from '../../state/conversations.js';
import type { Lifecycle } from '../lifecycle.js';
import type { ServerResponse } from 'node:http';
import type { PolicySet } from '../../policy/types.js';
import { sendJson } from '../../errors/json-response.js';
import { RequestAbort } from '../../upstream/abort.js';
import { ANONYMOUS, type Caller } from '../auth.js';

export type DataPlaneDeps = PipelineDeps & { lifecycle: Lifecycle };

/**
 * One POST /v1/responses or /v1/chat/completions, over plain Node objects: the
 * Express route below and the lean path (../data-plane-path.ts) both call it.
 */
export async function serveExchange(deps: DataPlaneDeps, api: Api, body: unknown, policy: PolicySet, caller: Caller, res: ServerResponse, workDone: () => void = () => {}): Promise<void> {
  if (body === undefined) throw new RouterError('invalid_body', 'A JSON request body is required.');
  const requestId = wireId('req_');
  res.setHeader('x-request-id', requestId);
  const abort = new RequestAbort();
  // The client going away aborts the upstream call (and is not a provider failure).
  res.once('close', () => {
    if (!res.writableFinished) abort.abort();
  });
  await runPipeline(deps, {
    api,
    body: body as Record<string, any>,
    policy,
    caller: caller.name,
    admin: caller.admin,
    requestId,
    signal: abort,
    sse: new SseWriter(res),
    json(answer, headers) {
      sendJson(res, 200, answer, headers);
    },
    onDrainTimeout: (hook) => deps.lifecycle.onDrainTimeout(hook),
    workDone,
    abortUpstream: () => abort.abort(),
    setHeaders(headers) {
      if (res.headersSent) return;
      for (const k in headers) res.setHeader(k, headers[k]!);
    },
  });
}

export function dataPlaneRoutes(deps: DataPlaneDeps): Router {
  const r = Router();
  const handle = (api: Api) => (req: Request, res: Response) => serveExchange(deps, api, req.body, req.policy!, req.caller ?? ANONYMOUS, res);
  r.post('/v1/responses', handle('responses'));
  r.post('/v1/chat/completions', handle('chat'));

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
