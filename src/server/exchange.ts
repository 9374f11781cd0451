// Adapts one data-plane request on Node's own objects to the pipeline's
// Exchange: a request id, the client going away aborting the upstream call,
// JSON and SSE answers, the drain hook. The front door (data-plane-path.ts)
// calls it for POST /v1/responses and /v1/chat/completions.
import type { ServerResponse } from 'node:http';
import { wireId } from '../api/ids.js';
import type { Api } from '../canonical/types.js';
import { sendJson } from '../errors/json-response.js';
import { RouterError } from '../errors/registry.js';
import { runPipeline, type PipelineDeps } from '../pipeline.js';
import type { PolicySet } from '../policy/types.js';
import { RequestAbort } from '../upstream/abort.js';
import { UpstreamHttpError } from '../upstream/errors.js';
import type { Caller } from './auth.js';
import type { Lifecycle } from './lifecycle.js';
import { SseWriter } from './sse.js';

export type DataPlaneDeps = PipelineDeps & { lifecycle: Lifecycle };

/**
 * One POST /v1/responses or /v1/chat/completions, over plain Node objects.
 */
export async function serveExchange(
  deps: DataPlaneDeps,
  api: Api,
  body: unknown,
  policy: PolicySet,
  caller: Caller,
  res: ServerResponse,
  workDone: () => void = () => {},
  /** The x-tokenrouter-stream-format header, as received. */
  streamFormatHeader?: string | string[],
): Promise<void> {
  if (body === undefined) throw new RouterError('invalid_body', 'A JSON request body is required.');
  const requestId = wireId('req_');
  res.setHeader('x-request-id', requestId);
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
      streamFormat: { header: streamFormatHeader, key: caller.streamFormat },
      requestId,
      signal: abort,
      sse: new SseWriter(res),
      json(answer, headers) {
        sendJson(res, 200, answer, headers);
      },
      onDrainTimeout: (hook) => deps.lifecycle.onDrainTimeout(hook),
      workDone,
      abortUpstream: () => abort.abort(),
      setHeaders(headers) {
        if (res.headersSent) return;
        for (const k in headers) res.setHeader(k, headers[k]!);
      },
    });
  } catch (err) {
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

