// Attribute values from the OpenTelemetry GenAI semantic conventions
// (gen_ai.*), kept in one place: the names a trace backend's LLM views group by.
import type { Api } from '../canonical/types.js';
import type { ProviderSpec } from '../policy/types.js';

/** gen_ai.provider.name of a configured provider: the well-known value of its vendor, else its type. */
export function genAiProviderName(p: Pick<ProviderSpec, 'type' | 'dialect'>): string {
  switch (p.type) {
    case 'openai':
      return 'openai';
    case 'anthropic':
      return 'anthropic';
    case 'gemini':
      return 'gcp.gemini';
    case 'vertex':
      return 'gcp.vertex_ai';
    case 'bedrock':
      return 'aws.bedrock';
    case 'azure-openai':
      return 'azure.ai.openai';
    case 'openai-compatible':
      return p.dialect === 'mistral' ? 'mistral_ai' : p.dialect === 'deepseek' ? 'deepseek' : p.dialect === 'groq' ? 'groq' : (p.dialect ?? 'openai-compatible');
  }
}

/** gen_ai.operation.name of a data-plane route: the three chat dialects are all "chat". */
export function genAiOperation(api: Api | 'embeddings' | 'count_tokens'): string {
  return api === 'embeddings' ? 'embeddings' : api === 'count_tokens' ? 'count_tokens' : 'chat';
}
