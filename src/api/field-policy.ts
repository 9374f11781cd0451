// What the router does with every top-level request field of the two OpenAI APIs, per provider
// type (and, where an openai-compatible host dialect differs, per dialect: byDialect) — ONE table, read by the normalizers (unknown fields, fields refused everywhere), by routing
// (fields some provider types cannot serve exclude those candidates) and by the adapters (fields
// passed verbatim to a provider that speaks the API natively). docs/clients/field-policy.md renders
// the same table; test/unit/api/field-policy.test.ts fails when a field of CreateResponse or
// CreateChatCompletionRequest has no row here or there. The rule: no silent drops — a
// field is mapped, passed, or refused (prompt_cache_key's "warned" is the one documented hint that
// is accepted and reported in x-tokenrouter-warnings where it cannot be forwarded).
import type { Api, RequestField } from '../canonical/types.js';
import { SMUGGLING_KEYS } from './checks.js';
import { RouterError } from '../errors/registry.js';
import { DIALECTS, dialectFateKey, type Dialect } from '../providers/openai-compatible/dialects.js';

export type ProviderType = 'openai' | 'anthropic' | 'gemini' | 'openai-compatible';
export const PROVIDER_TYPES: readonly ProviderType[] = ['openai', 'anthropic', 'gemini', 'openai-compatible'];

/**
 * mapped  the router translates the field into the provider's own form, or honours it itself
 *         (stream, store, metadata, previous_response_id);
 * passed  forwarded verbatim (the provider speaks this API natively);
 * refused 400 unsupported_parameter before routing when every type refuses it, otherwise routing
 *         excludes the provider types that refuse it (422 no_candidates naming the field when none is left);
 * warned  accepted, not forwarded, the answer says so in x-tokenrouter-warnings (prompt_cache_key only).
 */
export type Disposition = 'mapped' | 'passed' | 'refused' | 'warned';

export interface FieldRow {
  kind: 'schema' | 'alias' | 'router';
  /** Per provider type; router extensions and aliases are the router's own (mapped everywhere). */
  by: Readonly<Record<ProviderType, Disposition>>;
  /**
   * Where an openai-compatible host dialect (providers/openai-compatible/dialects.ts) differs from the
   * openai-compatible column: the hosts share one wire but not one parameter list (Mistral answers 422
   * to what it does not know, DeepSeek ignores it), so a fate per type alone would drop or leak there.
   */
  byDialect?: Readonly<Partial<Record<Dialect, Disposition>>>;
  note: string;
  /**
   * Bedrock (Converse), when it differs from the Gemini column it otherwise follows: both translate
   * every field into their own shape, neither speaks an OpenAI wire, neither has a parallel-tool switch.
   */
  bedrock?: Disposition;
  /** Values that mean "the default": treated as if the field were absent (e.g. truncation "disabled"). */
  neutral?: (v: unknown) => boolean;
}

const all = (d: Disposition): Record<ProviderType, Disposition> => ({ openai: d, anthropic: d, gemini: d, 'openai-compatible': d });
const openaiOnly: Record<ProviderType, Disposition> = { openai: 'passed', anthropic: 'refused', gemini: 'refused', 'openai-compatible': 'refused' };
const chatNative: Record<ProviderType, Disposition> = { openai: 'passed', anthropic: 'refused', gemini: 'refused', 'openai-compatible': 'passed' };
const cacheKey: Record<ProviderType, Disposition> = { openai: 'passed', anthropic: 'mapped', gemini: 'warned', 'openai-compatible': 'warned' };
const emptyList = (v: unknown) => Array.isArray(v) && v.length === 0;
const isFalse = (v: unknown) => v === false;

const row = (by: Record<ProviderType, Disposition>, note: string, neutral?: (v: unknown) => boolean): FieldRow => ({ kind: 'schema', by, note, ...(neutral ? { neutral } : {}) });
/** The same row with per-dialect fates for openai-compatible hosts (documented parameter lists of Mistral and DeepSeek). */
const dialects = (r: FieldRow, byDialect: Partial<Record<Dialect, Disposition>>): FieldRow => ({ ...r, byDialect });
const mapped = (note: string) => row(all('mapped'), note);
const refused = (note: string, neutral?: (v: unknown) => boolean) => row(all('refused'), note, neutral);
const router = (note: string): FieldRow => ({ kind: 'router', by: all('mapped'), note });
const alias = (note: string): FieldRow => ({ kind: 'alias', by: all('mapped'), note });

/** Fields both APIs share, with the same fate. */
const common: Record<string, FieldRow> = {
  model: mapped('routing: a catalog model, auto[:mode] or provider/model; the provider gets its own model id'),
  metadata: mapped('kept by the router (stored response, echo), never forwarded'),
  temperature: mapped('translated per provider'),
  top_p: mapped('translated per provider'),
  user: mapped('echoed in the Responses answer; sent upstream as user to OpenAI only (Anthropic metadata.user_id is not filled yet)'),
  safety_identifier: mapped('read as user (wins over it)'),
  prompt_cache_key: row(cacheKey, 'see docs/clients/prompt-caching.md: Anthropic cache breakpoints; elsewhere not forwarded, reported in x-tokenrouter-warnings'),
  prompt_cache_retention: row(openaiOnly, 'OpenAI-only cache setting'),
  prompt_cache_options: row(openaiOnly, 'OpenAI-only cache setting'),
  tools: mapped('function tools only; hosted tools are refused per item'),
  tool_choice: mapped('auto, none, required or one function'),
  parallel_tool_calls: dialects(
    row({ openai: 'mapped', anthropic: 'mapped', gemini: 'refused', 'openai-compatible': 'mapped' }, 'Gemini and DeepSeek have no switch for it: false routes away from them (true is the default everywhere)', (v) => v === true),
    { deepseek: 'refused' },
  ),
  stream: mapped('the router streams in the client\'s wire format'),
  service_tier: row(openaiOnly, 'OpenAI processing tier; "auto" and "default" are the default', (v) => v === 'auto' || v === 'default'),
  top_logprobs: refused('the router does not return log probabilities'),
  moderation: refused('OpenAI-side moderation of this response is not run by the router (use the firewall)'),
};

export const RESPONSES_FIELDS: Readonly<Record<string, FieldRow>> = {
  ...common,
  input: mapped('items translated per provider'),
  instructions: mapped('system prompt per provider'),
  text: mapped('text.format (json_schema, json_object); text.verbosity other than "medium" is refused'),
  max_output_tokens: mapped('translated per provider (within the model\'s limit)'),
  reasoning: mapped('reasoning.effort: OpenAI as sent, Anthropic thinking budget, Gemini thinkingConfig; OpenAI-compatible hosts have no switch (not sent, warned); reasoning.summary returns what the provider gives as reasoning text'),
  store: mapped('the router\'s own response store'),
  previous_response_id: mapped('resolved from the router\'s response store'),
  background: refused('background responses are not supported by the router', isFalse),
  stream_options: refused('include_obfuscation is not supported (the router adds no obfuscation)', (v) => v !== null && typeof v === 'object' && !(v as Record<string, unknown>).include_obfuscation),
  include: row(all('mapped'), 'only reasoning.encrypted_content: reasoning items carry each provider\'s opaque state, wrapped by the router (docs/clients/reasoning.md); other values ask for outputs the router does not return (400)', emptyList),
  conversation: row(openaiOnly, 'OpenAI server-side conversation: the router holds no conversation objects, so only an OpenAI provider can serve it'),
  prompt: row(openaiOnly, 'OpenAI server-side prompt template: only an OpenAI provider can resolve it'),
  truncation: row(openaiOnly, '"disabled" (the default) is what every provider does; "auto" is OpenAI-only', (v) => v === 'disabled'),
  max_tool_calls: row(openaiOnly, 'OpenAI limit on built-in tool calls'),
  context_management: row(openaiOnly, 'OpenAI server-side compaction'),
  response_format: alias('the hosted product\'s shape: read as text.format'),
};

export const CHAT_FIELDS: Readonly<Record<string, FieldRow>> = {
  ...common,
  messages: mapped('messages translated per provider'),
  response_format: mapped('text, json_object, json_schema'),
  max_tokens: mapped('as max_completion_tokens'),
  max_completion_tokens: mapped('translated per provider (within the model\'s limit)'),
  stop: mapped('translated per provider'),
  stream_options: mapped('include_usage'),
  reasoning_effort: mapped('OpenAI as sent, Anthropic thinking budget, Gemini thinkingConfig; OpenAI-compatible hosts have no switch (not sent, warned)'),
  n: refused('only n = 1', (v) => v === 1),
  store: row(openaiOnly, 'OpenAI stored completions; false is the default', isFalse),
  modalities: refused('text output only', (v) => Array.isArray(v) && v.every((m) => m === 'text')),
  audio: refused('no audio output'),
  verbosity: row(openaiOnly, 'OpenAI-only'),
  frequency_penalty: row(chatNative, 'Chat Completions sampling: passed where the provider speaks Chat'),
  presence_penalty: row(chatNative, 'Chat Completions sampling: passed where the provider speaks Chat'),
  seed: dialects(row(chatNative, 'Chat Completions sampling: passed where the provider speaks Chat; Mistral calls it random_seed; DeepSeek has none'), { mistral: 'mapped', deepseek: 'refused' }),
  logit_bias: dialects(row(chatNative, 'token ids are per tokenizer: passed where the provider speaks Chat; Mistral and DeepSeek have none'), { mistral: 'refused', deepseek: 'refused' }),
  logprobs: refused('the router does not return log probabilities', isFalse),
  prediction: row(openaiOnly, 'OpenAI predicted outputs'),
  web_search_options: refused('hosted web search is not run by the router'),
  functions: refused('deprecated: send tools'),
  function_call: refused('deprecated: send tool_choice'),
};

/**
 * Anthropic Messages (src/api/messages/normalize.ts, docs/api/messages.md). Served by Anthropic the
 * request goes as sent; elsewhere each field is translated or, where a provider type has no form
 * for it, routing excludes that type. Anthropic-only server features (containers, MCP connectors)
 * are refused: the router runs no such tools and cannot know Anthropic will.
 */
export const MESSAGES_FIELDS: Readonly<Record<string, FieldRow>> = {
  model: common.model!,
  max_tokens: mapped('required; translated per provider'),
  messages: mapped('content blocks translated per provider (docs/api/messages.md)'),
  system: mapped('system prompt per provider; blocks keep their cache_control for Anthropic'),
  metadata: mapped('metadata.user_id is the user: Anthropic metadata.user_id, OpenAI user; not forwarded elsewhere'),
  stop_sequences: row({ openai: 'refused', anthropic: 'mapped', gemini: 'mapped', 'openai-compatible': 'mapped' }, 'the OpenAI Responses wire (the one the OpenAI adapter speaks for Messages) has no stop sequences', emptyList),
  stream: common.stream!,
  temperature: mapped('translated per provider (0–1 as Anthropic takes it)'),
  top_p: mapped('translated per provider'),
  // Bedrock: top-k lives in additionalModelRequestFields under a different name per model family.
  top_k: { ...row({ openai: 'refused', anthropic: 'passed', gemini: 'mapped', 'openai-compatible': 'refused' }, 'only Anthropic (top_k) and Gemini (topK) sample by top-k'), bedrock: 'refused' },
  tools: mapped('custom tools only; Anthropic server tools (web_search, bash, text_editor, computer, …) are refused per item'),
  tool_choice: mapped('auto, any, tool or none; disable_parallel_tool_use as parallel tool calls off'),
  thinking: mapped('Anthropic: as sent; Gemini 2.5: the exact budget; OpenAI: reasoning effort by budget band; OpenAI-compatible hosts: not sent (warned)'),
  service_tier: row({ openai: 'refused', anthropic: 'passed', gemini: 'refused', 'openai-compatible': 'refused' }, 'Anthropic capacity tier; "auto" is the default', (v) => v === 'auto'),
  container: refused('Anthropic code-execution containers are not run by the router'),
  mcp_servers: refused('Anthropic\'s MCP connector is not run by the router; give the tools as custom tools'),
  context_management: refused('Anthropic server-side context editing is not run by the router'),
};

export const ROUTER_FIELDS: Readonly<Record<string, FieldRow>> = {
  router_mode: router('TokenRouter: routing mode'),
  router_model: router('TokenRouter: pin a model'),
  router_provider: router('TokenRouter: pin a provider'),
  router_assume_credentials: router('TokenRouter: explain/diff only (routing without provider keys)'),
  router_stream_format: router('TokenRouter: stream dialect of /v1/responses (openai or tokenrouter)'),
};

/**
 * The fates of one row under the keys RequestField uses: the provider types, with openai-compatible
 * split into `openai-compatible:<dialect>` keys only when the row has a per-dialect fate (so the lists
 * stay short and a key is never listed both bare and per dialect).
 */
export function fates(def: FieldRow): [string, Disposition][] {
  const out: [string, Disposition][] = [];
  for (const t of PROVIDER_TYPES) {
    if (t === 'openai-compatible' && def.byDialect) {
      for (const d of DIALECTS) out.push([dialectFateKey(d), def.byDialect[d] ?? def.by[t]]);
    } else out.push([t, def.by[t]]);
  }
  // Bedrock is not a documented column yet (docs/providers.md#bedrock lists its differences).
  out.push(['bedrock', bedrockFate(def)]);
  return out;
}

/** A row's fate on Bedrock: its own where given, else the Gemini column's. */
export function bedrockFate(def: FieldRow): Disposition {
  return def.bedrock ?? def.by.gemini;
}

/** A row's provider-type keys split by fate, the lists RequestField carries: frozen, shared by every request. */
export interface FateLists {
  readonly passedTo: readonly string[];
  readonly refusedBy: readonly string[];
  /** Every key refuses the row. */
  readonly refusedEverywhere: boolean;
}

/**
 * fates() split into the passed and refused lists, once per row: the tables are static, and building
 * ten-odd small arrays per field per request showed in the allocation profile.
 */
const fateListCache = new WeakMap<FieldRow, FateLists>();
export function fateLists(def: FieldRow): FateLists {
  let lists = fateListCache.get(def);
  if (!lists) {
    const types = fates(def);
    const refusedBy = Object.freeze(types.filter(([, d]) => d === 'refused').map(([t]) => t));
    const passedTo = Object.freeze(types.filter(([, d]) => d === 'passed').map(([t]) => t));
    lists = Object.freeze({ passedTo, refusedBy, refusedEverywhere: refusedBy.length === types.length });
    fateListCache.set(def, lists);
  }
  return lists;
}

/** The fate of a row for one provider type (and dialect, for openai-compatible). */
export function fateFor(def: FieldRow, type: ProviderType, dialect?: Dialect): Disposition {
  return (type === 'openai-compatible' && dialect !== undefined ? def.byDialect?.[dialect] : undefined) ?? def.by[type];
}

export function fieldTable(api: Api): Readonly<Record<string, FieldRow>> {
  return api === 'responses' ? RESPONSES_FIELDS : api === 'messages' ? MESSAGES_FIELDS : CHAT_FIELDS;
}

/** A field the caller actually used: present, not null, not one of its default values. */
export function used(rowDef: FieldRow, v: unknown): boolean {
  return v !== undefined && v !== null && !(rowDef.neutral?.(v) ?? false);
}

/**
 * Every top-level field of the body against the table: unknown fields answer 400 unknown_parameter
 * as OpenAI does; a used field every provider type refuses answers 400 unsupported_parameter; a
 * used field some types refuse or take verbatim is returned for routing (which excludes the types
 * that refuse it) and for the adapters (which forward it where it is passed).
 */
export function checkFields(api: Api, body: Record<string, unknown>): RequestField[] {
  const table = fieldTable(api);
  const out: RequestField[] = [];
  for (const [name, value] of Object.entries(body)) {
    if (Object.hasOwn(ROUTER_FIELDS, name) || SMUGGLING_KEYS.has(name)) continue;
    const def = Object.hasOwn(table, name) ? table[name] : undefined;
    if (!def) throw new RouterError('unknown_parameter', api === 'messages' ? `${name}: Extra inputs are not permitted` : `Unknown parameter: '${name}'.`, name);
    if (def.kind !== 'schema' || !used(def, value)) continue;
    const { passedTo, refusedBy, refusedEverywhere } = fateLists(def);
    if (refusedEverywhere) throw new RouterError('unsupported_parameter', `Unsupported parameter: '${name}' is not supported by the router: ${def.note}.`, name);
    if (refusedBy.length === 0 && !def.byDialect) continue;
    out.push({ name, value, passedTo, refusedBy, note: def.note });
  }
  return out;
}
