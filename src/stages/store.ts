// Keeps a response for replay and previous_response_id, owned by the calling
// key — even a store:false marker, so its owner gets 409 and others 404.
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
    createdAt: Date.now(),
  });
}
