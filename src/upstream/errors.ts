// An upstream failure as the client will see it: a mapped status, type, code
// and retry hints (docs/providers.md#errors). Raised by dispatch when no candidate is
// left to try.
//
// Whatever path built it, the message it carries to the client has passed
// maskSecrets (credential shapes); the known keys of the policy set were
// already masked where provider text enters (attempt-loop send, dispatch).
import type { MappedError } from '../providers/types.js';
import { RouterError } from '../errors/registry.js';
import { maskSecrets } from '../telemetry/secrets.js';

export class UpstreamHttpError extends Error {
  readonly mapped: MappedError;

  constructor(
    mapped: MappedError,
    readonly provider: string,
  ) {
    const message = maskSecrets(mapped.message);
    super(message);
    this.mapped = message === mapped.message ? mapped : { ...mapped, message };
    this.name = 'UpstreamHttpError';
  }
}

/** A failed request's error code and message, for its log line and span (provider text was scrubbed on its way in). */
export function errorSummary(err: unknown): { code: string | null; message: string } | undefined {
  if (err instanceof UpstreamHttpError) return { code: err.mapped.code, message: err.mapped.message };
  if (err instanceof RouterError) return { code: err.code, message: err.message };
  return undefined;
}

/** Failures another candidate may not share: rate limits, overload, 5xx, transport. */
export function isFailoverable(m: MappedError): boolean {
  if (m.shouldRetry === false && m.code !== 'upstream_auth_error') return false;
  return m.status === 429 || m.status >= 500;
}

/**
 * Codes a provider failure can reach the client with (docs/providers.md#errors), with
 * status and type. A provider's own 400 code is passed through (or null).
 * README.md documents each (test/unit/server/error-registry.test.ts).
 */
export const UPSTREAM_ERROR_CODES = {
  rate_limit_exceeded: { status: 429, type: 'rate_limit_error' },
  insufficient_quota: { status: 429, type: 'insufficient_quota' },
  upstream_auth_error: { status: 502, type: 'server_error' },
  upstream_error: { status: 502, type: 'server_error' },
  server_is_overloaded: { status: 503, type: 'service_unavailable_error' },
  timeout: { status: 504, type: 'server_error' },
  retry_buffer_exceeded: { status: 502, type: 'server_error' },
  model_not_found: { status: 404, type: 'invalid_request_error' },
  request_too_large: { status: 413, type: 'invalid_request_error' },
} as const;
