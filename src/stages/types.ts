// The data one request carries through the pipeline: its dependencies, the
// HTTP exchange it answers, and the decision record the stages fill in (what
// the headers, the metrics and the decision log line report).
import type { Api, Usage } from '../canonical/types.js';
import { RequestFirewall } from '../firewall/request.js';
import type { PolicySet } from '../policy/types.js';
import type { RoutingFacts } from '../routing/facts.js';
import type { Candidate, Selection } from '../routing/select.js';
import type { SseWriter } from '../server/sse.js';
import { type ConversationStore } from '../state/conversations.js';
import type { SharedState } from '../state/backend.js';
import type { KeyTicket } from '../state/key-admission.js';
import type { LiveInputs } from '../state/live-inputs.js';
import type { Logger } from '../telemetry/log.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { AbortLike } from '../upstream/abort.js';
import type { UpstreamClient } from '../upstream/client.js';
import { type Attempt, type DispatchContext } from '../upstream/dispatch.js';
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
}

export interface Exchange {
  api: Api;
  body: Record<string, any>;
  policy: PolicySet;
  /** The caller's ApiKeys name ("anonymous" without keys): it owns the responses this request stores. */
  caller: string;
  /** ApiKeys `admin: true`: may read (replay, continue) every key's stored responses. */
  admin: boolean;
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
}

export interface Decision {
  selection?: Selection;
  rules: string[];
  warnings: string[];
  attempts: Attempt[];
  served?: Candidate;
  usage?: Usage;
  /** Actual cost (non-stream) or the routing estimate (streams, whose headers precede usage). */
  costUsd?: number;
  /** The drain timeout ended this request. */
  drained?: boolean;
  /** A stream has committed (headers are going out mid-attempt). */
  streaming?: boolean;
  startedAt: number;
  failoverReason?: string;
  dispatch?: DispatchContext;
  /** The routing facts, which firewall rules' `when` conditions read. */
  facts?: RoutingFacts;
  firewall?: RequestFirewall;
  /** A response-scope firewall rule ended the stream. */
  blocked?: boolean;
  /** Firewall rules that acted, for the decision log line. */
  firewallHits: { rule: string; action: string; scope: string }[];
  /** The key's rpm/tpm slot and budget reservation, settled in account. */
  keyTicket?: KeyTicket;
  /** The budget reservation's estimate (USD). */
  estimateUsd?: number;
  /** Routing's input-token estimate. */
  inputTokens?: number;
  /** HTTP status of the answer (errors: the error's). */
  status?: number;
  /** What the request failed with (an error answer, or an in-band stream error), for the decision log line. */
  error?: { code: string | null; message: string };
}
