// Public types of the provider simulator (see index.ts for the overview).

export type SimProtocol = 'openai-responses' | 'openai-chat' | 'anthropic' | 'anthropic-count-tokens' | 'gemini' | 'bedrock' | 'openai-embeddings';

/** Which upstream the call was addressed to (path prefix). */
export type SimProvider = 'openai' | 'anthropic' | 'gemini' | 'bedrock' | 'mistral' | 'deepseek' | 'llama' | 'azure' | 'vertex';

export interface Behaviour {
  /** Delay before the response headers (and, for errors, the whole error response). */
  latencyMs?: number;
  /** Streams: delay after the headers, before the first chunk. Non-stream: added to latencyMs. */
  ttftMs?: number;
  /**
   * Output pacing: a stream chunk carrying k output tokens (words) is sent k/tokensPerSecond
   * seconds after the previous one (scheduled against a clock, so no drift). Non-stream
   * responses wait outputTokens/tokensPerSecond before answering.
   */
  tokensPerSecond?: number;
  /**
   * Answer with an HTTP error in the provider's native shape. `kind` picks the provider's own
   * error for a quota, rate limit, bad request or server error (its status wins over `status`);
   * `echoCredentials` makes the message quote the key the request carried, as some upstreams do.
   * `retryAfterMs` adds a `retry-after-ms` header (Azure OpenAI and OpenAI send one with 429s).
   */
  fail?: { status: number; retryAfter?: number; retryAfterMs?: number; times?: number; body?: unknown; kind?: SimErrorKind; message?: string; echoCredentials?: boolean };
  /** Reset the TCP connection before any response byte is sent. */
  resetBeforeHeaders?: boolean | { times?: number };
  /** Streams: destroy the socket after N SSE events. Non-stream: after half of the body. */
  dropAfterChunks?: number;
  /** Streams: stop sending after N SSE events but keep the connection open. Non-stream: after half of the body. */
  stallAfterChunks?: number;
  /** Streams: send the provider's in-band error after N SSE events, then end. Ignored for non-stream calls. */
  inBandErrorAfterChunks?: number;
  /**
   * What that in-band error is (default: the provider's overload / server error), its message,
   * a retry hint (seconds, in the provider's own way: "try again in Ns", Gemini RetryInfo) and
   * whether the message quotes the request's key.
   */
  inBandError?: { kind?: SimErrorKind; message?: string; retryAfter?: number; echoCredentials?: boolean };
  /**
   * Report this many input tokens as read from the provider's prompt cache (capped at the input
   * count), in the protocol's native usage field: Responses input_tokens_details.cached_tokens,
   * Chat prompt_tokens_details.cached_tokens (DeepSeek also prompt_cache_hit/miss_tokens),
   * Anthropic cache_read_input_tokens, Gemini cachedContentTokenCount. Llama and Mistral report
   * no cache fields, as the real ones do not.
   */
  cachedInputTokens?: number;
  /** Anthropic only: this many input tokens reported as written to the cache (cache_creation_input_tokens). */
  cacheWriteTokens?: number;
}

/** Provider errors the simulator can script by meaning, in each provider's native shape (errors.ts). */
/** `content_filter`: Azure OpenAI's 400 content_filter (innererror ResponsibleAIPolicyViolation), whatever the family. */
export type SimErrorKind = 'server_error' | 'rate_limit' | 'quota' | 'invalid_request' | 'content_filter';

export interface SimScript {
  default?: Behaviour;
  models?: Record<string, Behaviour>;
}

export interface RecordedCall {
  protocol: SimProtocol;
  /** Path prefix the call used (mistral/deepseek/llama speak openai-chat). */
  provider: SimProvider;
  /** Path including the query string. */
  path: string;
  /** Lower-cased header names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** Parsed JSON body (the raw text when it was not JSON). */
  body: any;
  model: string;
  stream: boolean;
  at: number;
}

export interface SimulatorOptions {
  port?: number;
  host?: string;
  script?: SimScript;
  /** When set, every call must carry this key in the protocol's auth header. */
  requireKey?: string;
  /** The /azure routes' api-key (default requireKey; with neither, any non-empty api-key passes). */
  azureKey?: string;
  /** The /azure routes' accepted Entra ID bearer token (none: a bearer token is refused). */
  azureToken?: string;
  /** The /vertex routes' OAuth side: the service account whose signed assertions /vertex/token accepts, and the token lifetime (vertex.ts). */
  vertex?: import('./vertex.js').VertexAuthOptions;
  /**
   * Bedrock routes: the AWS credentials every call must be SigV4-signed with (verified with aws4,
   * independently of the router's signer); without them Bedrock calls are not checked.
   */
  aws?: { accessKeyId: string; secretAccessKey: string };
  /**
   * Reject requests that the real provider rejects for well-known reasons (Anthropic without
   * max_tokens or anthropic-version, Mistral unknown fields / non-9-char tool ids, Gemini roles
   * or function responses without a name, ...). Default true.
   */
  validate?: boolean;
  /** Keep at most this many recorded calls (oldest dropped first). Default 10000; 0 records nothing. */
  maxCalls?: number;
}

export interface Simulator {
  url: string;
  port: number;
  calls: RecordedCall[];
  /** The /vertex OAuth endpoint: tokens issued so far, and expiring them all at once (vertex.ts). */
  readonly vertexAuth: { readonly issued: number; expireAll(): void };
  setScript(s: SimScript): void;
  /** Forget recorded calls, `times` counters and id counters (the script stays). */
  reset(): void;
  close(): Promise<void>;
  baseUrls: { openai: string; anthropic: string; gemini: string; bedrock: string; mistral: string; deepseek: string; llama: string; azure: string; vertex: string };
}
