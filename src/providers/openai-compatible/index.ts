// The openai-compatible adapter: Chat Completions for Mistral, DeepSeek and
// Llama hosts (vLLM, Ollama, Together, Groq …). One wire format; the host's
// quirks come from provider.dialect (or are inferred from its base URL).
import type { ProviderAdapter } from '../types.js';
import { resolveDialect } from './dialects.js';
import { mapChatError } from './errors.js';
import { buildChatRequest } from './request.js';
import { parseChatResponse } from './response.js';
import { ChatStreamTranslator } from './stream.js';

export const openaiCompatibleAdapter: ProviderAdapter = {
  type: 'openai-compatible',
  buildRequest(req, target) {
    return buildChatRequest(req, target, { dialect: resolveDialect(target.provider), maxTokensField: 'max_tokens' });
  },
  parseResponse(body, req) {
    return parseChatResponse(body, req);
  },
  createStreamTranslator(req) {
    return new ChatStreamTranslator(req);
  },
  mapError(status, headers, body) {
    return mapChatError(status, headers, body);
  },
};
