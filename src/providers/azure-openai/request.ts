// CanonicalRequest → Azure OpenAI request. Azure OpenAI is the OpenAI wire at another address
// with another credential header, so the bodies are the OpenAI adapter's own (Responses and Chat
// builders); only the URL and the auth differ:
//   v1 API (no deployment):   {baseUrl}/openai/v1/responses | /openai/v1/chat/completions,
//                             the model (the deployment name) in the body, as OpenAI does;
//   deployments API:          {baseUrl}/openai/deployments/{deployment}/chat/completions?api-version=…
//                             Chat wire only, for Responses callers too: the dated API has no
//                             Responses on the api-versions clusters still pin, and one wire per
//                             provider keeps the field fates simple (dialects.ts fateKeys).
//   auth:                     `api-key: <key>` (apiKeyEnv / apiKeyFile), or `Authorization: Bearer
//                             <token>` when the provider reads an Entra ID token from tokenFile.
import type { CanonicalRequest } from '../../canonical/types.js';
import type { ProviderSpec } from '../../policy/types.js';
import { buildResponsesBody } from '../openai/request.js';
import { buildChatBody, type ChatBuildOptions } from '../openai-compatible/request.js';
import { providerHeaderTemplate, requestHeaders } from '../shared/headers.js';
import type { Target, UpstreamRequest } from '../types.js';

/** What the OpenAI adapter sends on the Chat wire; the deployments API takes the same (max_completion_tokens since 2024-09). */
const CHAT_OPTIONS: ChatBuildOptions = {
  dialect: 'generic',
  maxTokensField: 'max_completion_tokens',
  forwardUser: true,
  forwardReasoningEffort: true,
  forwardPromptCacheKey: true,
};

/** The resource endpoint: a baseUrl given with its /openai or /openai/v1 suffix is taken as the same resource. */
export function resourceEndpoint(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '').replace(/\/openai(?:\/v1)?$/i, '');
}

export function azureUrl(provider: Readonly<Pick<ProviderSpec, 'baseUrl' | 'deployment' | 'apiVersion'>>, api: CanonicalRequest['api']): string {
  const base = resourceEndpoint(provider.baseUrl);
  if (provider.deployment !== undefined) {
    const version = encodeURIComponent(provider.apiVersion ?? '');
    return `${base}/openai/deployments/${encodeURIComponent(provider.deployment)}/chat/completions?api-version=${version}`;
  }
  return `${base}/openai/v1/${api === 'chat' ? 'chat/completions' : 'responses'}`;
}

/** The credential header: a bearer token read from tokenFile, else the resource key as api-key. */
export function azureAuthHeader(target: Target): Record<string, string> {
  return target.provider.tokenFile !== undefined ? { authorization: `Bearer ${target.apiKey}` } : { 'api-key': target.apiKey };
}

/** Whether this provider speaks the Chat wire for every request (the deployments API). */
export function chatOnly(provider: Readonly<Pick<ProviderSpec, 'deployment'>>): boolean {
  return provider.deployment !== undefined;
}

export function buildAzureRequest(req: CanonicalRequest, target: Target): UpstreamRequest {
  const chat = req.api === 'chat' || chatOnly(target.provider);
  const body = chat ? buildChatBody(req, target, CHAT_OPTIONS) : buildResponsesBody(req, target);
  return {
    url: azureUrl(target.provider, chat ? 'chat' : 'responses'),
    method: 'POST',
    headers: requestHeaders(providerHeaderTemplate(target.provider), {
      ...azureAuthHeader(target),
      'content-type': 'application/json',
      accept: req.stream ? 'text/event-stream' : 'application/json',
    }),
    body: JSON.stringify(body),
    stream: req.stream,
  };
}
