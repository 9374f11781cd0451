// GET /v1/models and GET /v1/models/{id}: the catalog models a key can be
// routed to, as OpenAI Model objects. Ids are the catalog keys
// (`provider/model`); the official SDKs encode path parameters, so the
// retrieve route takes the id with its slash plain or sent as %2F.
//
// Both answer per key: a key whose scope (ApiKeys allowedProviders /
// allowedModels, compiled into PolicySet.scopes) excludes a model does not
// see it in the list, and retrieving it is the same 404 as an unknown id —
// the list would otherwise advertise models every request to them refuses.
//
// A request carrying `anthropic-version` (the Anthropic SDK, Claude Code) gets
// both in Anthropic's shape instead (api/messages/models.ts), with the same
// models; its x-api-key authenticates like a Bearer key (auth.ts presentedKey).
import { Router } from 'express';
import type { PipelineDeps } from '../../pipeline.js';
import { RouterError } from '../../errors/registry.js';
import type { ModelSpec, PolicySet } from '../../policy/types.js';
import { hasCredentials } from '../../upstream/credentials.js';
import { anthropicModelInfo, anthropicModelPage, wantsAnthropicShape } from '../../api/messages/models.js';
import { ANONYMOUS } from '../auth.js';

export function modelRoutes(deps: Pick<PipelineDeps, 'state'>): Router {
  const r = Router();
  r.get('/v1/models', (req, res) => {
    const set = req.policy!;
    const caller = (req.caller ?? ANONYMOUS).name;
    const visible = [...set.models.values()].filter((m) => visibleTo(set, caller, m));
    if (wantsAnthropicShape(req.headers)) {
      res.json(anthropicModelPage(visible.map((m) => anthropicModelInfo(m, set.loadedAt)), req.query as Record<string, unknown>));
      return;
    }
    res.json({ object: 'list', data: visible.map((m) => modelObject(set, m)) });
  });

  // `*id` takes the plain-slash form as segments; Express decodes each, so `openai%2Fgpt-4o` arrives as one.
  r.get('/v1/models/*id', async (req, res) => {
    const set = req.policy!;
    const caller = req.caller ?? ANONYMOUS;
    // A lookup is a request like any other: the key's rpm counts it.
    await deps.state.keys.admitRate(set, caller.name);
    const raw = (req.params as { id: string | string[] }).id;
    const id = Array.isArray(raw) ? raw.join('/') : raw;
    const m = set.models.get(id);
    if (!m || !visibleTo(set, caller.name, m)) throw new RouterError('model_not_found', `The model "${id}" does not exist or this API key may not use it.`, 'model');
    res.json(wantsAnthropicShape(req.headers) ? anthropicModelInfo(m, set.loadedAt) : modelObject(set, m));
  });
  return r;
}

/** Enabled, its provider enabled with credentials, and inside the caller's key scope. */
function visibleTo(set: PolicySet, caller: string, m: Readonly<ModelSpec>): boolean {
  const provider = set.providers.get(m.provider);
  if (m.enabled === false || !provider || provider.enabled === false || !hasCredentials(provider)) return false;
  const scope = set.scopes.get(caller);
  if (!scope) return true;
  if (scope.providers && !scope.providers.has(m.provider)) return false;
  return !scope.models || scope.models.has(`${m.provider}/${m.name}`);
}

/** OpenAI's Model object; `created` is when the policy set was loaded (the catalog has no per-model date). */
function modelObject(set: PolicySet, m: Readonly<ModelSpec>) {
  return { id: `${m.provider}/${m.name}`, object: 'model' as const, created: Math.floor(set.loadedAt.getTime() / 1000), owned_by: m.provider };
}
