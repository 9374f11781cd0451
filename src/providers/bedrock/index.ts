// The AWS Bedrock Runtime adapter: Converse / ConverseStream (bedrock-runtime.REGION.amazonaws.com),
// signed with SigV4 from the standard AWS credential chain. Translation is pure; the attempt
// loop calls `authorize` (the signing) just before sending and decodes the stream's binary
// event-stream framing with `createStreamDecoder`.
import type { ProviderAdapter } from '../types.js';
import { mapBedrockError } from './errors.js';
import { buildBedrockRequest } from './request.js';
import { parseBedrockResponse } from './response.js';
import { signBedrockRequest } from './sign.js';
import { createBedrockStreamTranslator, createEventStreamDecoder } from './stream.js';

export const bedrockAdapter: ProviderAdapter = {
  type: 'bedrock',
  buildRequest: buildBedrockRequest,
  parseResponse: parseBedrockResponse,
  createStreamTranslator: createBedrockStreamTranslator,
  mapError: mapBedrockError,
  createStreamDecoder: createEventStreamDecoder,
  authorize: (upstream, target) => signBedrockRequest(upstream, target.provider),
  usesProviderKey: false,
};
