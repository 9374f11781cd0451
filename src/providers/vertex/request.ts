// CanonicalRequest → Vertex AI request. Vertex serves two publishers' models on their own wires, so
// the bodies are the Gemini and Anthropic adapters' own; only the address, the auth and one body
// field differ (docs/providers.md#vertex):
//   publisher google:     {baseUrl}/v1/projects/{project}/locations/{location}/publishers/google/models/{model}
//                         :generateContent | :streamGenerateContent?alt=sse — the Gemini body as is;
//   publisher anthropic:  …/publishers/anthropic/models/{model}:rawPredict | :streamRawPredict — the
//                         Messages body without `model` (it is in the path) and with
//                         anthropic_version "vertex-2023-10-16" instead of the anthropic-version header;
//   auth:                 Authorization: Bearer <Google access token> (src/upstream/google-token.ts),
//                         never x-goog-api-key or x-api-key.
// The publisher comes from the model's upstream id (src/policy/vertex-publisher.ts): `claude-*` (or an explicit
// `anthropic/` prefix) is Anthropic's, anything else (or `google/…`) Google's — the ids Vertex's
// Model Garden uses, so a catalog entry needs no extra field.
import type { CanonicalRequest } from '../../canonical/types.js';
import type { ProviderSpec } from '../../policy/types.js';
import { buildAnthropicRequest } from '../anthropic/request.js';
import { buildGeminiRequest } from '../gemini/request.js';
import type { Target, UpstreamRequest } from '../types.js';
import { vertexModel, type Publisher } from '../../policy/vertex-publisher.js';

export const VERTEX_ANTHROPIC_VERSION = 'vertex-2023-10-16';

/** {baseUrl}/v1/projects/{project}/locations/{location}/publishers/{publisher} */
export function publisherBase(provider: Readonly<ProviderSpec>, publisher: Publisher): string {
  const base = provider.baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
  return `${base}/v1/projects/${encodeURIComponent(provider.project ?? '')}/locations/${encodeURIComponent(provider.location ?? '')}/publishers/${publisher}`;
}

export function buildVertexRequest(req: CanonicalRequest, target: Target): UpstreamRequest {
  const { publisher, id } = vertexModel(target.model);
  const inner: Target = { ...target, model: { ...target.model, upstreamModel: id } };
  const auth = `Bearer ${target.apiKey}`;
  if (publisher === 'google') {
    // The Gemini builder appends /models/{model}:verb to its base: the publisher base is that base on Vertex.
    const up = buildGeminiRequest(req, { ...inner, provider: { ...target.provider, baseUrl: publisherBase(target.provider, 'google') } });
    const { 'x-goog-api-key': _key, ...headers } = up.headers;
    return { ...up, headers: { ...headers, authorization: auth } };
  }
  const up = buildAnthropicRequest(req, inner);
  const { 'x-api-key': _key, 'anthropic-version': _version, ...headers } = up.headers;
  const { model: _model, ...rest } = JSON.parse(up.body) as Record<string, unknown>;
  const verb = req.stream ? 'streamRawPredict' : 'rawPredict';
  return {
    ...up,
    url: `${publisherBase(target.provider, 'anthropic')}/models/${modelSegment(id)}:${verb}`,
    headers: { ...headers, authorization: auth },
    body: JSON.stringify({ anthropic_version: VERTEX_ANTHROPIC_VERSION, ...rest }),
  };
}

/** The model id as one path segment; `@` stays literal (Vertex's Claude ids are `claude-…@YYYYMMDD`). */
function modelSegment(id: string): string {
  return encodeURIComponent(id).replace(/%40/g, '@');
}
