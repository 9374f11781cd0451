// Adapts one data-plane request on Node's own objects to the pipeline's
// Exchange: a request id, the client going away aborting the upstream call,
// JSON and SSE answers, the drain hook. The front door (data-plane-path.ts)
// calls it for POST /v1/responses and /v1/chat/completions.
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { STREAM_FORMAT_HEADER } from '../api/tokenrouter/format.js';
import { wireId } from '../api/ids.js';
import type { Api } from '../canonical/types.js';
import { sendJson } from '../errors/json-response.js';
import { RouterError } from '../errors/registry.js';
import { runPipeline, type PipelineDeps } from '../pipeline.js';
import type { PolicySet } from '../policy/types.js';
import { NO_REQUEST_SPAN, type RequestSpan } from '../telemetry/request-span.js';
import { RequestAbort } from '../upstream/abort.js';
import { UpstreamHttpError } from '../upstream/errors.js';
import type { Caller } from './auth.js';
import type { Lifecycle } from './lifecycle.js';
import { SseWriter } from './sse.js';

export type DataPlaneDeps = PipelineDeps & { lifecycle: Lifecycle };

/**
 * The client's `anthropic-version` and `anthropic-beta`, as sent (Anthropic SDK, Claude Code): they
 * reach Anthropic upstreams verbatim (providers/anthropic/request.ts), within Settings.anthropicBetas.
 */
function anthropicHeaders(headers: IncomingHttpHeaders): { anthropic?: { version?: string; beta?: string } } {
  const version = headers['anthropic-version'];
  const beta = headers['anthropic-beta'];
  if (version === undefined && beta === undefined) return {};
  const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v.join(',') : v);
  const v = one(version);
  const b = one(beta);
  return { anthropic: { ...(v ? { version: v } : {}), ...(b ? { beta: b } : {}) } };
}

/** The client's Cache-Control (the response cache's opt-out, stages/cache.ts). */
function cacheControl(headers: IncomingHttpHeaders): { cacheControl?: string } {
  const v = headers['cache-control'];
  return v === undefined ? {} : { cacheControl: Array.isArray(v) ? v.join(',') : v };
}

/**
 * One POST to a pipeline route (/v1/responses, /v1/chat/completions, /v1/messages), over plain Node objects.
 */
export async function serveExchange(
  deps: DataPlaneDeps,
  api: Api,
  body: unknown,
  policy: PolicySet,
  caller: Caller,
  res: ServerResponse,
  workDone: () => void = () => {},
  /** The request's headers: the stream-format switch and the client's Anthropic headers are read from them. */
  headers: IncomingHttpHeaders = {},
  span: RequestSpan = NO_REQUEST_SPAN,
): Promise<void> {
  if (body === undefined) throw new RouterError('invalid_body', 'A JSON request body is required.');
  const requestId = wireId('req_');
  // x-request-id goes out with whatever answer this is — JSON, a stream's headers, or an error — not
  // set up front: with nothing set before writeHead, a JSON answer's headers are written in one go
  // (errors/json-response.ts).
  const idHeader = { 'x-request-id': requestId };
  const abort = new RequestAbort();
  // The client going away aborts the upstream call (and is not a provider failure).
  res.once('close', () => {
    if (!res.writableFinished) abort.abort();
  });
  try {
    await runPipeline(deps, {
      api,
      body: body as Record<string, any>,
      policy,
      caller: caller.name,
      admin: caller.admin,
      streamFormat: { header: headers[STREAM_FORMAT_HEADER], key: caller.streamFormat },
      ...anthropicHeaders(headers),
      ...cacheControl(headers),
      requestId,
      signal: abort,
      sse: new SseWriter(res, idHeader),
      json(answer, headers) {
        sendJson(res, 200, answer, headers, idHeader);
      },
      onDrainTimeout: (hook) => deps.lifecycle.onDrainTimeout(hook),
      workDone,
      span,
      abortUpstream: () => abort.abort(),
      setHeaders(headers) {
        if (res.headersSent) return;
        for (const k in headers) res.setHeader(k, headers[k]!);
      },
    });
  } catch (err) {
    // Before the error answer is written (data-plane-path.ts) — or after a stream's headers, where it is already out.
    if (!res.headersSent) res.setHeader('x-request-id', requestId);
    if (err instanceof UpstreamHttpError) await storeFailedMarker(deps, requestId, caller.name);
    throw err;
  }
}

/**
 * A request a provider failure ended before any response existed: its request id answers its owner's
 * replay 409 (it existed, nothing to replay) rather than 404. Only provider failures: the router's own
 * refusals (bad requests, rate limits) are not recorded, so a flood of them cannot push stored
 * responses out of the bounded store. Best effort: a store that fails to write does not change the answer.
 */
async function storeFailedMarker(deps: DataPlaneDeps, requestId: string, owner: string): Promise<void> {
  try {
    await deps.conversations.put({ id: requestId, owner, stored: false, unreplayable: 'failed', createdAt: Date.now() });
  } catch {
    // The store is down (Redis): the caller still gets the provider's error; a replay later answers 404.
  }
}

