// Stage: the caller's body (in its front dialect, api/dialects.ts) → one canonical request, with
// the conversation it continues (previous_response_id) prepended — read only
// if the calling key owns it (or is admin) — and the stream dialect it asks
// for (api/tokenrouter/format.ts), refused here, before any routing work.
import { dialectOf } from '../api/dialects.js';
import { selectStreamFormat } from '../api/tokenrouter/format.js';
import type { CanonicalRequest } from '../canonical/types.js';
import { RouterError } from '../errors/registry.js';
import { withConversation } from '../state/conversations.js';
import type { Exchange, PipelineDeps } from './types.js';

export async function normalize(deps: PipelineDeps, ex: Exchange): Promise<CanonicalRequest> {
  const req = dialectOf(ex.api).normalize(ex.body);
  const format = selectStreamFormat(ex.api, { ...ex.streamFormat, body: req.router?.streamFormat, settings: ex.policy.settings.streamFormat });
  if (format === 'tokenrouter') req.streamFormat = format;
  if (ex.anthropic) req.anthropic = checkedAnthropicHeaders(ex.anthropic, ex.policy.settings.anthropicBetas);
  return withConversation(deps.conversations, req, { name: ex.caller, admin: ex.admin });
}

/** The client's anthropic-beta values must be in Settings.anthropicBetas when it is set: a value it leaves out answers 400 naming it (never dropped). */
function checkedAnthropicHeaders(h: { version?: string; beta?: string }, allowed: readonly string[] | undefined): { version?: string; beta?: string } {
  if (!h.beta || !allowed) return h;
  const refused = h.beta.split(',').map((b) => b.trim()).filter((b) => b !== '' && !allowed.includes(b));
  if (refused.length) throw new RouterError('invalid_parameter', `anthropic-beta ${refused.map((b) => `"${b}"`).join(', ')} is not allowed by this router (Settings.anthropicBetas).`, 'anthropic-beta');
  return h;
}
