// The policy vocabulary: the shapes of the YAML documents (as validated by
// schemas/*.schema.json) and of the compiled, immutable PolicySet that every
// request reads. Nothing here does work; it is the contract between the
// policy plane and its readers.
import type { LinearRegex } from './regex/linear.js';
import type { SettingsSpec } from './settings-types.js';
// The Settings kind lives in settings-types.ts; its names are part of this vocabulary.
export type { FirewallSettingsSpec, ModeWeights, ResilienceSpec, BalancingStrategy, ConsoleSettingsSpec, SettingsSpec, CacheSettingsSpec, StateSettingsSpec, RedisSettingsSpec, PriceSourceSpec } from './settings-types.js';

export const POLICY_API_VERSION = 'tokenrouter/v1';

export const POLICY_KINDS = [
  'Providers',
  'Models',
  'RoutingRules',
  'FirewallRules',
  'ApiKeys',
  'Settings',
  'PolicyTest',
] as const;
export type PolicyKind = (typeof POLICY_KINDS)[number];

export type RoutingMode = 'balance' | 'cost' | 'quality' | 'latency';
export type ProviderType = 'openai' | 'anthropic' | 'gemini' | 'openai-compatible' | 'azure-openai' | 'bedrock' | 'vertex';
/** `embeddings`: an embedding model, priced for POST /v1/embeddings and never a candidate for Responses or Chat. */
export type Capability = 'tools' | 'vision' | 'json_schema' | 'reasoning' | 'streaming' | 'embeddings';

export interface ProviderSpec {
  name: string;
  type: ProviderType;
  /** Optional in policy for bedrock only: compile.ts fills in the region's endpoint. */
  baseUrl: string;
  /** One env var, or a key pool: several, used round-robin (src/upstream/key-pool.ts). */
  apiKeyEnv?: string | string[];
  apiKeyFile?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  enabled?: boolean;
  /**
   * azure-openai only: the deployment and the dated api-version of the deployments API
   * (/openai/deployments/{deployment}/chat/completions?api-version=…), always together; without
   * them the v1 API (/openai/v1/responses, /openai/v1/chat/completions) with the model in the body.
   */
  deployment?: string;
  apiVersion?: string;
  /**
   * azure-openai only: a file holding an Entra ID bearer token that the cluster refreshes
   * (workload identity); sent as Authorization: Bearer, re-read whenever the file changes.
   */
  tokenFile?: string;
  /** bedrock only: the AWS region (the SigV4 signing scope; the regional endpoint when the policy gives no baseUrl). */
  region?: string;
  /** vertex only: the Google Cloud project and the Vertex AI location (region, or global). */
  project?: string;
  location?: string;
  /**
   * vertex only: a service-account JSON key (default GOOGLE_APPLICATION_CREDENTIALS; with neither,
   * workload identity through Application Default Credentials). src/upstream/google-token.ts.
   */
  credentialsFile?: string;
  /** openai-compatible only: whose quirks apply. */
  dialect?: 'generic' | 'mistral' | 'deepseek' | 'vllm' | 'ollama' | 'together' | 'groq';
  /** Account limits: past one, the provider leaves the candidate set (src/state/limits.ts). */
  limits?: ProviderLimits;
}

export interface ProviderLimits {
  /** Requests per minute (sliding 60 s window). */
  rpm?: number;
  /** Input + output tokens per minute (sliding 60 s window). */
  tpm?: number;
  /** Upstream calls in flight at once. */
  maxConcurrency?: number;
  /** Spend per UTC day, from reported usage at live or catalog prices. */
  dailyBudgetUsd?: number;
}

export interface ModelSpec {
  name: string;
  provider: string;
  upstreamModel?: string;
  /** Share among the deployments of this name on other providers under `balancing: weighted` (default 1). */
  weight?: number;
  aliases?: string[];
  pricing: { input: number; output: number; cachedInput?: number; cacheWrite?: number };
  quality: number;
  contextWindow: number;
  maxOutputTokens?: number;
  latency?: { ttftMs?: number; tokensPerSecond?: number };
  capabilities: Capability[];
  enabled?: boolean;
  /**
   * Anthropic models: "auto" puts cache breakpoints on the stable prefix (tools, system, earlier
   * turns) of every request; "off" (default) only when the client sends prompt_cache_key.
   * Other providers cache by prefix on their own and ignore it.
   */
  promptCaching?: 'auto' | 'off';
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
  /** The response cache for the matched requests: a TTL (on even with Settings.cache off) or false (never). */
  cache?: { ttlSeconds: number } | false;
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
  /** substring: case-insensitive text; regex: a pattern; detector: a built-in detector name (vocabulary.ts). */
  type: 'substring' | 'regex' | 'detector';
  pattern: string;
  action: 'block' | 'mask' | 'warn';
  replacement?: string | null;
  /** Applies the rule only to requests these routing facts match (json-rules-engine syntax). */
  when?: ConditionSpec;
}

export interface ApiKeySpec {
  name: string;
  sha256: string;
  enabled?: boolean;
  description?: string;
  /** When set, the key is routed only to these providers. */
  allowedProviders?: string[];
  /** When set, only to these models: `provider/model`, or a model name (any provider serving it). */
  allowedModels?: string[];
  /** Requests per minute (sliding 60 s window, shared across replicas by the state backend). */
  rpm?: number;
  /** Input + output tokens per minute (sliding 60 s window). */
  tpm?: number;
  /** Spend cap per UTC day or month; an estimate is reserved before each call, the real cost settled after. */
  budgetUsd?: { amount: number; period: 'day' | 'month' };
  /** May read every key's usage at GET /v1/usage (others see only their own). */
  admin?: boolean;
  /** The /v1/responses stream dialect for this key's requests (a request's header or body field wins). */
  streamFormat?: 'openai' | 'tokenrouter';
}

/** `tokenrouter test` cases; validated with the set, ignored when serving. */
export interface PolicyTestSpec {
  assumeCredentials?: boolean;
  cases: PolicyTestCase[];
}

export interface PolicyTestCase {
  name: string;
  description?: string;
  caller?: string;
  request: Record<string, unknown>;
  expect: {
    provider?: string;
    model?: string;
    mode?: RoutingMode;
    warnings?: string[];
    rules?: string[];
    firewall?: 'block' | 'mask' | 'warn' | 'none';
    /** The prompt-firewall rules that acted, in evaluation order. */
    firewallRules?: string[];
    /** The rule that blocked the prompt. */
    blockedBy?: string;
    /** Every prompt text the firewall scans, after masking, in scanning order. */
    maskedPrompt?: string[];
    error?: string;
  };
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

/** What the rules API shows besides the spec: the hosted SDK's numeric id and timestamps. */
export interface RuleIdentity {
  /** From the name (policy/rule-ids.ts): stable across reloads and replicas. */
  readonly id: number;
  /** ISO-8601: the document's metadata.createdAt, else its updatedAt, else when the set was loaded. */
  readonly createdAt: string;
  /** ISO-8601: the document's metadata.updatedAt, else when the set was loaded. */
  readonly updatedAt: string;
}

export interface CompiledRoutingRule extends RuleIdentity {
  readonly name: string;
  readonly enabled: boolean;
  readonly priority: number;
  /** Position in declared order (file name, document, index): the tie-breaker. */
  readonly order: number;
  readonly spec: Readonly<RoutingRuleSpec>;
  readonly definition: RuleDefinition;
  readonly source: SourceRef;
}

export interface CompiledFirewallRule extends RuleIdentity {
  readonly name: string;
  readonly enabled: boolean;
  readonly priority: number;
  readonly order: number;
  readonly spec: Readonly<FirewallRuleSpec>;
  /** For `regex`: the compiled expression (on the linear-time engine, src/policy/regex/linear.ts). For `substring`: lower-cased needle. Scanning builds its matchers from these and spec (src/firewall/rules.ts). */
  readonly regex?: LinearRegex;
  readonly needle?: string;
  readonly replacement: string;
  readonly source: SourceRef;
}

export interface CompiledApiKey {
  readonly name: string;
  readonly hash: Buffer;
  readonly admin?: boolean;
  readonly streamFormat?: 'openai' | 'tokenrouter';
  /** Present when the key has rpm, tpm or budgetUsd. */
  readonly limits?: KeyLimits;
}

/** A client key's own limits (src/state/key-admission.ts). */
export interface KeyLimits {
  readonly rpm?: number;
  readonly tpm?: number;
  readonly budget?: { readonly amountUsd: number; readonly period: 'day' | 'month' };
}

/** What one API key may be routed to; a key without restrictions has no entry in PolicySet.scopes. */
export interface KeyScope {
  readonly providers?: ReadonlySet<string>;
  /** Catalog keys (`provider/name`) that allowedModels resolved to. */
  readonly models?: ReadonlySet<string>;
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
  /** Routing scope per API key name, for keys with allowedProviders / allowedModels. */
  readonly scopes: ReadonlyMap<string, KeyScope>;
  readonly settings: Readonly<Required<Pick<SettingsSpec, 'defaultMode' | 'allowAnonymous' | 'maxBodyBytes'>> & Pick<SettingsSpec, 'balancing' | 'modeWeights' | 'priceSources' | 'resilience' | 'firewall' | 'errors' | 'state' | 'streamFormat' | 'anthropicBetas' | 'cache' | 'tracing' | 'console'>>;
}

export const DEFAULT_SETTINGS = Object.freeze({
  defaultMode: 'balance' as RoutingMode,
  allowAnonymous: false,
  maxBodyBytes: 20 * 1024 * 1024,
});

/** Firewall settings when Settings.firewall leaves them out. */
export const FIREWALL_DEFAULTS = Object.freeze({
  blockStatus: 403 as 403 | 422,
  maxMatchChars: 256 as number,
  scanBudgetMs: 1000 as number,
});
