// Provider type → adapter. Adding a wire protocol means adding a folder under
// src/providers/ and one line here (and fixtures for the conformance suite).
import { anthropicAdapter } from './anthropic/index.js';
import { azureOpenaiAdapter } from './azure-openai/index.js';
import { bedrockAdapter } from './bedrock/index.js';
import { geminiAdapter } from './gemini/index.js';
import { openaiAdapter } from './openai/index.js';
import { openaiCompatibleAdapter } from './openai-compatible/index.js';
import type { ProviderAdapter } from './types.js';
import { vertexAdapter } from './vertex/index.js';
import type { ProviderType } from '../policy/types.js';

export const ADAPTERS: Readonly<Record<ProviderType, ProviderAdapter>> = Object.freeze({
  openai: openaiAdapter,
  anthropic: anthropicAdapter,
  gemini: geminiAdapter,
  'openai-compatible': openaiCompatibleAdapter,
  'azure-openai': azureOpenaiAdapter,
  bedrock: bedrockAdapter,
  vertex: vertexAdapter,
});

export function adapterFor(type: ProviderType): ProviderAdapter {
  return ADAPTERS[type];
}
