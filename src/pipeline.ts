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
import type { Admitted, Exchange, PipelineDeps } from './stages/types.js';
import { ClientGoneError, dispatchOnce, type DispatchContext } from './upstream/dispatch.js';
import { UpstreamHttpError } from './upstream/errors.js';

export type { Exchange, PipelineDeps } from './stages/types.js';

export async function runPipeline(deps: PipelineDeps, ex: Exchange): Promise<void> {
  const t = new Trace();
  let outcome = 'error';
  deps.resilience.budget.begin();
  try {
    t.ticket = await admitRate(deps, ex);
    const slicer = new Slicer();
    const request = await normalize(deps, ex);
    if (slicer.due()) await slicer.pace();
    const routed = (t.routed = await route(deps, ex, request, slicer));
    if (slicer.due()) await slicer.pace();
    const screened = (t.screened = await screenPrompt(deps, ex, routed, slicer));
    const plan = cachePlan(ex, screened);
    if (plan === 'bypass') t.cache = 'bypass';
    else if (plan) {
      const hit = plan.read ? await cacheGet(deps, plan.key) : undefined;
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
    const admitted = (t.admitted = await reserveBudget(deps, screened, t.ticket));
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
  const { result, warnings } = screened.firewall.response(raw); // throws firewall_blocked
  t.answered = { ...t.answered, warnings, result };
  const body = await renderOnce(deps, ex, screened.request, screened.routed.decision, served, result, t.warnings);
  ex.json(body, decisionHeaders(ex, t, t.answered.costUsd));
}

/** A stream: headers at the commit (carrying the routing estimate: usage comes last), then the event line. */
async function streamed(deps: PipelineDeps, ex: Exchange, admitted: Admitted, ctx: DispatchContext, t: Trace): Promise<void> {
  t.answered = await answerStream(deps, ex, admitted, ctx, {
    committed: (candidate) => {
      t.committed = candidate;
      const estimate = admitted.screened.routed.decision.candidates.find((c) => c.model === candidate.model)?.terms?.costUsd;
      return decisionHeaders(ex, t, estimate);
    },
    drained: () => {
      t.drained = true;
    },
  });
}

/** An error's code and message for the log (provider text was scrubbed on its way in, dispatch.ts). */
function errorSummary(err: unknown): Trace['error'] {
  if (err instanceof UpstreamHttpError) return { code: err.mapped.code, message: err.mapped.message };
  if (err instanceof RouterError) return { code: err.code, message: err.message };
  return undefined;
}
