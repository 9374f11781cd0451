// Stage: the caller's body (Responses or Chat) → one canonical request, with
// the conversation it continues (previous_response_id) prepended — read only
// if the calling key owns it (or is admin) — and the stream dialect it asks
// for (api/tokenrouter/format.ts), refused here, before any routing work.
import { normalizeChatRequest } from '../api/chat/normalize.js';
import { normalizeResponsesRequest } from '../api/responses/normalize.js';
import { selectStreamFormat } from '../api/tokenrouter/format.js';
import type { CanonicalRequest } from '../canonical/types.js';
import { withConversation } from '../state/conversations.js';
import type { Exchange, PipelineDeps } from './types.js';

export async function normalize(deps: PipelineDeps, ex: Exchange): Promise<CanonicalRequest> {
  const req = ex.api === 'responses' ? normalizeResponsesRequest(ex.body) : normalizeChatRequest(ex.body);
  const format = selectStreamFormat(ex.api, { ...ex.streamFormat, body: req.router?.streamFormat, settings: ex.policy.settings.streamFormat });
  if (format === 'tokenrouter') req.streamFormat = format;
  return withConversation(deps.conversations, req, { name: ex.caller, admin: ex.admin });
}
