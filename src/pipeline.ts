// One request, in order. This file is the only place the order is written:
//
//   normalize → continue conversation → route → screen → admit (key limits) → dispatch → render → account
//
// Each stage is a plain function over plain data; the request keeps the policy
// snapshot it started with (ex.policy) to the end.
import { Accumulator } from './canonical/accumulate.js';
import type { Api, CanonicalEvent, CanonicalRequest, CanonicalResult, Usage } from './canonical/types.js';
import { normalizeChatRequest } from './api/chat/normalize.js';
import { normalizeResponsesRequest } from './api/responses/normalize.js';
import { renderChatCompletion, type ChatContext } from './api/chat/render.js';
import { ChatStreamRenderer } from './api/chat/stream.js';
import { renderResponse } from './api/responses/render.js';
import type { ResponseContext } from './api/responses/shapes.js';
import { ResponsesStreamRenderer } from './api/responses/stream.js';
import { wireId } from './api/ids.js';
import { RequestFirewall } from './firewall/request.js';
import { firewallReporter } from './firewall/telemetry.js';
import type { PolicySet } from './policy/types.js';
import { decide } from './routing/decide.js';
import type { RoutingFacts } from './routing/facts.js';
import type { Candidate, Selection } from './routing/select.js';
import { RouterError } from './server/errors.js';
import type { SseWriter } from './server/sse.js';
import { withConversation, type ConversationStore } from './state/conversations.js';
import type { SharedState } from './state/backend.js';
import type { KeyTicket } from './state/key-admission.js';
import type { RoutingState } from './state/routing-state.js';
import { modelLabel, providerLabel } from './telemetry/labels.js';
import type { Logger } from './telemetry/log.js';
import type { Metrics } from './telemetry/metrics.js';
import type { UpstreamClient } from './upstream/client.js';
import { hasCredentials } from './upstream/credentials.js';
import { dispatchOnce, dispatchStream, ClientGoneError, type Attempt, type DispatchContext } from './upstream/dispatch.js';
import { resilienceSettings, type ResilienceState } from './upstream/resilience.js';
import { UpstreamHttpError } from './upstream/errors.js';

export interface PipelineDeps {
  resilience: ResilienceState;
  /** Live routing inputs: price sources, latency statistics, account limits and cool-downs. */
  routing: RoutingState;
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
  caller: string;
  requestId: string;
  signal: AbortSignal;
  /** Send a JSON answer (status 200) with headers. */
  json(body: unknown, headers: Record<string, string>): void;
  sse: SseWriter;
  /** Abort the upstream call (drain timeout). */
  abortUpstream(): void;
  /** Register what to do when a drain times out with this stream still open. */
  onDrainTimeout(hook: () => void): () => void;
  /** Headers set on any answer, success or error. */
  setHeaders(headers: Record<string, string>): void;
}

interface Decision {
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
}

export async function runPipeline(deps: PipelineDeps, ex: Exchange): Promise<void> {
  const started = process.hrtime.bigint();
  const decision: Decision = { rules: [], warnings: [], attempts: [], firewallHits: [], startedAt: Date.now() };
  let outcome = 'error';
  deps.resilience.budget.begin();
  try {
    let req = normalize(ex.api, ex.body);
    req = await withConversation(deps.conversations, req);
    await route(deps, ex, req, decision);
    req = await screen(deps, ex, req, decision);
    await admit(deps, ex, req, decision);
    if (req.stream) await streamed(deps, ex, req, decision);
    else await unary(deps, ex, req, decision);
    // A stream cut or failed after it started is never a success (it was billed, but broken).
    outcome = decision.blocked ? 'blocked' : decision.attempts.at(-1)?.outcome === 'stream_error' ? 'upstream_aborted' : 'success';
    decision.status = 200;
  } catch (err) {
    decision.status = errorStatus(err, ex.sse.isOpen);
    if (decision.drained) {
      outcome = 'drained';
      // Not committed yet: a clean 503 the client can retry elsewhere; committed: already failed in-band.
      if (!ex.sse.isOpen) {
        decision.status = 503;
        throw new RouterError('server_draining', undefined, null, { 'retry-after': '1' });
      }
      throw err;
    }
    outcome = err instanceof ClientGoneError ? 'client_gone' : err instanceof RouterError && err.code === 'firewall_blocked' ? 'blocked' : 'error';
    if (!(err instanceof ClientGoneError)) ex.setHeaders(decisionHeaders(ex, decision));
    throw err;
  } finally {
    deps.resilience.budget.end();
    account(deps, ex, decision, outcome, started);
  }
}

// ---- stages -----------------------------------------------------------------

function normalize(api: Api, body: Record<string, any>): CanonicalRequest {
  return api === 'responses' ? normalizeResponsesRequest(body) : normalizeChatRequest(body);
}

async function route(deps: PipelineDeps, ex: Exchange, req: CanonicalRequest, d: Decision): Promise<void> {
  const live = deps.routing.decideHooks(ex.policy, ex.caller);
  const decision = await decide(ex.policy, req, { caller: ex.caller, hasCredentials, ...live.context }).catch((err: unknown) => {
    throw live.settle(err);
  });
  d.selection = decision;
  d.inputTokens = decision.estimatedInputTokens;
  d.facts = decision.facts;
  d.rules = decision.rules;
  d.warnings.push(...decision.warnings);
}

async function screen(deps: PipelineDeps, ex: Exchange, req: CanonicalRequest, d: Decision): Promise<CanonicalRequest> {
  const report = firewallReporter(deps.metrics, deps.logger, ex.policy, ex.requestId);
  d.firewall = await RequestFirewall.create(ex.policy, d.facts!, (scope, hits) => {
    for (const h of hits) d.firewallHits.push({ rule: h.rule, action: h.action, scope });
    report(scope, hits);
  });
  const s = d.firewall.prompt(req); // throws firewall_blocked
  d.warnings.push(...s.warnings);
  return s.request;
}

/** The caller's key limits: rpm/tpm, then a budget reservation of the routing estimate (throws 429 / 503). */
async function admit(deps: PipelineDeps, ex: Exchange, req: CanonicalRequest, d: Decision): Promise<void> {
  d.estimateUsd = estimateUsd(deps, req, d);
  d.keyTicket = await deps.state.keys.admit(ex.policy, ex.caller, d.estimateUsd);
}

async function unary(deps: PipelineDeps, ex: Exchange, req: CanonicalRequest, d: Decision): Promise<void> {
  const { candidate, events } = await dispatchOnce(dispatchContext(deps, ex, req, d));
  d.served = candidate;
  const acc = new Accumulator();
  for (const e of events) acc.push(e);
  const raw = acc.result();
  d.usage = raw.usage;
  d.costUsd = costUsd(deps, candidate, raw.usage);
  // Response firewall: masks apply before rendering and storing; a block answers the error instead.
  const { result, warnings } = d.firewall!.response(raw);
  d.warnings.push(...warnings);
  const headers = decisionHeaders(ex, d);
  if (req.api === 'responses') {
    const ctx = responseContext(ex, req, candidate, d);
    const body = renderResponse(ctx, result);
    // Stored before answering: a follow-up sent at once to another replica must find it.
    await store(deps, req, ctx.id, result, body, candidate);
    ex.json(body, headers);
  } else {
    if (result.finish === 'error') {
      throw new UpstreamHttpError({ status: 502, type: 'server_error', code: 'upstream_error', message: result.error?.message ?? 'The provider failed.' }, candidate.provider.name);
    }
    ex.json(renderChatCompletion(chatContext(candidate), result), headers);
  }
}

async function streamed(deps: PipelineDeps, ex: Exchange, req: CanonicalRequest, d: Decision): Promise<void> {
  const acc = new Accumulator();
  let sink: (e: CanonicalEvent) => void;
  let finish: () => void;
  let responseId: string | undefined;
  let drainFail: (() => void) | undefined;
  let streamCtx: ResponseContext | undefined;
  const fw = d.firewall!.stream();
  // Draining past the timeout: tell the client explicitly, then stop reading upstream.
  const unregister = ex.onDrainTimeout(() => {
    d.drained = true;
    if (drainFail) {
      drainFail();
      ex.sse.end();
    }
    ex.abortUpstream();
  });
  const commit = (candidate: Candidate): void => {
    d.served = candidate;
    d.streaming = true;
    // Usage is not known yet when a stream's headers go out: the header carries the estimate.
    d.costUsd = d.selection?.candidates.find((c) => c.model === candidate.model)?.terms?.costUsd;
    ex.sse.open(decisionHeaders(ex, d));
    if (req.api === 'responses') {
      const ctx = responseContext(ex, req, candidate, d);
      responseId = ctx.id;
      streamCtx = ctx;
      const r = new ResponsesStreamRenderer(ctx, (name, data) => ex.sse.event(name, data));
      r.begin();
      sink = (e) => r.push(e);
      finish = () => r.end();
      drainFail = () => r.fail('server_error', 'The router is shutting down; retry the request.');
    } else {
      const r = new ChatStreamRenderer(chatContext(candidate), req.includeUsage ?? false, (data) => ex.sse.data(data));
      r.begin();
      sink = (e) => r.push(e);
      finish = () => r.end();
      drainFail = () => r.fail('server_error', 'The router is shutting down; retry the request.');
    }
  };
  let candidate: Candidate;
  try {
    candidate = await dispatchStream(dispatchContext(deps, ex, req, d), commit, (e) => {
      // After a block the client's stream has ended: the provider's remaining output is dropped, its usage still counted.
      if (d.blocked) {
        if (e.type === 'usage') acc.push(e);
        return;
      }
      for (const x of fw.push(e)) {
        acc.push(x);
        sink(x);
      }
      if (fw.blocked) {
        d.blocked = true;
        ex.sse.end();
      }
    });
  } finally {
    unregister();
  }
  for (const x of fw.end()) {
    acc.push(x);
    sink!(x);
  }
  if (fw.warnings.length) {
    d.warnings.push(...fw.warnings);
    // Headers are long gone; the terminal Responses event still carries metadata.
    if (streamCtx) streamCtx.routerMetadata.warnings = warningsMetadata(d);
  }
  const result = acc.result();
  d.usage = result.usage;
  // Stored before the terminal event: a follow-up sent at once (to any replica) must find it.
  if (req.api === 'responses' && responseId) await store(deps, req, responseId, result, undefined, candidate);
  finish!();
  ex.sse.end();
}

function dispatchContext(deps: PipelineDeps, ex: Exchange, req: CanonicalRequest, d: Decision): DispatchContext {
  deps.resilience.apply(ex.policy);
  const settings = resilienceSettings(ex.policy);
  const m = deps.metrics;
  const set = ex.policy;
  const ctx: DispatchContext = {
    request: req,
    candidates: d.selection!.candidates,
    client: deps.client,
    signal: ex.signal,
    attempts: d.attempts,
    resilience: deps.resilience,
    settings,
    deadline: d.startedAt + settings.requestTimeoutMs,
    hooks: {
      retry: (c, reason) => m.retries.inc({ provider: providerLabel(set, c.provider.name), model: modelLabel(set, c.provider.name, c.model.name), reason }),
      failover: (reason) => {
        d.failoverReason = reason;
        m.failovers.inc({ reason });
      },
      authFailure: (c) => {
        m.upstreamAuthFailures.inc({ provider: providerLabel(set, c.provider.name) });
        deps.logger.error({ provider: c.provider.name }, 'the provider refused the router\'s credentials: check its key; the provider is ejected until then');
      },
      ...deps.routing.dispatchHooks(set),
    },
  };
  d.dispatch = ctx;
  return ctx;
}

function account(deps: PipelineDeps, ex: Exchange, d: Decision, outcome: string, started: bigint): void {
  const set = ex.policy;
  const provider = providerLabel(set, d.served?.provider.name);
  const model = modelLabel(set, d.served?.provider.name, d.served?.model.name);
  const m = deps.metrics;
  m.requests.inc({ api: ex.api, provider, model, outcome });
  m.requestDuration.observe({ api: ex.api, outcome }, Number(process.hrtime.bigint() - started) / 1e9);
  for (const a of d.attempts) {
    const labels = { provider: providerLabel(set, a.provider), model: modelLabel(set, a.provider, a.model) };
    m.upstreamAttempts.inc({ ...labels, outcome: a.outcome });
    if (a.ttftMs !== undefined) m.timeToFirstToken.observe(labels, a.ttftMs / 1000);
  }
  const cost = d.usage && d.served ? costUsd(deps, d.served, d.usage) : undefined;
  if (d.usage && d.served) {
    m.tokens.inc({ provider, model, direction: 'input' }, d.usage.inputTokens);
    m.tokens.inc({ provider, model, direction: 'output' }, d.usage.outputTokens);
    if (cost! > 0) m.costUsd.inc({ provider, model }, cost!);
  }
  deps.routing.record({
    attempts: d.attempts,
    ...(d.served ? { served: d.served } : {}),
    ...(d.usage ? { usage: d.usage } : {}),
    ...(cost !== undefined ? { costUsd: cost } : {}),
    streamed: d.streaming === true,
  });
  // A stream that committed but never reported usage was still billed: keep its estimate.
  const spent = cost ?? (d.streaming ? (d.estimateUsd ?? 0) : 0);
  deps.state.keys.settle(d.keyTicket, { tokens: d.usage ? d.usage.inputTokens + d.usage.outputTokens : 0, costUsd: spent });
  // Who served it, or for a failure whom it last tried ('' when nothing was tried).
  const last = d.attempts.at(-1);
  deps.state.recordUsage({
    key: ex.caller,
    provider: d.served?.provider.name ?? last?.provider ?? '',
    model: d.served?.model.name ?? last?.model ?? '',
    inputTokens: d.usage?.inputTokens ?? 0,
    outputTokens: d.usage?.outputTokens ?? 0,
    cachedTokens: d.usage?.cachedTokens ?? 0,
    reasoningTokens: d.usage?.reasoningTokens ?? 0,
    costUsd: spent,
    error: outcome !== 'success',
  });
  deps.logger.info(
    {
      request_id: ex.requestId,
      api: ex.api,
      caller: ex.caller,
      policy_version: set.version,
      mode: d.selection?.mode,
      rules: d.rules,
      provider: d.served?.provider.name,
      model: d.served?.model.name,
      attempts: d.attempts.map((a) => `${a.provider}/${a.model}:${a.outcome}${a.reason ? `:${a.reason}` : ''}${a.status ? `:${a.status}` : ''}`),
      firewall: d.firewallHits.length ? d.firewallHits : undefined,
      outcome,
      // 499 (nginx's "client closed request") for a client that left.
      status: outcome === 'client_gone' ? 499 : d.status,
      usage: d.usage ? { input: d.usage.inputTokens, output: d.usage.outputTokens, cached: d.usage.cachedTokens, reasoning: d.usage.reasoningTokens } : undefined,
      cost_usd: cost ?? (spent > 0 ? spent : undefined),
      latency_ms: Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10,
    },
    'decision',
  );
}

// ---- helpers ----------------------------------------------------------------

function responseContext(ex: Exchange, req: CanonicalRequest, c: Candidate, d: Decision): ResponseContext {
  return {
    id: wireId('resp_'),
    createdAt: Math.floor(Date.now() / 1000),
    model: c.model.name,
    request: req,
    routerMetadata: {
      provider: c.provider.name,
      routing_mode: d.selection?.mode ?? '',
      request_id: ex.requestId,
      routing_confidence: String(d.selection?.confidence ?? 1),
      ...(d.warnings.length ? { warnings: warningsMetadata(d) } : {}),
    },
  };
}

function warningsMetadata(d: Decision): string {
  return d.warnings.join(' | ').slice(0, 512);
}

function chatContext(c: Candidate): ChatContext {
  return { id: wireId('chatcmpl-'), created: Math.floor(Date.now() / 1000), model: c.model.name };
}

async function store(deps: PipelineDeps, req: CanonicalRequest, id: string, result: CanonicalResult, response: Record<string, unknown> | undefined, c: Candidate): Promise<void> {
  if (req.store === false) {
    await deps.conversations.put({ id, stored: false, createdAt: Date.now() });
    return;
  }
  await deps.conversations.put({
    id,
    stored: true,
    items: req.items,
    result,
    ...(response ? { response } : {}),
    provider: c.provider.name,
    providerType: c.provider.type,
    model: c.model.name,
    createdAt: Date.now(),
  });
}

/**
 * What a budget reserves before the call: the routing estimate of the first
 * candidate (input tokens at its price + the expected output), else — a rule's
 * fallback has no score — the input estimate plus the most output the request
 * allows, at the dearest candidate's prices.
 */
function estimateUsd(deps: PipelineDeps, req: CanonicalRequest, d: Decision): number {
  const first = d.selection?.candidates[0];
  if (first?.terms) return first.terms.costUsd;
  const inputTokens = d.inputTokens ?? 0;
  let worst = 0;
  for (const c of d.selection?.candidates ?? []) {
    const p = deps.routing.priceOf(c);
    const output = req.maxOutputTokens ?? c.model.maxOutputTokens ?? 4096;
    worst = Math.max(worst, (inputTokens * p.input + output * p.output) / 1e6);
  }
  return worst;
}

/** The HTTP status an error becomes (a committed stream already sent 200). */
function errorStatus(err: unknown, committed: boolean): number {
  if (committed) return 200;
  if (err instanceof ClientGoneError) return 499;
  if (err instanceof RouterError) return err.status;
  if (err instanceof UpstreamHttpError) return err.mapped.status;
  return 500;
}

/** USD for reported usage at the live price (price sources), else the catalog's. */
function costUsd(deps: PipelineDeps, c: Candidate, u: Usage): number {
  const p = deps.routing.priceOf(c);
  const cached = Math.min(u.cachedTokens, u.inputTokens);
  const input = (u.inputTokens - cached) * p.input + cached * (p.cachedInput ?? p.input);
  return (input + u.outputTokens * p.output) / 1e6;
}

function decisionHeaders(ex: Exchange, d: Decision): Record<string, string> {
  const h: Record<string, string> = {
    'x-tokenrouter-request-id': ex.requestId,
    'x-tokenrouter-policy-version': ex.policy.version,
    // A stream commits during its (successful) attempt, before that attempt is recorded.
    'x-tokenrouter-attempts': String(d.attempts.length + (d.streaming && d.served ? 1 : 0)),
  };
  if (d.selection) h['x-tokenrouter-mode'] = d.selection.mode;
  if (d.served) {
    h['x-tokenrouter-provider'] = d.served.provider.name;
    h['x-tokenrouter-model'] = d.served.model.name;
  }
  if (d.rules.length) h['x-tokenrouter-rules'] = d.rules.join(',');
  if (d.costUsd !== undefined) h['x-tokenrouter-cost-usd'] = d.costUsd.toFixed(8);
  if (d.failoverReason) h['x-tokenrouter-failover-reason'] = d.failoverReason;
  if (d.dispatch?.stopReason) h['x-tokenrouter-stop-reason'] = d.dispatch.stopReason;
  if (d.warnings.length) h['x-tokenrouter-warnings'] = encodeURIComponent(d.warnings.join(' | ')).slice(0, 2000);
  return h;
}
