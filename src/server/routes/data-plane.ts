// The data plane's routes over stored responses on Express: the replay
// (GET/POST /v1/responses/{id}), the deletion (DELETE /v1/responses/{id}) and
// the input item listing (GET /v1/responses/{id}/input_items). Each reads the
// store through src/state/conversations.ts, which checks the owner. The
// routes that reach a provider enter through the front door
// (../data-plane-path.ts); GET /v1/models is in models.ts.
import { Router, type Request, type Response } from 'express';
import type { PipelineDeps } from '../../pipeline.js';
import { inputItemsPage } from '../../api/responses/input-items.js';
import { deleteResponse, previousResponse } from '../../state/conversations.js';
import { ANONYMOUS } from '../auth.js';
import { selectStreamFormat, STREAM_FORMAT_FIELD, STREAM_FORMAT_HEADER, parseStreamFormat } from '../../api/tokenrouter/format.js';
import { accumulateReplay } from './replay.js';

export function dataPlaneRoutes(deps: PipelineDeps): Router {
  const r = Router();
  // Each of these is a request like any other: the key's rpm counts it (before the store is read).
  const replay = async (req: Request, res: Response) => {
    const caller = req.caller ?? ANONYMOUS;
    await deps.state.keys.admitRate(req.policy!, caller.name);
    const entry = await previousResponse(deps.conversations, String(req.params.id), 'id', caller);
    const body = req.body as Record<string, unknown> | undefined;
    const stream = body?.stream === true || req.query.stream === 'true';
    // The same switch as a live stream: header > body field > key > Settings.
    const format = selectStreamFormat('responses', {
      header: req.headers[STREAM_FORMAT_HEADER],
      body: parseStreamFormat(body?.[STREAM_FORMAT_FIELD], STREAM_FORMAT_FIELD),
      key: caller.streamFormat,
      settings: req.policy!.settings.streamFormat,
    });
    accumulateReplay(entry, stream, res, format);
  };
  r.post('/v1/responses/:id', replay);
  r.get('/v1/responses/:id', replay);

  r.delete('/v1/responses/:id', async (req, res) => {
    const caller = req.caller ?? ANONYMOUS;
    await deps.state.keys.admitRate(req.policy!, caller.name);
    const id = String(req.params.id);
    await deleteResponse(deps.conversations, id, caller);
    res.json({ id, object: 'response', deleted: true });
  });

  // The input as stored: a store:false response or a too_large marker has none, and answers as the replay does (409).
  r.get('/v1/responses/:id/input_items', async (req, res) => {
    const caller = req.caller ?? ANONYMOUS;
    await deps.state.keys.admitRate(req.policy!, caller.name);
    const id = String(req.params.id);
    const entry = await previousResponse(deps.conversations, id, 'id', caller);
    res.json(inputItemsPage(id, entry.items ?? [], req.query));
  });
  return r;
}
