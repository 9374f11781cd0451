// POST /v1/route/explain: how the router would serve this body — the same
// Responses (or Chat, when it has `messages`; or Messages, when it says
// `api: "messages"`, authoring/explain.ts) body, the same caller, the same
// policy snapshot — without calling any provider. Routing errors come back as
// the errors serving would return (400 unknown model, 422 no candidates).
import { Router } from 'express';
import { optBoolean } from '../../api/checks.js';
import { ASSUME_CREDENTIALS_FIELD, explainRequest, normalizeAnyRequest } from '../../authoring/explain.js';
import { withConversation, type ConversationStore } from '../../state/conversations.js';
import { hasCredentials } from '../../upstream/credentials.js';
import { RouterError } from '../../errors/registry.js';
import type { LiveInputs } from '../../state/live-inputs.js';
import type { SharedState } from '../../state/backend.js';
import { Slicer } from '../../event-loop/slicer.js';
import { ANONYMOUS, type Caller } from '../auth.js';
import type { PolicySet } from '../../policy/types.js';

export type ExplainDeps = { conversations: ConversationStore; liveInputs: LiveInputs; state: SharedState };

export function explainRoutes(deps: ExplainDeps): Router {
  const r = Router();
  r.post('/v1/route/explain', async (req, res) => {
    res.json(await explainBody(deps, req.policy!, req.caller ?? ANONYMOUS, req.body as Record<string, any> | undefined));
  });
  return r;
}

/** What /v1/route/explain answers for `body` from `caller` under `set` (the console's Explain asks the same). */
export async function explainBody(deps: ExplainDeps, set: PolicySet, caller: Caller, body: Record<string, any> | undefined): Promise<unknown> {
  if (body === undefined) throw new RouterError('invalid_body', 'A JSON request body is required.');
  // An explanation costs what routing and screening cost: it counts against the key's rpm like any
  // request, and is refused before that work when over it. (Not tokens or budget: no provider is called.)
  await deps.state.keys.admitRate(set, caller.name);
  const assumeCredentials = optBoolean(body[ASSUME_CREDENTIALS_FIELD], ASSUME_CREDENTIALS_FIELD) ?? false;
  // A continuation is routed on the whole conversation, as serving routes it.
  const canonical = await withConversation(deps.conversations, normalizeAnyRequest(body), caller);
  return explainRequest(set, canonical, {
    caller: caller.name,
    hasCredentials,
    assumeCredentials,
    live: deps.liveInputs.decideHooks(set, caller.name, { count: false }).context,
    slicer: new Slicer(),
  });
}
