// Anthropic error answers → client errors (docs/providers.md#errors). Body shape:
// {type:"error", error:{type, message, details?}, request_id}.
import { mapByStatus, retryAfterSeconds, tryJson } from '../shared/errors.js';
import type { MappedError } from '../types.js';

const RATE_LIMIT_KINDS = ['requests', 'tokens', 'input-tokens', 'output-tokens'];

export function mapAnthropicError(status: number, rawHeaders: Record<string, string>, body: string): MappedError {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(rawHeaders)) headers[k.toLowerCase()] = String(v);

  const parsed = tryJson(body) as { error?: { type?: unknown; message?: unknown; details?: any } } | undefined;
  const err = parsed && typeof parsed === 'object' && parsed.error && typeof parsed.error === 'object' ? parsed.error : undefined;
  const errType = typeof err?.type === 'string' ? err.type : undefined;
  const providerMessage = typeof err?.message === 'string' && err.message !== '' ? err.message : undefined;

  // A proxy's HTML page or an empty body: say what happened without echoing it.
  if (!err) {
    const mapped = mapByStatus({ status, headers: withRetry(status, headers), message: `Anthropic returned HTTP ${status} without a JSON error body.` });
    return status >= 500 && status !== 529 && status !== 503 && status !== 504
      ? { ...mapped, status: 502, type: 'server_error', code: 'upstream_error' }
      : mapped;
  }

  const message = providerMessage ?? `Anthropic returned HTTP ${status}${errType ? ` (${errType})` : ''}.`;

  // Spend cap on the operator's account: retrying will not help.
  if (status === 429 && err.details?.error_code === 'enforced_spend_limit_reached') {
    const mapped = mapByStatus({ status, headers, message });
    return { ...mapped, type: 'insufficient_quota', code: 'insufficient_quota', shouldRetry: false };
  }

  // Overloaded (normally 529, occasionally another 5xx): 503, retry or fail over.
  if (status === 529 || (errType === 'overloaded_error' && status >= 500)) {
    return mapByStatus({ status: 529, headers: withRetry(529, headers), message });
  }

  return mapByStatus({ status, headers: withRetry(status, headers), message, providerCode: null });
}

/**
 * Without retry-after on a 429/529/503, derive one from the rate-limit reset
 * headers of the exhausted limits (anthropic-ratelimit-*-reset, RFC 3339).
 */
function withRetry(status: number, headers: Record<string, string>): Record<string, string> {
  if (status !== 429 && status !== 529 && status !== 503) return headers;
  if (retryAfterSeconds(headers) !== undefined) return headers;
  let latest: number | undefined;
  for (const kind of RATE_LIMIT_KINDS) {
    const reset = headers[`anthropic-ratelimit-${kind}-reset`];
    const remaining = headers[`anthropic-ratelimit-${kind}-remaining`];
    if (reset === undefined || remaining === undefined || Number(remaining) > 0) continue;
    const at = Date.parse(reset);
    if (Number.isFinite(at) && (latest === undefined || at > latest)) latest = at;
  }
  if (latest === undefined) return headers;
  return { ...headers, 'retry-after': String(Math.max(1, Math.ceil((latest - Date.now()) / 1000))) };
}
