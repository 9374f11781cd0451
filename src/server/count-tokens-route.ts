// POST /v1/messages/count_tokens over plain Node objects: the front door
// (data-plane-path.ts) has gated, authenticated and read the body; this runs
// the count pipeline (stages/count-tokens.ts) and answers Anthropic's
// `{input_tokens}` with the header that says where the number came from.
import type { ServerResponse } from 'node:http';
import { wireId } from '../api/ids.js';
import { sendJson } from '../errors/json-response.js';
import { RouterError } from '../errors/registry.js';
import type { PolicySet } from '../policy/types.js';
import { runCountTokens } from '../stages/count-tokens.js';
import type { PipelineDeps } from '../stages/types.js';
import { RequestAbort } from '../upstream/abort.js';
import { genAiProviderName } from '../telemetry/genai-names.js';
import { NO_REQUEST_SPAN, type RequestSpan } from '../telemetry/request-span.js';
import type { Caller } from './auth.js';

/** `exact` (the Anthropic upstream counted) or `estimate` (the router's o200k count). */
export const TOKEN_COUNT_HEADER = 'x-tokenrouter-token-count';

export async function serveCountTokens(deps: PipelineDeps, body: unknown, policy: PolicySet, caller: Caller, res: ServerResponse, workDone: () => void = () => {}, span: RequestSpan = NO_REQUEST_SPAN): Promise<void> {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) throw new RouterError('invalid_body', 'A JSON request body is required.');
  const requestId = wireId('req_');
  res.setHeader('x-request-id', requestId);
  res.setHeader('x-tokenrouter-request-id', requestId);
  res.setHeader('x-tokenrouter-policy-version', policy.version);
  const abort = new RequestAbort();
  // The client going away aborts Anthropic's count (and is not a provider failure).
  res.once('close', () => {
    if (!res.writableFinished) abort.abort();
  });
  const count = await runCountTokens(deps, { body: body as Record<string, unknown>, policy, caller: caller.name, requestId, signal: abort, workDone });
  const headers: Record<string, string> = {
    [TOKEN_COUNT_HEADER]: count.kind,
    'x-tokenrouter-mode': count.mode,
    'x-tokenrouter-provider': count.routedTo.provider.name,
    'x-tokenrouter-model': count.routedTo.model.name,
  };
  if (count.rules.length) headers['x-tokenrouter-rules'] = count.rules.join(',');
  if (span.recording) {
    span.set({
      'gen_ai.operation.name': 'count_tokens',
      'gen_ai.provider.name': genAiProviderName(count.routedTo.provider),
      'gen_ai.request.model': String((body as { model?: unknown }).model ?? ''),
      'gen_ai.usage.input_tokens': count.inputTokens,
      'tokenrouter.request_id': requestId,
      'tokenrouter.mode': count.mode,
      'tokenrouter.rules': [...count.rules],
      'tokenrouter.token_count': count.kind,
    });
  }
  sendJson(res, 200, { input_tokens: count.inputTokens }, headers);
}
