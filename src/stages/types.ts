// The data one request carries through the pipeline: its dependencies, the
// HTTP exchange it answers, and what each stage hands the next. Every stage
// takes the value the one before returned and returns a narrower one:
//
//   CanonicalRequest → Routed → Screened → Admitted → Answered
//
// The Trace (trace.ts) is what the pipeline itself records of those values for
// the decision headers, the metrics and the decision log line; no stage writes
// into it.
import type { DecisionRing } from '../console/decision-ring.js';
import type { Api, CanonicalRequest, CanonicalResult, Usage } from '../canonical/types.js';
import type { RequestFirewall } from '../firewall/request.js';
import type { PolicySet } from '../policy/types.js';
import type { RouteDecision } from '../routing/decide.js';
import type { Candidate } from '../routing/select.js';
import type { SseWriter } from '../server/sse.js';
import { type ConversationStore } from '../state/conversations.js';
import type { SharedState } from '../state/backend.js';
import type { KeyTicket } from '../state/key-admission.js';
import type { LiveInputs } from '../state/live-inputs.js';
import type { Logger } from '../telemetry/log.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { RequestSpan } from '../telemetry/request-span.js';
import type { AbortLike } from '../upstream/abort.js';
import type { UpstreamClient } from '../upstream/client.js';
import { type ResilienceState } from '../upstream/resilience.js';

export interface PipelineDeps {
  resilience: ResilienceState;
  /** Live routing inputs: price sources, latency statistics, account limits and cool-downs. */
  liveInputs: LiveInputs;
  client: UpstreamClient;
  conversations: ConversationStore;
  /** Client key limits and budgets, the usage ledger. */
  state: SharedState;
  metrics: Metrics;
  logger: Logger;
  /** The console's ring of recent decisions (src/console/decision-ring.ts): one write per request. */
  decisions?: DecisionRing;
}

export interface Exchange {
  api: Api;
  body: Record<string, any>;
  policy: PolicySet;
  /** The caller's ApiKeys name ("anonymous" without keys): it owns the responses this request stores. */
  caller: string;
  /** ApiKeys `admin: true`: may read (replay, continue) every key's stored responses. */
  admin: boolean;
  /** What picks the stream dialect besides the body (api/tokenrouter/format.ts): the request header and the key's streamFormat. */
  streamFormat?: { header?: string | string[]; key?: 'openai' | 'tokenrouter' };
  /** The client's anthropic-version / anthropic-beta headers, for Anthropic upstreams (canonical `anthropic`). */
  anthropic?: { version?: string; beta?: string };
  /** The request's Cache-Control header: no-store (the response cache neither read nor written) or no-cache (not read). */
  cacheControl?: string;
  requestId: string;
  signal: AbortLike;
  /** Send a JSON answer (status 200) with headers. */
  json(body: unknown, headers: Record<string, string>): void;
  sse: SseWriter;
  /** Abort the upstream call (drain timeout). */
  abortUpstream(): void;
  /** Register what to do when a drain times out with this stream still open. */
  onDrainTimeout(hook: () => void): () => void;
  /** Headers set on any answer, success or error. */
  setHeaders(headers: Record<string, string>): void;
  /** The work that grows with the body (count, scan) is over: a large body's turn may pass on. */
  workDone(): void;
  /** The request's server span (NO_REQUEST_SPAN when tracing is off): stages and attempts hang below it. */
  span: RequestSpan;
}

/** A firewall rule that acted, for the decision log line. */
export interface FirewallHit {
  rule: string;
  action: string;
  scope: string;
}

/** route(): the canonical request (conversation included) and the routing decision. */
export interface Routed {
  request: CanonicalRequest;
  decision: RouteDecision;
}

/** screenPrompt(): the request as the provider will see it (masks applied), and the firewall for the response. */
export interface Screened {
  routed: Routed;
  request: CanonicalRequest;
  firewall: RequestFirewall;
  /** Routing warnings, then the prompt firewall's. */
  warnings: readonly string[];
  /** Rules that acted so far (the response screen adds its own). */
  hits: FirewallHit[];
}

/** reserveBudget(): the key's budget holds the routing estimate. */
export interface Admitted {
  screened: Screened;
  ticket: KeyTicket | undefined;
  /** The reservation's estimate (USD). */
  estimateUsd: number;
}

/** answerOnce() / answerStream(): who served it and what it cost. */
export interface Answered {
  served: Candidate;
  usage: Usage | undefined;
  /** Actual cost (non-stream) or the routing estimate (a stream whose usage never came). */
  costUsd: number | undefined;
  streamed: boolean;
  /** A response-scope firewall rule ended the stream. */
  blocked: boolean;
  /** The response firewall's warnings. */
  warnings: readonly string[];
  /** The in-band error a stream ended with, for the decision log line. */
  error?: { code: string | null; message: string };
  /** The result after the response firewall (what the response cache keeps). */
  result?: CanonicalResult;
}
