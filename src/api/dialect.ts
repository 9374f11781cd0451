// What a front dialect is: the wire a client speaks to the router (OpenAI Responses, OpenAI Chat,
// Anthropic Messages). Each lives in its own folder of api/ with its normalize and render, and
// plugs in here (api/dialects.ts); the pipeline's stages ask the dialect of the exchange and never
// branch on which one it is, so adding a dialect touches no stage.
import type { Api, CanonicalEvent, CanonicalRequest, CanonicalResult } from '../canonical/types.js';
import type { ErrorEnvelope } from '../errors/registry.js';

/** What every renderer may show of the routing decision for one answer. */
export interface AnswerContext {
  request: CanonicalRequest;
  /** The router's request id (`req_…`, x-request-id). */
  requestId: string;
  provider: { name: string; type: string };
  /** The catalog model that served. */
  model: string;
  mode: string;
  confidence: number;
  /** Routing and prompt-firewall warnings known when rendering starts. */
  warnings: readonly string[];
  /** Settings.firewall.blockStatus: the status a response block reports in-band. */
  blockStatus: 403 | 422;
  /**
   * Router keys this answer adds to the dialect's metadata (a response-cache hit: `cache: "hit"`),
   * wherever the dialect has metadata: the whole body, every stream event that carries the response,
   * and what is stored for replay. Dialects without metadata (Chat, Messages) ignore them.
   */
  extraMetadata?: Readonly<Record<string, string>>;
}

/**
 * A whole answer as the client's wire body, and what the response store keeps of it: the answer
 * under its id (Responses: replayable, continuable), a marker under the request id (an answer with
 * nothing to replay: replay says 409), or nothing.
 */
export interface WholeAnswer {
  body: unknown;
  stored: { id: string; response: Record<string, unknown>; metadata?: Record<string, string> } | 'marker';
}

/** Where a stream renderer writes: named SSE events (`event:` + `data:`) or bare `data:` lines. */
export interface SseSink {
  event(name: string, data: unknown): void;
  data(data: unknown): void;
  /** Headers sent and the response not ended: a keep-alive timer stops once this is false. */
  readonly isOpen: boolean;
}

/** Renders one stream in the client's dialect. */
export interface StreamRenderer {
  /** The id the answer is stored under (a dialect with nothing to replay: undefined, and a marker is stored). */
  readonly responseId: string | undefined;
  push(e: CanonicalEvent): void;
  /** The response firewall's warnings, known only at the end: the terminal event carries them. */
  addWarnings(warnings: readonly string[]): void;
  /** The metadata stored with the answer, so a replay carries it too (none: undefined). */
  metadata(): Record<string, string> | undefined;
  end(): void;
  /** The router ends the stream (shutdown): an in-band error in the dialect's shape. */
  fail(message: string): void;
}

export interface FrontDialect {
  readonly api: Api;
  /** The client's body → the canonical request (400s with `param` for what it cannot read). */
  normalize(body: Record<string, any>): CanonicalRequest;
  /** A whole answer (may throw the error the dialect answers for a failed result). */
  whole(ctx: AnswerContext, result: CanonicalResult): WholeAnswer;
  /** The renderer for a stream committed to the context's provider; it has written its opening events. */
  stream(ctx: AnswerContext, sink: SseSink): StreamRenderer;
  /** Error bodies in the dialect's envelope (absent: OpenAI's, with the hosted product's provider and http_status). */
  readonly errorEnvelope?: ErrorEnvelope;
}
