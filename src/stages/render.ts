// Stage: canonical output → the caller's wire format, in the exchange's front dialect
// (api/dialects.ts: Responses, Chat, Messages). A whole answer is stored before it goes out (so a
// follow-up sent at once to any replica finds it), or leaves a marker when its dialect has nothing
// to replay; a stream gets the dialect's renderer. No dialect is named here.
import type { CanonicalRequest, CanonicalResult } from '../canonical/types.js';
import type { AnswerContext, StreamRenderer } from '../api/dialect.js';
import { dialectOf } from '../api/dialects.js';
import { FIREWALL_DEFAULTS } from '../policy/types.js';
import type { RouteDecision } from '../routing/decide.js';
import type { Candidate } from '../routing/select.js';
import { store, storeMarker } from './store.js';
import type { Exchange, PipelineDeps } from './types.js';

export type { StreamRenderer } from '../api/dialect.js';

function answerContext(
  ex: Exchange,
  req: CanonicalRequest,
  c: Candidate,
  decision: RouteDecision,
  warnings: readonly string[],
  extraMetadata: Readonly<Record<string, string>> | undefined,
): AnswerContext {
  return {
    request: req,
    requestId: ex.requestId,
    provider: { name: c.provider.name, type: c.provider.type },
    model: c.model.name,
    mode: decision.mode,
    confidence: decision.confidence,
    warnings,
    blockStatus: ex.policy.settings.firewall?.blockStatus ?? FIREWALL_DEFAULTS.blockStatus,
    ...(extraMetadata ? { extraMetadata } : {}),
  };
}

/**
 * A whole answer as the caller's wire body (stored first, or a marker left). `extraMetadata`: router
 * keys for the dialect's metadata (AnswerContext.extraMetadata), in the body and what is stored.
 */
export async function renderOnce(
  deps: PipelineDeps,
  ex: Exchange,
  req: CanonicalRequest,
  decision: RouteDecision,
  c: Candidate,
  result: CanonicalResult,
  warnings: readonly string[],
  extraMetadata?: Readonly<Record<string, string>>,
): Promise<unknown> {
  const answer = dialectOf(ex.api).whole(answerContext(ex, req, c, decision, warnings, extraMetadata), result);
  if (answer.stored === 'marker') await storeMarker(deps, ex);
  else await store(deps, ex, req, answer.stored.id, result, answer.stored.response, c, answer.stored.metadata);
  return answer.body;
}

/** The stream renderer of the exchange's dialect, writing onto its SSE writer (`extraMetadata`: as renderOnce's). */
export function streamRenderer(
  ex: Exchange,
  req: CanonicalRequest,
  decision: RouteDecision,
  c: Candidate,
  warnings: readonly string[],
  extraMetadata?: Readonly<Record<string, string>>,
): StreamRenderer {
  return dialectOf(ex.api).stream(answerContext(ex, req, c, decision, warnings, extraMetadata), ex.sse);
}
