// The router's one internal language. A Responses request and a Chat request
// both normalise to a CanonicalRequest; every provider response or stream
// translates to CanonicalEvents; the renderers turn those events into the
// wire format the client asked for. Nothing here knows any wire format.

export type Api = 'responses' | 'chat' | 'messages';

/** A client's prompt-cache mark (Anthropic's cache_control; src/api/cache-control.ts). ttl absent = the provider's default (5m). */
export interface CacheControl {
  ttl?: '5m' | '1h';
}

export type ContentPart =
  | { type: 'text'; text: string; cacheControl?: CacheControl }
  /** url is an http(s) URL or a data: URL (base64). */
  | { type: 'image'; url: string; detail?: 'auto' | 'low' | 'high'; cacheControl?: CacheControl }
  | { type: 'refusal'; refusal: string }
  /**
   * A document (Anthropic's document block): `url` is a data: URL (base64 PDF) or an http(s) URL,
   * `text` a plain-text document. Only Anthropic, OpenAI Responses and Gemini can read one;
   * routing excludes the others (the `document` RequestField, src/api/messages/normalize.ts).
   */
  | { type: 'document'; url?: string; text?: string; title?: string; context?: string; citations?: boolean; cacheControl?: CacheControl };

export type InputItem =
  | { type: 'message'; role: 'user' | 'assistant' | 'system' | 'developer'; content: ContentPart[] }
  /** A tool call the model made earlier (history). */
  | { type: 'function_call'; callId: string; name: string; arguments: string; cacheControl?: CacheControl }
  /**
   * The caller's answer to a tool call; isError = Anthropic's tool_result is_error. `images`: images
   * the tool returned (Anthropic tool_result content), after the text; only Anthropic takes them, so
   * routing excludes the other types (the `tool_result_image` request field).
   */
  | { type: 'function_call_output'; callId: string; output: string; isError?: boolean; images?: Extract<ContentPart, { type: 'image' }>[]; cacheControl?: CacheControl }
  /**
   * Reasoning from an earlier turn; replayed only to the provider that produced
   * it (`provider` is the provider's policy *name*, compare with
   * target.provider.name): signatures do not validate anywhere else.
   * The opaque state is per provider type: `signature` is Anthropic's thinking
   * signature, Gemini's thoughtSignature or OpenAI's encrypted_content;
   * `redacted` is the data of an Anthropic redacted_thinking block.
   */
  | { type: 'reasoning'; text: string; provider?: string; signature?: string; redacted?: string };

/** A placeholder for an earlier output item, by its wire id (see CanonicalRequest.itemRefs). */
export interface ItemRef {
  at: number;
  id: string;
  param: string;
}

export interface FunctionTool {
  name: string;
  description?: string;
  /** JSON Schema of the arguments (an object schema). */
  parameters?: Record<string, unknown>;
  strict?: boolean;
  cacheControl?: CacheControl;
}

export type ToolChoice = 'auto' | 'none' | 'required' | { name: string };

export type TextFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name: string; schema: Record<string, unknown>; strict?: boolean; description?: string };

export interface CanonicalRequest {
  api: Api;
  /** The model string exactly as the client sent it (before routing). */
  model: string;
  /** Responses `instructions`; system/developer messages stay in `items` in order. */
  instructions?: string;
  items: InputItem[];
  tools: FunctionTool[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  textFormat?: TextFormat;
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  stop?: string[];
  metadata?: Record<string, string>;
  stream: boolean;
  /** Chat `stream_options.include_usage`. */
  includeUsage?: boolean;
  store?: boolean;
  /** Responses `include: ["reasoning.encrypted_content"]`: reasoning items carry the provider's state (api/reasoning-state.ts). */
  includeReasoningState?: boolean;
  previousResponseId?: string;
  /**
   * Earlier output items the caller replays by id (Responses `item_reference`, or an output item sent
   * back with its id and no content): placeholders the normalize stage replaces with the stored items.
   * `at` is the position in `items` the item goes to; `param` names it for errors (`input[3].id`).
   * Never present once the request leaves the normalize stage.
   */
  itemRefs?: ItemRef[];
  reasoningEffort?: 'minimal' | 'low' | 'medium' | 'high';
  /**
   * An exact thinking budget (Anthropic `thinking.budget_tokens`): the Anthropic adapter sends it
   * verbatim, Gemini 2.5 as thinkingBudget; reasoningEffort carries the matching band for the rest.
   */
  thinkingBudgetTokens?: number;
  /** Anthropic `thinking: {type: "adaptive"}`: sent as such to Anthropic; reasoningEffort "medium" elsewhere. */
  thinkingAdaptive?: boolean;
  user?: string;
  /**
   * The client's prompt-cache routing hint (`prompt_cache_key`): passed to OpenAI, mapped to cache
   * breakpoints for Anthropic, reported as not forwarded elsewhere (src/providers/prompt-cache.ts).
   */
  promptCacheKey?: string;
  /** How many cache_control marks the client put on parts and tools (absent when none); only Anthropic reads them. */
  cacheMarks?: number;
  /**
   * Fields some provider types cannot serve (src/api/field-policy.ts): routing excludes the types in
   * `refusedBy`; the adapters of the types in `passedTo` forward `value` verbatim under `name`.
   */
  fields?: RequestField[];
  /**
   * The client's own `anthropic-version` and `anthropic-beta` request headers (Anthropic SDK, Claude
   * Code): sent to Anthropic providers as given (the beta list within Settings.anthropicBetas), to no other.
   */
  anthropic?: { version?: string; beta?: string };
  /** TokenRouter extensions; never forwarded upstream. */
  router?: { mode?: string; model?: string; provider?: string; streamFormat?: 'openai' | 'tokenrouter' };
  /**
   * The dialect a /v1/responses stream speaks (api/tokenrouter/format.ts: request > key > Settings);
   * set by the normalize stage, absent (OpenAI) for Chat.
   */
  streamFormat?: 'openai' | 'tokenrouter';
}

/**
 * A used request field whose fate depends on the provider: keys are provider types as policy spells
 * them, or `openai-compatible:<dialect>` where a host dialect differs (dialects.ts listsProvider).
 */
export interface RequestField {
  name: string;
  value: unknown;
  passedTo: readonly string[];
  refusedBy: readonly string[];
  note: string;
}

export interface Usage {
  inputTokens: number;
  /** Part of inputTokens served from the provider's cache. */
  cachedTokens: number;
  /** Part of inputTokens written to the provider's cache. */
  cacheWriteTokens: number;
  outputTokens: number;
  /** Part of outputTokens spent on reasoning. */
  reasoningTokens: number;
  totalTokens: number;
}

export const ZERO_USAGE: Usage = Object.freeze({
  inputTokens: 0,
  cachedTokens: 0,
  cacheWriteTokens: 0,
  outputTokens: 0,
  reasoningTokens: 0,
  totalTokens: 0,
});

/**
 * Why generation ended, mapped from the provider's own vocabulary (never passed
 * through): stop = natural end; length = output-token limit; tool_calls = the
 * model called tools; content_filter = a safety stop; error = the provider
 * failed after starting (or ended without a reason).
 */
export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'error';

/**
 * Codes of in-band failures: ResponseErrorCode values, plus firewall_blocked
 * (a response-scope firewall rule ended the stream), which the Responses
 * renderers report as `invalid_prompt` where the schema allows only its enum.
 * A provider's in-band quota error is rate_limit_exceeded here (the enum has
 * no quota code) and a request error invalid_prompt; the exact code is in
 * the event's `detail`.
 */
export type StreamErrorCode = 'server_error' | 'rate_limit_exceeded' | 'invalid_prompt' | 'firewall_blocked';

/**
 * How an in-band provider error would have been answered had the provider
 * sent it as an HTTP error: the adapter's own HTTP mapping (mapError) of the
 * same payload, so a quota, rate-limit or request error means the same with
 * and without a stream. Absent for server-side failures (overload, 5xx,
 * broken streams), which keep their retry/failover treatment.
 */
export interface StreamErrorDetail {
  status: number;
  type: string;
  code: string | null;
  param?: string | null;
  retryAfterSeconds?: number;
  shouldRetry?: boolean;
}

export type CanonicalEvent =
  /** Provider-side ids (informational). */
  | { type: 'start'; upstreamId?: string; upstreamModel?: string }
  | { type: 'text_delta'; text: string }
  | { type: 'refusal_delta'; text: string }
  /** `key` identifies the call within this response (provider index or id). */
  | { type: 'tool_call_start'; key: string; callId: string; name: string }
  | { type: 'tool_call_delta'; key: string; arguments: string }
  | { type: 'tool_call_end'; key: string }
  /**
   * Reasoning text and/or the provider's opaque state for it (see InputItem reasoning).
   * A `redacted` delta is a reasoning item of its own (Anthropic redacted_thinking).
   */
  | { type: 'reasoning_delta'; text: string; signature?: string; redacted?: string }
  /** Cumulative usage so far; the last one wins. */
  | { type: 'usage'; usage: Usage }
  /** stopSequence: which of the request's stop sequences ended the output, when the provider says (Anthropic). */
  | { type: 'finish'; reason: FinishReason; stopSequence?: string }
  /** The provider failed in-band after accepting the request. */
  | { type: 'error'; code: StreamErrorCode; message: string; detail?: StreamErrorDetail };

/** A completed generation, accumulated from events (non-stream responses, replay store). */
export interface CanonicalResult {
  output: OutputItem[];
  usage: Usage;
  finish: FinishReason;
  /** The stop sequence that ended the output, when the provider said which. */
  stopSequence?: string;
  error?: { code: StreamErrorCode; message: string; detail?: StreamErrorDetail };
}

export type OutputItem =
  | { type: 'message'; text: string; refusal?: string }
  | { type: 'function_call'; callId: string; name: string; arguments: string }
  | { type: 'reasoning'; text: string; signature?: string; redacted?: string };
