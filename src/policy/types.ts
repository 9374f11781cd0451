// The policy vocabulary: the shapes of the YAML documents (as validated by
// schemas/*.schema.json) and of the compiled, immutable PolicySet that every
// request reads. Nothing here does work; it is the contract between the
// policy plane and its readers.

export const POLICY_API_VERSION = 'tokenrouter/v1';

export const POLICY_KINDS = [
  'Providers',
  'Models',
  'RoutingRules',
  'FirewallRules',
  'ApiKeys',
  'Settings',
] as const;
export type PolicyKind = (typeof POLICY_KINDS)[number];

export type RoutingMode = 'balance' | 'cost' | 'quality' | 'latency';
export type ProviderType = 'openai' | 'anthropic' | 'gemini' | 'openai-compatible';
export type Capability = 'tools' | 'vision' | 'json_schema' | 'reasoning' | 'streaming';

export interface ProviderSpec {
  name: string;
  type: ProviderType;
  baseUrl: string;
  apiKeyEnv?: string;
  apiKeyFile?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  enabled?: boolean;
  /** openai-compatible only: whose quirks apply. */
  dialect?: 'generic' | 'mistral' | 'deepseek' | 'vllm' | 'ollama' | 'together' | 'groq';
}

export interface ModelSpec {
  name: string;
  provider: string;
  upstreamModel?: string;
  aliases?: string[];
  pricing: { input: number; output: number; cachedInput?: number };
  quality: number;
  contextWindow: number;
  maxOutputTokens?: number;
  latency?: { ttftMs?: number; tokensPerSecond?: number };
  capabilities: Capability[];
  enabled?: boolean;
}

/** A json-rules-engine condition as written in policy (`when`). */
export type ConditionSpec =
  | { all: ConditionSpec[]; name?: string }
  | { any: ConditionSpec[]; name?: string }
  | { not: ConditionSpec; name?: string }
  | { fact: string; operator: string; value: unknown; path?: string; name?: string };

export interface RoutingMatchSpec {
  contains?: string | string[];
  metadata_equals?: Record<string, string>;
  mode?: RoutingMode;
  task?: string;
}

export interface RoutingActionSpec {
  set_provider?: string;
  set_model?: string;
  set_mode?: RoutingMode;
  add_warning?: { message: string };
  fallback?: string[];
}

export interface RoutingRuleSpec {
  name: string;
  description?: string;
  enabled?: boolean;
  priority?: number;
  match?: RoutingMatchSpec;
  when?: ConditionSpec;
  action: RoutingActionSpec;
}

export interface FirewallRuleSpec {
  name: string;
  description?: string;
  enabled?: boolean;
  priority?: number;
  scope: 'prompt' | 'response';
  type: 'substring' | 'regex';
  pattern: string;
  action: 'block' | 'mask' | 'warn';
  replacement?: string | null;
}

export interface ApiKeySpec {
  name: string;
  sha256: string;
  enabled?: boolean;
  description?: string;
}

export interface ModeWeights {
  cost: number;
  quality: number;
  latency: number;
}

export interface SettingsSpec {
  defaultMode?: RoutingMode;
  allowAnonymous?: boolean;
  maxBodyBytes?: number;
  modeWeights?: Partial<Record<RoutingMode, ModeWeights>>;
}

/** Where a thing was declared, for error messages and the rules API. */
export interface SourceRef {
  file: string;
  line: number;
  col: number;
}

/** One validation or load problem, printed as `file:line:col: /pointer message`. */
export interface PolicyProblem {
  file: string;
  line: number;
  col: number;
  pointer: string;
  message: string;
}

// ---- compiled snapshot ------------------------------------------------------

/** A json-rules-engine rule definition, frozen; an Engine is built from these per evaluation. */
export interface RuleDefinition {
  readonly name: string;
  readonly priority: number;
  readonly conditions: unknown;
  readonly event: { readonly type: 'route'; readonly params: { readonly rule: string } };
}

export interface CompiledRoutingRule {
  readonly name: string;
  readonly enabled: boolean;
  readonly priority: number;
  /** Position in declared order (file name, document, index): the tie-breaker. */
  readonly order: number;
  readonly spec: Readonly<RoutingRuleSpec>;
  readonly definition: RuleDefinition;
  readonly source: SourceRef;
}

export interface CompiledFirewallRule {
  readonly name: string;
  readonly enabled: boolean;
  readonly priority: number;
  readonly order: number;
  readonly spec: Readonly<FirewallRuleSpec>;
  /** For `regex`: the compiled expression (global, for masking). For `substring`: lower-cased needle. */
  readonly regex?: RegExp;
  readonly needle?: string;
  readonly replacement: string;
  readonly source: SourceRef;
}

export interface CompiledApiKey {
  readonly name: string;
  readonly hash: Buffer;
}

export interface PolicySet {
  /** Content hash of the files the set was built from. */
  readonly version: string;
  readonly loadedAt: Date;
  readonly directory: string;
  readonly files: readonly string[];
  readonly providers: ReadonlyMap<string, Readonly<ProviderSpec>>;
  /** Keyed by `provider/name`. */
  readonly models: ReadonlyMap<string, Readonly<ModelSpec>>;
  /** Enabled and disabled, in evaluation order (priority desc, then declared order). */
  readonly routingRules: readonly CompiledRoutingRule[];
  readonly firewallRules: readonly CompiledFirewallRule[];
  readonly apiKeys: readonly CompiledApiKey[];
  readonly settings: Readonly<Required<Pick<SettingsSpec, 'defaultMode' | 'allowAnonymous' | 'maxBodyBytes'>> & Pick<SettingsSpec, 'modeWeights'>>;
}

export const DEFAULT_SETTINGS = Object.freeze({
  defaultMode: 'balance' as RoutingMode,
  allowAnonymous: false,
  maxBodyBytes: 20 * 1024 * 1024,
});
