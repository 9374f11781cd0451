// The contract every provider adapter implements. An adapter is pure
// translation: it builds the upstream HTTP request from a CanonicalRequest and
// turns the upstream's answer (JSON body, SSE events, error body) into
// canonical terms. It does no I/O; src/upstream/ sends the request.
import type { CanonicalEvent, CanonicalRequest } from '../canonical/types.js';
import type { ModelSpec, ProviderSpec } from '../policy/types.js';

export interface Target {
  provider: Readonly<ProviderSpec>;
  model: Readonly<ModelSpec>;
  /** The provider key (from apiKeyEnv/apiKeyFile); never logged. */
  apiKey: string;
}

export interface UpstreamRequest {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  /** True when the upstream answers with SSE. */
  stream: boolean;
}

/** One SSE message as parsed from the upstream byte stream. */
export interface SseMessage {
  event?: string;
  data: string;
}

/** Cuts a binary upstream stream into messages (providers that do not speak SSE: Bedrock's event stream). */
export interface ByteStreamDecoder {
  feed(chunk: Uint8Array): SseMessage[];
  end(): SseMessage[];
}

export interface StreamTranslator {
  /** Translate one upstream SSE message. */
  push(message: SseMessage): CanonicalEvent[];
  /**
   * The upstream stream ended. Returns closing events; if no finish reason was
   * seen, this must yield an `error` event (a cut stream is never a clean end).
   */
  end(): CanonicalEvent[];
}

/** A provider error mapped to what the client should see (docs/providers.md#errors). */
export interface MappedError {
  status: number;
  type: string;
  code: string | null;
  message: string;
  param?: string | null;
  /** Seconds, from retry-after / retry-after-ms or provider headers. */
  retryAfterSeconds?: number;
  /** False for errors that will never succeed on retry (quota, billing). */
  shouldRetry?: boolean;
  /**
   * The provider's error body as it came (scrubbed of secrets, at most RAW_ERROR_MAX_CHARS), set where
   * the answer is read (upstream/attempt-loop.ts send); the client sees it only under Settings.errors.includeRaw.
   */
  raw?: string;
}

export interface ProviderAdapter {
  readonly type: ProviderSpec['type'];
  buildRequest(req: CanonicalRequest, target: Target): UpstreamRequest;
  /** Translate a 2xx non-stream JSON body into the full event sequence (ending with finish). */
  parseResponse(body: unknown, req: CanonicalRequest): CanonicalEvent[];
  createStreamTranslator(req: CanonicalRequest): StreamTranslator;
  /** Map a non-2xx upstream answer. `body` is the raw text (may be empty or not JSON). */
  mapError(status: number, headers: Record<string, string>, body: string): MappedError;
  /** The stream's framing when it is not SSE (default: SSE, decoded as UTF-8). */
  createStreamDecoder?(): ByteStreamDecoder;
  /**
   * Asynchronous request signing (Bedrock's SigV4), run on the built request just before it is
   * sent, so buildRequest stays pure. A rejection is a credentials failure (upstream_auth_error).
   */
  authorize?(upstream: UpstreamRequest, target: Target): Promise<UpstreamRequest>;
  /** False when the provider authenticates without apiKeyEnv/apiKeyFile (the AWS chain); default true. */
  usesProviderKey?: boolean;
}
