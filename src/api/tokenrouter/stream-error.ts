// The data of the tokenrouter dialect's `error` event: the router's error envelope, the same body a
// JSON error answer carries, built by the same functions (errors/registry.ts): wireError for the
// router's own refusal (a response firewall block), upstreamWireError for a provider's in-band
// failure — so `provider` and `http_status` have one definition.
import type { StreamErrorCode, StreamErrorDetail } from '../../canonical/types.js';
import { RouterError, upstreamWireError, wireError, type WireError } from '../../errors/registry.js';
import { UpstreamHttpError, UPSTREAM_ERROR_CODES } from '../../upstream/errors.js';

export type StreamErrorEnvelope = WireError;

/** What the renderer knows to build an envelope: the serving provider and the firewall's block status. */
export interface StreamErrorContext {
  provider: string;
  /** Settings.firewall.blockStatus (403 unless set to 422). */
  blockStatus: 403 | 422;
}

export function streamErrorEnvelope(ctx: StreamErrorContext, code: StreamErrorCode, message: string, detail?: StreamErrorDetail): StreamErrorEnvelope {
  if (code === 'firewall_blocked') {
    // The router refused the answer, as a JSON answer's firewall_blocked would: no provider failed.
    const status = ctx.blockStatus;
    return wireError(new RouterError('firewall_blocked', message, null, {}, { status, type: status === 422 ? 'invalid_request_error' : 'permission_error' }));
  }
  // A provider's in-band failure: with its HTTP meaning (detail) as a non-stream answer would have had, else a broken upstream.
  const mapped = detail
    ? { status: detail.status, type: detail.type, code: detail.code, param: detail.param ?? null, message }
    : { status: UPSTREAM_ERROR_CODES.upstream_error.status, type: UPSTREAM_ERROR_CODES.upstream_error.type, code: 'upstream_error', param: null, message };
  return upstreamWireError(new UpstreamHttpError(mapped, ctx.provider));
}
