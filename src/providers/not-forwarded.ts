// What the provider that served a request could not take from it, as the warnings the answer
// carries in x-tokenrouter-warnings. Each of these is a hint a provider type lacks (routing does not
// exclude providers for them: the answer is still right without them), so "no silent drops" is kept
// by telling the client instead of refusing. One list, so the trace asks in one place.
import type { CanonicalRequest } from '../canonical/types.js';
import type { ModelSpec, ProviderSpec } from '../policy/types.js';
import { cacheControlWarning, promptCacheKeyWarning } from './prompt-cache.js';
import { foreignReasoningWarning } from './reasoning-state.js';
import { servedWire } from '../policy/vertex-publisher.js';

type Served = { provider: Pick<ProviderSpec, 'name' | 'type'>; model: Pick<ModelSpec, 'name' | 'capabilities'> & Partial<Pick<ModelSpec, 'upstreamModel'>> };

/**
 * reasoning.effort where it has no effect: OpenAI-compatible hosts reason by model choice (DeepSeek
 * reasoner, Magistral) and take no effort switch; Anthropic models without the reasoning capability
 * get no thinking budget.
 */
export function reasoningEffortWarning(req: Pick<CanonicalRequest, 'reasoningEffort'>, served: Served): string | undefined {
  if (req.reasoningEffort === undefined) return undefined;
  if (served.provider.type === 'openai-compatible') return `reasoning effort not forwarded: provider "${served.provider.name}" (openai-compatible) has no effort setting`;
  if (servedWire(served.provider, served.model) === 'anthropic' && !served.model.capabilities.includes('reasoning')) {
    return `reasoning effort not applied: model "${served.model.name}" has no reasoning capability`;
  }
  return undefined;
}

/** The warnings for what `served` could not take from `req`; empty (and not allocated anew) when there are none. */
export function notForwardedWarnings(req: CanonicalRequest, served: Served): readonly string[] {
  // A vertex provider speaks its model's publisher's wire (Claude on Vertex takes cache marks as Anthropic does).
  const wire = servedWire(served.provider, served.model);
  const asWire = wire === served.provider.type ? served.provider : { name: served.provider.name, type: wire };
  const cacheKey = promptCacheKeyWarning(req, asWire);
  const marks = cacheControlWarning(req, asWire);
  const reasoning = foreignReasoningWarning(req, served.provider);
  const effort = reasoningEffortWarning(req, served);
  if (!cacheKey && !marks && !reasoning && !effort) return NONE;
  return [cacheKey, marks, reasoning, effort].filter((w): w is string => w !== undefined);
}

const NONE: readonly string[] = Object.freeze([]);
