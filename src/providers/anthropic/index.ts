// The Anthropic Messages adapter (POST {baseUrl}/messages, docs/providers.md).
import type { ProviderAdapter } from '../types.js';
import { mapAnthropicError } from './errors.js';
import { buildAnthropicRequest } from './request.js';
import { parseAnthropicResponse } from './response.js';
import { createAnthropicStreamTranslator } from './stream.js';

export const anthropicAdapter: ProviderAdapter = {
  type: 'anthropic',
  buildRequest: buildAnthropicRequest,
  parseResponse: parseAnthropicResponse,
  createStreamTranslator: createAnthropicStreamTranslator,
  mapError: mapAnthropicError,
};
