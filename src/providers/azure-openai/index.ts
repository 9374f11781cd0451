// The azure-openai adapter: the OpenAI wire (its Responses and Chat builders, parsers and stream
// translators, unchanged) addressed to an Azure OpenAI resource, with Azure's credential header and
// its content-filter and rate-limit errors (request.ts, errors.ts; docs/providers.md#azure-openai).
// A 200 whose Chat finish_reason is content_filter, or a Responses answer incomplete for
// content_filter, is already the canonical content_filter finish in the OpenAI parsers.
import { parseChatResponse } from '../openai-compatible/response.js';
import { parseResponsesBody } from '../openai/response.js';
import type { ProviderAdapter } from '../types.js';
import { mapAzureError } from './errors.js';
import { buildAzureRequest } from './request.js';
import { AzureStreamTranslator } from './stream.js';

export const azureOpenaiAdapter: ProviderAdapter = {
  type: 'azure-openai',
  buildRequest: buildAzureRequest,
  // The parsers follow the wire the request went out on, which buildRequest chose from the provider
  // (a Responses caller meets Chat on the deployments API); only the request is known here, and the
  // two wires' answers cannot be mistaken for each other, so the answer itself tells (stream.ts too).
  parseResponse(body, req) {
    return isChatAnswer(body) ? parseChatResponse(body, req) : parseResponsesBody(body, req);
  },
  createStreamTranslator(req) {
    return new AzureStreamTranslator(req);
  },
  mapError: mapAzureError,
};

/** A Chat completion body (object "chat.completion", or choices) rather than a Response. */
function isChatAnswer(body: unknown): boolean {
  const b = body as { object?: unknown; choices?: unknown } | null;
  return !!b && typeof b === 'object' && (b.object === 'chat.completion' || Array.isArray(b.choices));
}
