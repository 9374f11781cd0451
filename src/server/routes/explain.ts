// POST /v1/route/explain: how the router would serve this body — the same
// Responses (or Chat, when it has `messages`; or Messages, when it says
// `api: "messages"`, authoring/explain.ts) body, the same caller, the same
// policy snapshot — without calling any provider. Routing errors come back as
// the errors serving would return (400 unknown model, 422 no candidates).
import { Router } from 'express';
import type { CanonicalRequest } from '../../canonical/types.js';
import { optBoolean } from '../../api/checks.js';
import { ASSUME_CREDENTIALS_FIELD, explainRequest, normalizeAnyRequest } from '../../authoring/explain.js';
import { withConversation, type ConversationStore } from '../../state/conversations.js';
import { hasCredentials } from '../../upstream/credentials.js';
import { RouterError } from '../../errors/registry.js';
import type { LiveInputs } from '../../state/live-inputs.js';
import type { SharedState } from '../../state/backend.js';
import { Slicer } from '../../event-loop/slicer.js';
import { ANONYMOUS } from '../auth.js';

export function explainRoutes(deps: { conversations: ConversationStore; liveInputs: LiveInputs; state: SharedState }): Router {
  const r = Router();
  r.post('/v1/route/explain', async (req, res) => {
    const body = req.body as Record<string, any> | undefined;
    if (body === undefined) throw new RouterError('invalid_body', 'A JSON request body is required.');
    // An explanation costs what routing and screening cost: it counts against the key's rpm like any
    // request, and is refused before that work when over it. (Not tokens or budget: no provider is called.)
    await deps.state.keys.admitRate(req.policy!, req.caller?.name ?? 'anonymous');
    const assumeCredentials = optBoolean(body[ASSUME_CREDENTIALS_FIELD], ASSUME_CREDENTIALS_FIELD) ?? false;
    // A continuation is routed on the whole conversation, as serving routes it.
    const canonical = await withConversation(deps.conversations, normalizeAnyRequest(body), req.caller ?? ANONYMOUS);
    const explanation = await explainRequest(req.policy!, canonical, {
      caller: req.caller?.name ?? 'anonymous',
      hasCredentials,
      assumeCredentials,
      live: deps.liveInputs.decideHooks(req.policy!, req.caller?.name ?? 'anonymous', { count: false }).context,
      slicer: new Slicer(),
    });
    res.json(explanation);
  });
  return r;
}
