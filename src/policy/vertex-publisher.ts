// Which publisher's wire a model on Vertex speaks, from its upstream id (docs/providers.md#vertex):
// `claude-*` (or an explicit `anthropic/` prefix) is Anthropic's, anything else (or `google/…`)
// Google's. In policy/ (a leaf every folder may import): the request builder, the warnings about what a served request
// could not take (not-forwarded.ts) and the policy checks all ask it.
import type { ModelSpec, ProviderSpec, ProviderType } from './types.js';

export type Publisher = 'google' | 'anthropic';

/** The publisher and the bare model id (the path segment) of a catalog model on Vertex. */
export function vertexModel(model: Readonly<Pick<ModelSpec, 'name'> & Partial<Pick<ModelSpec, 'upstreamModel'>>>): { publisher: Publisher; id: string } {
  const raw = model.upstreamModel ?? model.name;
  const explicit = /^(google|anthropic)\/(.+)$/.exec(raw);
  if (explicit) return { publisher: explicit[1] as Publisher, id: explicit[2]! };
  return { publisher: /^claude-/i.test(raw) ? 'anthropic' : 'google', id: raw };
}

/** The wire a served request went out on: the provider's type, or for vertex its model's publisher's. */
export function servedWire(provider: Pick<ProviderSpec, 'type'>, model: Pick<ModelSpec, 'name'> & Partial<Pick<ModelSpec, 'upstreamModel'>>): ProviderType {
  if (provider.type !== 'vertex') return provider.type;
  return vertexModel(model).publisher === 'anthropic' ? 'anthropic' : 'gemini';
}
