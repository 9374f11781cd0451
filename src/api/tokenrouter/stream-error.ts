// The data of the tokenrouter dialect's `error` event: the router's error
// envelope, the same body a JSON error answer carries — built by the same
// function (errors/registry.ts wireError) for the router's own refusals (a
// response firewall block), and in the same shape as sendUpstreamError for a
// provider's in-band failure. `provider` and `http_status` are the hosted
// envelope's fields; `contractFields` adds them only where the registry's
// envelope does not already carry them (its own values win).
import type { StreamErrorCode, StreamErrorDetail } from '../../canonical/types.js';
import { RouterError, wireError } from '../../errors/registry.js';
import { UPSTREAM_ERROR_CODES } from '../../upstream/errors.js';

export interface StreamErrorEnvelope {
  error: { message: string; type: string; param: string | null; code: string | null; provider: string | null; http_status: number };
}

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
    const err = new RouterError('firewall_blocked', message, null, {}, { status, type: status === 422 ? 'invalid_request_error' : 'permission_error' });
    return contractFields(wireError(err), null, err.status);
  }
  // A provider's in-band failure: with its HTTP meaning (detail) as a non-stream answer would have had, else a broken upstream.
  const m = detail
    ? { status: detail.status, type: detail.type, code: detail.code, param: detail.param ?? null }
    : { status: UPSTREAM_ERROR_CODES.upstream_error.status, type: UPSTREAM_ERROR_CODES.upstream_error.type, code: 'upstream_error', param: null };
  return contractFields({ error: { message, type: m.type, param: m.param, code: m.code } }, ctx.provider, m.status);
}

/** Adds `provider` and `http_status` unless the envelope has them already. */
function contractFields(wire: { error: Record<string, unknown> }, provider: string | null, status: number): StreamErrorEnvelope {
  return { error: { provider, http_status: status, ...wire.error } } as StreamErrorEnvelope;
}
