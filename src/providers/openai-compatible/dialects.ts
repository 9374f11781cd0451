// Whose quirks apply to an OpenAI-compatible Chat Completions host
// (docs/providers.md#provider-notes). The wire is the same everywhere; the dialect only decides
// the handful of places where a host is stricter or different than OpenAI.
import type { ProviderSpec } from '../../policy/types.js';

export type Dialect = NonNullable<ProviderSpec['dialect']>;

export interface DialectRules {
  readonly name: Dialect;
  /** Mistral: tool-call ids must be exactly 9 [A-Za-z0-9]; map them deterministically. */
  readonly nineCharToolIds: boolean;
  /** Mistral: a user message may not directly follow a tool message; insert an assistant bridge. */
  readonly bridgeUserAfterTool: boolean;
  /** How tool_choice "required" is spelled. */
  readonly requiredToolChoice: 'required' | 'any';
  /** DeepSeek: no json_schema; json_object plus the schema in the system prompt. */
  readonly jsonSchemaViaPrompt: boolean;
  /** DeepSeek: json_object needs the word "json" somewhere in the prompt. */
  readonly jsonObjectNeedsJsonWord: boolean;
  /** DeepSeek chat is text-only. */
  readonly images: boolean;
  /** DeepSeek: replay its own reasoning as reasoning_content on tool-call turns. */
  readonly replayReasoningContent: boolean;
  /** Whether parallel_tool_calls is forwarded (DeepSeek has no such switch). */
  readonly parallelToolCalls: boolean;
  /** Mistral: tool messages carry the function name. */
  readonly toolMessageName: boolean;
  /**
   * Whether `stream_options: {include_usage: true}` may be sent. Mistral answers 422 extra_forbidden to
   * it and sends usage on the final chunk anyway.
   */
  readonly streamOptions: boolean;
  /**
   * Chat fields the host takes under another name (the field policy marks them "mapped" for this
   * dialect; test/unit/api/field-policy-dialects.test.ts keeps the two in step).
   */
  readonly fieldNames: Readonly<Record<string, string>>;
}

const GENERIC: DialectRules = {
  name: 'generic',
  nineCharToolIds: false,
  bridgeUserAfterTool: false,
  requiredToolChoice: 'required',
  jsonSchemaViaPrompt: false,
  jsonObjectNeedsJsonWord: false,
  images: true,
  replayReasoningContent: false,
  parallelToolCalls: true,
  toolMessageName: false,
  streamOptions: true,
  fieldNames: {},
};

const RULES: Record<Dialect, DialectRules> = {
  generic: GENERIC,
  vllm: { ...GENERIC, name: 'vllm' },
  ollama: { ...GENERIC, name: 'ollama' },
  together: { ...GENERIC, name: 'together' },
  groq: { ...GENERIC, name: 'groq' },
  mistral: {
    ...GENERIC,
    name: 'mistral',
    nineCharToolIds: true,
    bridgeUserAfterTool: true,
    requiredToolChoice: 'any',
    toolMessageName: true,
    streamOptions: false,
    fieldNames: { seed: 'random_seed' },
  },
  deepseek: {
    ...GENERIC,
    name: 'deepseek',
    jsonSchemaViaPrompt: true,
    jsonObjectNeedsJsonWord: true,
    images: false,
    replayReasoningContent: true,
    parallelToolCalls: false,
  },
};

/** Every dialect, in a stable order (the field policy lists per-dialect fates in this order). */
export const DIALECTS: readonly Dialect[] = Object.keys(RULES) as Dialect[];

/** The key a per-dialect field fate is listed under in RequestField.passedTo / refusedBy. */
export function dialectFateKey(dialect: Dialect): string {
  return `openai-compatible:${dialect}`;
}

/**
 * The keys this provider's field fates may be listed under (src/api/field-policy.ts): its type, and
 * for openai-compatible also its dialect's key. A field lists either form, never both.
 */
export function fateKeys(provider: Readonly<Pick<ProviderSpec, 'type' | 'dialect' | 'baseUrl'> & { deployment?: string | undefined }>): string[] {
  // Azure OpenAI is the OpenAI wire: its v1 API takes what OpenAI takes; its dated deployments API
  // is Chat only, so a Responses-only field meets it as it meets a generic Chat host (refused).
  // Vertex serves Gemini and Anthropic models; the fates are per provider, not per model, so a field
  // either publisher refuses keeps the whole provider out (never a silent drop; docs/providers.md#vertex).
  if (provider.type === 'vertex') return ['gemini', 'anthropic'];
  if (provider.type === 'azure-openai') return provider.deployment !== undefined ? ['openai-compatible', dialectFateKey('generic')] : ['openai'];
  return provider.type === 'openai-compatible' ? [provider.type, dialectFateKey(resolveDialect(provider))] : [provider.type];
}

/** Whether a field's fate list (passedTo / refusedBy) names this provider, by type or by dialect. */
export function listsProvider(keys: readonly string[], provider: Parameters<typeof fateKeys>[0]): boolean {
  return fateKeys(provider).some((k) => keys.includes(k));
}

/** The declared dialect, else inferred from the base URL's host, else generic. */
export function resolveDialect(provider: Readonly<Pick<ProviderSpec, 'dialect' | 'baseUrl'>>): Dialect {
  if (provider.dialect) return provider.dialect;
  let host = '';
  try {
    host = new URL(provider.baseUrl).hostname.toLowerCase();
  } catch {
    return 'generic';
  }
  const is = (domain: string): boolean => host === domain || host.endsWith('.' + domain);
  if (is('mistral.ai')) return 'mistral';
  if (is('deepseek.com')) return 'deepseek';
  if (is('together.xyz') || is('together.ai')) return 'together';
  if (is('groq.com')) return 'groq';
  return 'generic';
}

export function dialectRules(dialect: Dialect): DialectRules {
  return RULES[dialect] ?? GENERIC;
}
