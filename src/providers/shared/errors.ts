// Status → OpenAI error mapping shared by every adapter (docs/providers.md#errors). An
// adapter extracts the provider's message and code from its own error body
// shape and calls mapByStatus; special cases (Anthropic 529, Gemini
// API_KEY_INVALID, spend caps) are decided by the adapter before or after.
import type { StreamErrorCode, StreamErrorDetail } from '../../canonical/types.js';
import { maskSecrets } from '../../telemetry/secrets.js';
import type { MappedError } from '../types.js';

/** retry-after-ms (ms) or retry-after (seconds or an HTTP date), in whole seconds ≥ 1. */
export function retryAfterSeconds(headers: Record<string, string>): number | undefined {
  const ms = headers['retry-after-ms'];
  if (ms !== undefined && Number.isFinite(Number(ms))) return Math.max(1, Math.ceil(Number(ms) / 1000));
  const ra = headers['retry-after'];
  if (ra === undefined) return undefined;
  if (/^\d+(\.\d+)?$/.test(ra.trim())) return Math.max(1, Math.ceil(Number(ra)));
  const date = Date.parse(ra);
  if (Number.isFinite(date)) return Math.max(1, Math.ceil((date - Date.now()) / 1000));
  return undefined;
}

export interface StatusInput {
  status: number;
  headers: Record<string, string>;
  /** The provider's own message (kept for the client), without secrets. */
  message: string;
  providerName?: string;
  /** Upstream code string if the provider gave one (used for 400s only). */
  providerCode?: string | null;
  param?: string | null;
}

export function mapByStatus(input: StatusInput): MappedError {
  const { status, headers } = input;
  // Without a header, the wait the message names ("Please try again in 20s."): in-band errors have no headers.
  const retry = retryAfterSeconds(headers) ?? (status === 429 || status === 503 || status === 529 ? retryHintSeconds(input.message) : undefined);
  const base = (s: number, type: string, code: string | null, message = input.message): MappedError => ({
    status: s,
    type,
    code,
    // Every mapper ends here: credential shapes never survive into a client's error.
    message: providerText(message),
    param: input.param ?? null,
    ...(retry !== undefined ? { retryAfterSeconds: retry } : {}),
  });
  if (status === 401 || status === 403) {
    if (status === 403) return base(403, 'permission_error', null);
    // Our own provider key was refused: a router misconfiguration, not the caller's fault.
    return { ...base(502, 'server_error', 'upstream_auth_error', 'The upstream provider rejected the router\'s credentials.'), shouldRetry: false };
  }
  if (status === 402) return { ...base(429, 'insufficient_quota', 'insufficient_quota'), shouldRetry: false };
  if (status === 404) return base(404, 'invalid_request_error', 'model_not_found');
  if (status === 408 || status === 504) return base(504, 'server_error', 'timeout');
  if (status === 413) return base(413, 'invalid_request_error', 'request_too_large');
  if (status === 429) return base(429, 'rate_limit_error', 'rate_limit_exceeded');
  if (status === 529 || status === 503) return base(503, 'service_unavailable_error', 'server_is_overloaded');
  if (status >= 500) return base(status === 500 ? 500 : 502, 'server_error', status === 500 ? null : 'upstream_error');
  if (status === 400 || status === 422) return base(400, 'invalid_request_error', input.providerCode ?? null);
  return base(502, 'server_error', 'upstream_error');
}

/** "try again in 20s" / "retry in 1.5s" / "in 250ms" / "in 2m" in a provider's message, in whole seconds ≥ 1. */
export function retryHintSeconds(message: string): number | undefined {
  const m = /\b(?:try again|retry)\s+in\s+(\d+(?:\.\d+)?)\s*(ms|s|m|seconds?|minutes?)\b/i.exec(message);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2]!.toLowerCase();
  const secs = unit === 'ms' ? n / 1000 : unit.startsWith('m') ? n * 60 : n;
  return Number.isFinite(secs) ? Math.max(1, Math.ceil(secs)) : undefined;
}

/** The mapped code of a provider overload (Anthropic overloaded_error, Gemini UNAVAILABLE, 503s). */
const OVERLOADED = 'server_is_overloaded';

/**
 * An in-band error (inside a 200 stream or body) as the canonical event's
 * code + detail, from the adapter's HTTP mapping of the same payload — so the
 * attempt loop and the renderers treat it exactly like the HTTP error.
 * Server-side failures (5xx and anything unmapped) carry no detail — except an overload, whose
 * detail lets a Messages client see Anthropic's overloaded_error mid-stream (as Anthropic sends it)
 * instead of a generic api_error; it stays code server_error, so failover treats it as before.
 */
export function inBandFromMapped(mapped: MappedError | undefined, message: string): { type: 'error'; code: StreamErrorCode; message: string; detail?: StreamErrorDetail } {
  if (!mapped || (mapped.status >= 500 && mapped.code !== OVERLOADED)) return { type: 'error', code: 'server_error', message };
  const detail: StreamErrorDetail = {
    status: mapped.status,
    type: mapped.type,
    code: mapped.code,
    ...(mapped.param !== undefined ? { param: mapped.param } : {}),
    ...(mapped.retryAfterSeconds !== undefined ? { retryAfterSeconds: mapped.retryAfterSeconds } : {}),
    ...(mapped.shouldRetry !== undefined ? { shouldRetry: mapped.shouldRetry } : {}),
  };
  const code: StreamErrorCode = mapped.status === 429 ? 'rate_limit_exceeded' : mapped.status >= 500 ? 'server_error' : 'invalid_prompt';
  return { type: 'error', code, message: mapped.message || message, detail };
}

/** A provider's message, with anything shaped like a credential masked (the known keys are masked later, by dispatch). */
export function providerText(message: string): string {
  return maskSecrets(message);
}

/** Parse a body as JSON, or undefined. */
export function tryJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
