// Keeps a response for replay and previous_response_id, owned by the calling
// key — even a store:false marker, so its owner gets 409 and others 404 —
// and, under the request's id, an entry naming it (replay by request id).
import type { CanonicalRequest, CanonicalResult } from '../canonical/types.js';
import type { Candidate } from '../routing/select.js';
import type { Exchange, PipelineDeps } from './types.js';

export async function store(
  deps: PipelineDeps,
  ex: Exchange,
  req: CanonicalRequest,
  id: string,
  result: CanonicalResult,
  response: Record<string, unknown> | undefined,
  c: Candidate,
  metadata?: Record<string, string>,
): Promise<void> {
  // The response first: a request-id entry never names a response not yet written.
  await putResponse(deps, ex, req, id, result, response, c, metadata);
  await deps.conversations.put({ id: ex.requestId, owner: ex.caller, stored: req.store !== false, aliasOf: id, createdAt: Date.now() });
}

/** An answer whose dialect keeps nothing to replay (Chat, Messages): its request id answers its owner 409 (others 404). */
export async function storeMarker(deps: PipelineDeps, ex: Exchange): Promise<void> {
  await deps.conversations.put({ id: ex.requestId, owner: ex.caller, stored: false, unreplayable: ex.api, createdAt: Date.now() });
}

async function putResponse(
  deps: PipelineDeps,
  ex: Exchange,
  req: CanonicalRequest,
  id: string,
  result: CanonicalResult,
  response: Record<string, unknown> | undefined,
  c: Candidate,
  metadata: Record<string, string> | undefined,
): Promise<void> {
  if (req.store === false) {
    await deps.conversations.put({ id, owner: ex.caller, stored: false, createdAt: Date.now() });
    return;
  }
  await deps.conversations.put({
    id,
    owner: ex.caller,
    stored: true,
    items: req.items,
    result,
    ...(response ? { response } : {}),
    provider: c.provider.name,
    providerType: c.provider.type,
    model: c.model.name,
    ...(metadata ? { metadata } : {}),
    createdAt: Date.now(),
  });
}
