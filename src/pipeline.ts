// One request, in order. This file is the only place the order is written:
//
//   admit rate (key rpm/tpm) → normalize → continue conversation → route → screen
//   → reserve budget → dispatch → render → account
//
// Each stage is a plain function over plain data; the request keeps the policy
// snapshot it started with (ex.policy) to the end. The cheap refusal comes
// first: a key over its rpm is refused before any text is counted or scanned.
// Work that grows with the prompt (token count, firewall scan) runs in slices
// that give the event loop back (event-loop/slicer.ts).
import { Accumulator } from './canonical/accumulate.js';
import type { Api, CanonicalEvent, CanonicalRequest } from './canonical/types.js';
import { normalizeChatRequest } from './api/chat/normalize.js';
import { normalizeResponsesRequest } from './api/responses/normalize.js';
import { renderChatCompletion } from './api/chat/render.js';
import { ChatStreamRenderer } from './api/chat/stream.js';
import { renderResponse } from './api/responses/render.js';
import type { ResponseContext } from './api/responses/shapes.js';
import { ResponsesStreamRenderer } from './api/responses/stream.js';
import { RequestFirewall } from './firewall/request.js';
import { firewallReporter } from './firewall/telemetry.js';
import { decide } from './routing/decide.js';
import { Slicer } from './event-loop/slicer.js';
import type { Candidate } from './routing/select.js';
import { RouterError } from './errors/registry.js';
import { withConversation } from './state/conversations.js';
import { modelLabel, providerLabel } from './telemetry/labels.js';
import { hasCredentials } from './upstream/credentials.js';
import { dispatchOnce, dispatchStream, ClientGoneError, type DispatchContext } from './upstream/dispatch.js';
import { resilienceSettings } from './upstream/resilience.js';
import { secretsFor } from './upstream/secrets.js';
import { UpstreamHttpError } from './upstream/errors.js';
import type { Decision, Exchange, PipelineDeps } from './stages/types.js';
import type { ProviderSpec } from './policy/types.js';
import { account, errorStatus } from './stages/account.js';
import { chatContext, costUsd, decisionHeaders, estimateUsd, responseContext, store, warningsMetadata } from './stages/respond.js';

export type { Exchange, PipelineDeps } from './stages/types.js';

export async function runPipeline(deps: PipelineDeps, ex: Exchange): Promise<void> {
  const started = process.hrtime.bigint();
  const decision: Decision = { rules: [], warnings: [], attempts: [], firewallHits: [], startedAt: Date.now() };
  let outcome = 'error';
  deps.resilience.budget.begin();
  try {
    decision.keyTicket = await deps.state.keys.admitRate(ex.policy, ex.caller);
    const slicer = new Slicer();
    let req = normalize(ex.api, ex.body);
    req = await withConversation(deps.conversations, req, { name: ex.caller, admin: ex.admin });
    if (slicer.due()) await slicer.pace();
    await route(deps, ex, req, decision, slicer);
    if (slicer.due()) await slicer.pace();
    req = await screen(deps, ex, req, decision, slicer);
    await reserveBudget(deps, req, decision);
    ex.workDone();
    if (slicer.due()) await slicer.pace();
    if (req.stream) await streamed(deps, ex, req, decision);
    else await unary(deps, ex, req, decision);
    // A stream cut or failed after it started is never a success (it was billed, but broken).
    outcome = decision.blocked ? 'blocked' : decision.attempts.at(-1)?.outcome === 'stream_error' ? 'upstream_aborted' : 'success';
    decision.status = 200;
  } catch (err) {
    decision.status = errorStatus(err, ex.sse.isOpen);
    decision.error ??= errorSummary(err);
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

async function route(deps: PipelineDeps, ex: Exchange, req: CanonicalRequest, d: Decision, slicer: Slicer): Promise<void> {
  const live = deps.liveInputs.decideHooks(ex.policy, ex.caller);
  const { filters, latency, price } = live.context;
  const decision = await decide(ex.policy, req, { caller: ex.caller, hasCredentials: credentialsOncePerProvider(), filters, latency, price, slicer }).catch((err: unknown) => {
    throw live.settle(err);
  });
  d.selection = decision;
  d.inputTokens = decision.estimatedInputTokens;
  d.facts = decision.facts;
  d.rules = decision.rules;
  d.warnings.push(...decision.warnings);
}

/** hasCredentials, asked once per provider for this request (many candidate models share a provider). */
function credentialsOncePerProvider(): (p: Readonly<ProviderSpec>) => boolean {
  const seen = new Map<string, boolean>();
  return (p) => {
    let has = seen.get(p.name);
    if (has === undefined) seen.set(p.name, (has = hasCredentials(p)));
    return has;
  };
}

async function screen(deps: PipelineDeps, ex: Exchange, req: CanonicalRequest, d: Decision, slicer: Slicer): Promise<CanonicalRequest> {
  const report = firewallReporter(deps.metrics, deps.logger, ex.policy, ex.requestId);
  d.firewall = await RequestFirewall.create(ex.policy, d.facts!, (scope, hits) => {
    for (const h of hits) d.firewallHits.push({ rule: h.rule, action: h.action, scope });
    report(scope, hits);
  });
  const s = await d.firewall.prompt(req, slicer); // throws firewall_blocked
  d.warnings.push(...s.warnings);
  return s.request;
}

/** The key's budget: a reservation of the routing estimate (throws 429 insufficient_quota). */
async function reserveBudget(deps: PipelineDeps, req: CanonicalRequest, d: Decision): Promise<void> {
  d.estimateUsd = estimateUsd(deps, req, d);
  await deps.state.keys.reserve(d.keyTicket, d.estimateUsd);
}

async function unary(deps: PipelineDeps, ex: Exchange, req: CanonicalRequest, d: Decision): Promise<void> {
  const { candidate, events } = await dispatchOnce(dispatchContext(deps, ex, req, d));
  d.served = candidate;
  const acc = new Accumulator();
  for (const e of events) acc.push(e);
  const raw = acc.result();
  d.usage = raw.usage;
  if (raw.error) d.error = { code: raw.error.detail?.code ?? raw.error.code, message: raw.error.message };
  d.costUsd = costUsd(deps, candidate, raw.usage);
  // Response firewall: masks apply before rendering and storing; a block answers the error instead.
  const { result, warnings } = d.firewall!.response(raw);
  d.warnings.push(...warnings);
  const headers = decisionHeaders(ex, d);
  if (req.api === 'responses') {
    const ctx = responseContext(ex, req, candidate, d);
    const body = renderResponse(ctx, result);
    // Stored before answering: a follow-up sent at once to another replica must find it.
    await store(deps, ex, req, ctx.id, result, body, candidate);
    ex.json(body, headers);
  } else {
    if (result.finish === 'error') {
      // A quota, rate-limit or request error keeps its HTTP meaning (detail); anything else is a broken upstream.
      const detail = result.error?.detail;
      const message = result.error?.message ?? 'The provider failed.';
      throw new UpstreamHttpError(detail ? { ...detail, message } : { status: 502, type: 'server_error', code: 'upstream_error', message }, candidate.provider.name);
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
  if (result.error) d.error = { code: result.error.detail?.code ?? result.error.code, message: result.error.message };
  // Stored before the terminal event: a follow-up sent at once (to any replica) must find it.
  if (req.api === 'responses' && responseId) await store(deps, ex, req, responseId, result, undefined, candidate);
  finish!();
  ex.sse.end();
}

/** An error's code and message for the log (provider text was scrubbed on its way in, dispatch.ts). */
function errorSummary(err: unknown): Decision['error'] {
  if (err instanceof UpstreamHttpError) return { code: err.mapped.code, message: err.mapped.message };
  if (err instanceof RouterError) return { code: err.code, message: err.message };
  return undefined;
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
    secrets: () => secretsFor(set),
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
      ...deps.liveInputs.dispatchHooks(set),
    },
  };
  d.dispatch = ctx;
  return ctx;
}
