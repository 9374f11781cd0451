// Gemini error bodies → client errors (docs/providers.md#errors). Gemini speaks
// google.rpc: {error:{code, message, status, details[]}}. A bad key is an HTTP
// 400 INVALID_ARGUMENT with an ErrorInfo reason, so it is recognised before the
// generic 400 row; rate limits carry RetryInfo.retryDelay ("7s").
import type { MappedError } from '../types.js';
import { mapByStatus, providerText, tryJson } from '../shared/errors.js';

type Json = Record<string, any>;

/** ErrorInfo reasons that mean the router's own key (or project) was refused. */
const AUTH_REASONS = new Set(['API_KEY_INVALID', 'API_KEY_EXPIRED', 'CONSUMER_SUSPENDED', 'SERVICE_DISABLED', 'ACCESS_TOKEN_TYPE_UNSUPPORTED']);

export function mapGeminiError(status: number, headers: Record<string, string>, body: string): MappedError {
  let parsed = tryJson(body);
  // The non-SSE stream endpoint wraps the error in an array.
  if (Array.isArray(parsed)) parsed = parsed[0];
  const err: Json | undefined = parsed && typeof parsed === 'object' && parsed.error && typeof parsed.error === 'object' ? parsed.error : undefined;
  const rpcStatus = typeof err?.status === 'string' ? err.status : undefined;
  const details: Json[] = Array.isArray(err?.details) ? err.details.filter((d: unknown) => d && typeof d === 'object') : [];
  const reasons = details.map((d) => d.reason).filter((r): r is string => typeof r === 'string');
  const message = providerText(typeof err?.message === 'string' && err.message.trim() !== '' ? err.message.trim() : `Gemini answered HTTP ${status}${rpcStatus ? ` ${rpcStatus}` : ''}.`);

  // Our provider key was refused: never the caller's fault, and the provider's text is not passed on.
  if (status === 401 || rpcStatus === 'UNAUTHENTICATED' || reasons.some((r) => AUTH_REASONS.has(r) || r.startsWith('API_KEY_'))) {
    return mapByStatus({ status: 401, headers, message: 'The upstream provider rejected the router\'s credentials.' });
  }

  let effective = status;
  if (rpcStatus === 'RESOURCE_EXHAUSTED') effective = 429;
  else if (rpcStatus === 'UNAVAILABLE') effective = 503;
  else if (rpcStatus === 'DEADLINE_EXCEEDED') effective = 504;

  const mapped = mapByStatus({ status: effective, headers, message, providerCode: null });
  if (mapped.retryAfterSeconds === undefined && (mapped.status === 429 || mapped.status === 503)) {
    const delay = retryDelaySeconds(details);
    if (delay !== undefined) mapped.retryAfterSeconds = delay;
  }
  return mapped;
}

/** google.rpc.RetryInfo.retryDelay is a Duration in JSON form: "7s", "0.5s", "38.123456s". */
function retryDelaySeconds(details: Json[]): number | undefined {
  for (const d of details) {
    const raw = d.retryDelay;
    const m = typeof raw === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(raw.trim()) : null;
    if (m) return Math.max(1, Math.ceil(Number(m[1])));
    if (raw && typeof raw === 'object' && (typeof raw.seconds === 'number' || typeof raw.seconds === 'string')) {
      const secs = Number(raw.seconds) + (typeof raw.nanos === 'number' ? raw.nanos / 1e9 : 0);
      if (Number.isFinite(secs)) return Math.max(1, Math.ceil(secs));
    }
  }
  return undefined;
}
