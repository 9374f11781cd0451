// What becomes of a client's prompt-caching intent on each provider type, in one
// place so the adapters and the warning header agree. The issue's rule is "no
// silent drops": a field is mapped, passed to a provider that speaks it, or the
// client is told. `prompt_cache_key` is a routing hint, not an instruction, so a
// provider without an equivalent is not a reason to refuse the request (Codex-style
// clients send it on every call, and auto-routing would then fail on those
// providers); the answer says instead, in x-tokenrouter-warnings, that it was not
// forwarded.
//   openai, azure-openai   passed (Responses and Chat wire; Azure caches prompts as OpenAI does)
//   anthropic          mapped: cache breakpoints on the stable prefix (anthropic/cache.ts)
//   gemini, openai-compatible   not forwarded, with a warning: Gemini's implicit cache and
//                      DeepSeek's disk cache key on the prompt prefix by themselves, the
//                      other hosts have none.
import type { CanonicalRequest } from '../canonical/types.js';
import type { ModelSpec, ProviderSpec } from '../policy/types.js';

export type PromptCacheKeyFate = 'passed' | 'mapped' | 'not_forwarded';

export function promptCacheKeyFate(type: ProviderSpec['type']): PromptCacheKeyFate {
  return type === 'openai' || type === 'azure-openai' ? 'passed' : type === 'anthropic' ? 'mapped' : 'not_forwarded';
}

/** The warning an answer carries when the client's prompt_cache_key could not reach the provider that served it. */
export function promptCacheKeyWarning(req: Pick<CanonicalRequest, 'promptCacheKey'>, provider: Pick<ProviderSpec, 'name' | 'type'>): string | undefined {
  if (req.promptCacheKey === undefined || promptCacheKeyFate(provider.type) !== 'not_forwarded') return undefined;
  return `prompt_cache_key not forwarded: provider "${provider.name}" (${provider.type}) has no per-request cache key`;
}

/**
 * The warning an answer carries when the client's own cache_control marks (src/api/cache-control.ts)
 * could not reach the provider that served it: only Anthropic takes marks. OpenAI and Gemini cache
 * prompt prefixes by themselves, so the request is served as well without them; like
 * prompt_cache_key, a hint is not a reason to refuse, but the client is told.
 */
export function cacheControlWarning(req: Pick<CanonicalRequest, 'cacheMarks'>, provider: Pick<ProviderSpec, 'name' | 'type'>): string | undefined {
  if (!req.cacheMarks || provider.type === 'anthropic') return undefined;
  return `cache_control not forwarded: provider "${provider.name}" (${provider.type}) takes no cache marks`;
}

/** Whether an Anthropic request gets cache breakpoints: the model asks for it always, or the client asked with prompt_cache_key. */
export function anthropicBreakpoints(req: Pick<CanonicalRequest, 'promptCacheKey'>, model: Pick<ModelSpec, 'promptCaching'>): boolean {
  return model.promptCaching === 'auto' || req.promptCacheKey !== undefined;
}
