// The Google Gemini adapter (generativelanguage.googleapis.com, v1beta):
// generateContent / streamGenerateContent?alt=sse with x-goog-api-key.
// Translation only; src/upstream/ does the I/O.
import type { ProviderAdapter } from '../types.js';
import { mapGeminiError } from './errors.js';
import { buildGeminiRequest } from './request.js';
import { parseGeminiResponse } from './response.js';
import { createGeminiStreamTranslator } from './stream.js';

export const geminiAdapter: ProviderAdapter = {
  type: 'gemini',
  buildRequest: buildGeminiRequest,
  parseResponse: parseGeminiResponse,
  createStreamTranslator: createGeminiStreamTranslator,
  mapError: mapGeminiError,
};
