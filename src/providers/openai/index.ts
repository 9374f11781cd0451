// The openai adapter: Responses callers are served natively from /responses
// (store:false, the router keeps state); Chat callers go to /chat/completions
// through the openai-compatible implementation with the generic dialect
// (max_completion_tokens, which reasoning models require, plus user and
// reasoning_effort and prompt_cache_key, which OpenAI understands).
import type { CanonicalRequest } from '../../canonical/types.js';
import { buildChatRequest } from '../openai-compatible/request.js';
import { parseChatResponse } from '../openai-compatible/response.js';
import { ChatStreamTranslator } from '../openai-compatible/stream.js';
import type { ProviderAdapter, Target, UpstreamRequest } from '../types.js';
import { mapOpenAIError } from './errors.js';
import { buildResponsesRequest } from './request.js';
import { parseResponsesBody } from './response.js';
import { ResponsesStreamTranslator } from './stream.js';

function buildRequest(req: CanonicalRequest, target: Target): UpstreamRequest {
  if (req.api === 'chat') {
    return buildChatRequest(req, target, {
      dialect: 'generic',
      maxTokensField: 'max_completion_tokens',
      forwardUser: true,
      forwardReasoningEffort: true,
      forwardPromptCacheKey: true,
    });
  }
  return buildResponsesRequest(req, target);
}

export const openaiAdapter: ProviderAdapter = {
  type: 'openai',
  buildRequest,
  parseResponse(body, req) {
    return req.api === 'chat' ? parseChatResponse(body, req) : parseResponsesBody(body, req);
  },
  createStreamTranslator(req) {
    return req.api === 'chat' ? new ChatStreamTranslator(req) : new ResponsesStreamTranslator(req);
  },
  mapError(status, headers, body) {
    return mapOpenAIError(status, headers, body);
  },
};
