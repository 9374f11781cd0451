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
}

