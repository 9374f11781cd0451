// One request, in order. This file is the only place the order is written;
// each stage lives in stages/ and returns what the next one takes:
//
//   admitRate → normalize → route → screenPrompt → cache (a hit answers here) → reserveBudget → dispatch
//     whole answer: dispatchOnce → response firewall → render
//     stream:       answerStream (translate → response firewall → accumulate → render)
//   → account (always)
//
// The cheap refusal comes first: a key over its rpm is refused before any text
// is counted or scanned. Work that grows with the prompt (token count, firewall
// scan) runs in slices that give the event loop back (event-loop/slicer.ts).
// The trace records each stage's value for the headers, metrics and decision
// log line; the request keeps the policy snapshot it started with (ex.policy).
import { accumulate } from './canonical/accumulate.js';
import { RouterError } from './errors/registry.js';
import { Slicer } from './event-loop/slicer.js';
import { admitRate, reserveBudget } from './stages/admit.js';
import { account, errorStatus } from './stages/account.js';
import { answerHit, cacheable, cacheGet, cachePlan, cachePut } from './stages/cache.js';
import { costUsd } from './stages/cost.js';
import { dispatchContext } from './stages/dispatch.js';
import { decisionHeaders } from './stages/headers.js';
import { normalize } from './stages/normalize.js';
import { renderOnce } from './stages/render.js';
import { route } from './stages/route.js';
import { screenPrompt } from './stages/screen.js';
import { answerStream } from './stages/stream.js';
import { Trace } from './stages/trace.js';
import { firewallAttributes, routeAttributes } from './telemetry/trace-attributes.js';
import { inStage, type StageSpan } from './telemetry/request-span.js';
import type { CanonicalResult } from './canonical/types.js';
import type { RequestFirewall } from './firewall/request.js';
import type { Admitted, Exchange, PipelineDeps } from './stages/types.js';
import { ClientGoneError, dispatchOnce, type DispatchContext } from './upstream/dispatch.js';
import { errorSummary } from './upstream/errors.js';

export type { Exchange, PipelineDeps } from './stages/types.js';

export async function runPipeline(deps: PipelineDeps, ex: Exchange): Promise<void> {
  const t = new Trace();
  let outcome = 'error';
  deps.resilience.budget.begin();
  const span = ex.span;
  try {
    t.ticket = await inStage(span, 'tokenrouter.admission', () => admitRate(deps, ex), () => ({ 'tokenrouter.admission.step': 'rate' }));
    const slicer = new Slicer();
    const request = await normalize(deps, ex);
    if (slicer.due()) await slicer.pace();
    const routed = (t.routed = await inStage(span, 'tokenrouter.route', () => route(deps, ex, request, slicer), (r) => (r ? routeAttributes(r) : {})));
    if (slicer.due()) await slicer.pace();
    const screened = (t.screened = await inStage(span, 'tokenrouter.firewall', () => screenPrompt(deps, ex, routed, slicer, t.hits), () => firewallAttributes('prompt', t.hits)));
    const plan = cachePlan(ex, screened);
    if (plan === 'bypass') t.cache = 'bypass';
    else if (plan) {
      const hit = plan.read ? await inStage(span, 'tokenrouter.cache', () => cacheGet(deps, plan.key), (h) => ({ 'tokenrouter.cache': h ? 'hit' : 'miss' })) : undefined;
      t.cache = hit ? 'hit' : plan.read ? 'miss' : 'bypass';
      if (hit) {
        ex.workDone();
        // Served from the cache: no reservation, no attempt, zero cost (account() still writes its ledger row).
        t.answered = { served: screened.routed.decision.candidates[0]!, usage: undefined, costUsd: 0, streamed: screened.request.stream, blocked: false, warnings: [] };
        await answerHit(deps, ex, screened, hit, decisionHeaders(ex, t, 0));
        outcome = 'success';
        t.status = 200;
        return;
      }
    }
    const admitted = (t.admitted = await inStage(span, 'tokenrouter.admission', () => reserveBudget(deps, screened, t.ticket), (a) => ({ 'tokenrouter.admission.step': 'budget', ...(a ? { 'tokenrouter.estimate_usd': a.estimateUsd } : {}) })));
    ex.workDone();
    if (slicer.due()) await slicer.pace();
    const ctx = (t.dispatch = dispatchContext(deps, ex, admitted, t.startedAt, (reason) => (t.failoverReason = reason)));
    if (request.stream) await streamed(deps, ex, admitted, ctx, t);
    else await whole(deps, ex, admitted, ctx, t);
    const result = t.answered?.result;
    if (plan && plan !== 'bypass' && plan.write && result && !t.answered?.blocked && cacheable(result)) cachePut(deps, ex, plan, result);
    // A stream cut or failed after it started is never a success (it was billed, but broken).
    outcome = t.answered?.blocked ? 'blocked' : ctx.attempts.at(-1)?.outcome === 'stream_error' ? 'upstream_aborted' : 'success';
    t.status = 200;
  } catch (err) {
    t.status = errorStatus(err, ex.sse.isOpen);
    t.error = errorSummary(err);
    if (t.drained) {
      outcome = 'drained';
      // Not committed yet: a clean 503 the client can retry elsewhere; committed: already failed in-band.
      if (!ex.sse.isOpen) {
        t.status = 503;
        throw new RouterError('server_draining', undefined, null, { 'retry-after': '1' });
      }
      throw err;
    }
    outcome = err instanceof ClientGoneError ? 'client_gone' : err instanceof RouterError && err.code === 'firewall_blocked' ? 'blocked' : 'error';
    if (!(err instanceof ClientGoneError)) ex.setHeaders(decisionHeaders(ex, t, t.answered?.costUsd));
    throw err;
  } finally {
    if (t.cache) deps.metrics.cacheRequests.inc({ result: t.cache });
    deps.resilience.budget.end();
    account(deps, ex, t, outcome);
  }
}

/** A whole answer: dispatch → response firewall → render (Responses: stored first) → send. */
async function whole(deps: PipelineDeps, ex: Exchange, admitted: Admitted, ctx: DispatchContext, t: Trace): Promise<void> {
  const { screened } = admitted;
  const { candidate: served, events } = await dispatchOnce(ctx);
  const raw = accumulate(events);
  // Served and billed, even if the response firewall blocks it next.
  t.answered = { served, usage: raw.usage, costUsd: costUsd(deps, served, raw.usage), streamed: false, blocked: false, warnings: [] };
  const { result, warnings } = screenResponse(ex, admitted, raw); // throws firewall_blocked
  t.answered = { ...t.answered, warnings, result };
  const render = ex.span.stage('tokenrouter.render');
  try {
    const body = await renderOnce(deps, ex, screened.request, screened.routed.decision, served, result, t.warnings);
    ex.json(body, decisionHeaders(ex, t, t.answered.costUsd));
  } catch (err) {
    render.end(err);
    throw err;
  }
  render.end();
}

/**
 * The response firewall on a whole answer, in its own span (the hits it adds are the response's); no
 * span when no response rule applies to the request (nothing is screened).
 */
function screenResponse(ex: Exchange, admitted: Admitted, raw: CanonicalResult): ReturnType<RequestFirewall['response']> {
  const firewall = admitted.screened.firewall;
  if (firewall.rules.response.length === 0) return firewall.response(raw);
  const hits = admitted.screened.hits;
  const before = hits.length;
  const s = ex.span.stage('tokenrouter.firewall');
  try {
    const screened = admitted.screened.firewall.response(raw);
    if (ex.span.recording) s.set(firewallAttributes('response', hits.slice(before)));
    s.end();
    return screened;
  } catch (err) {
    if (ex.span.recording) s.set(firewallAttributes('response', hits.slice(before)));
    s.end(err);
    throw err;
  }
}

/**
 * A stream: headers at the commit (carrying the routing estimate: usage comes last), then the event line.
 * Its render span runs from the commit to the last event (the response firewall screens inside it).
 */
async function streamed(deps: PipelineDeps, ex: Exchange, admitted: Admitted, ctx: DispatchContext, t: Trace): Promise<void> {
  let render: StageSpan | undefined;
  const before = admitted.screened.hits.length;
  try {
    t.answered = await answerStream(deps, ex, admitted, ctx, {
      committed: (candidate) => {
        render = ex.span.stage('tokenrouter.render');
        t.committed = candidate;
        const estimate = admitted.screened.routed.decision.candidates.find((c) => c.model === candidate.model)?.terms?.costUsd;
        return decisionHeaders(ex, t, estimate);
      },
      drained: () => {
        t.drained = true;
      },
    });
    if (render && ex.span.recording) render.set({ 'tokenrouter.stream': true, ...firewallAttributes('response', admitted.screened.hits.slice(before)) });
    render?.end(t.answered.error ? { code: t.answered.error.code } : undefined);
  } catch (err) {
    render?.end(err);
    throw err;
  }
}
