// The router's keys in a Response's metadata (provider, routing_mode, request_id,
// routing_confidence, warnings) and the Responses envelope's id and time. Values are strings, as
// OpenAI's schema requires of metadata, within its 512-character limit per value.
import type { AnswerContext } from '../dialect.js';
import { wireId } from '../ids.js';
import type { ResponseContext } from './shapes.js';

/** The Responses envelope's id, time and router metadata. */
export function responseContext(a: AnswerContext): ResponseContext {
  return {
    id: wireId('resp_'),
    createdAt: Math.floor(Date.now() / 1000),
    model: a.model,
    request: a.request,
    providerType: a.provider.type,
    // The answer's extra keys (a cache hit) first: the routing keys are never overwritten.
    routerMetadata: {
      ...a.extraMetadata,
      provider: a.provider.name,
      routing_mode: a.mode,
      request_id: a.requestId,
      routing_confidence: confidenceMetadata(a.confidence),
      ...(a.warnings.length ? { warnings: warningsMetadata(a.warnings) } : {}),
    },
  };
}

/** routing_confidence as metadata (a string, as OpenAI's schema requires): a decimal with two digits, "0.85". */
export function confidenceMetadata(confidence: number): string {
  return Number.isFinite(confidence) ? confidence.toFixed(2) : '0.00';
}

/** OpenAI's limit on one metadata value. */
export const METADATA_VALUE_MAX = 512;

/**
 * The warnings as metadata: a JSON array encoded as a string, within OpenAI's 512 characters. Past
 * the limit whole entries are dropped from the end (so the JSON stays valid) and a last entry says
 * "…and N more" (at worst only that entry is left). The complete list is the
 * x-tokenrouter-warnings header.
 */
export function warningsMetadata(warnings: readonly string[]): string {
  const whole = JSON.stringify(warnings);
  if (whole.length <= METADATA_VALUE_MAX) return whole;
  for (let keep = warnings.length - 1; keep >= 0; keep--) {
    const text = JSON.stringify([...warnings.slice(0, keep), `…and ${warnings.length - keep} more`]);
    if (text.length <= METADATA_VALUE_MAX) return text;
  }
  return JSON.stringify([`…and ${warnings.length} more`]);
}
