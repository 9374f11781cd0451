// Errors in Anthropic's envelope for the Messages front door: `{type: "error", error: {type,
// message}}` with Anthropic's error types, so the Anthropic SDK raises its typed errors
// (AuthenticationError, PermissionDeniedError, RateLimitError, OverloadedError…). Statuses stay the
// router's (a firewall block 403 permission_error, or the configured block status), except an
// overload or outage of the providers with no fallback left, which Anthropic answers 529
// overloaded_error (the SDK retries it as Anthropic's own). retry-after and x-should-retry headers
// are set by the sender as for every route.
import type { WireError } from '../../errors/registry.js';
import { anthropicErrorType } from './stream.js';

/** Upstream failures that mean "no capacity now": answered 529 overloaded_error. */
const OVERLOADED_CODES = new Set(['server_is_overloaded']);

/**
 * A `model` the router does not know (no such model, provider or mode in the catalog) is what
 * Anthropic answers 404 not_found_error for; the SDK raises NotFoundError and Claude Code tells the
 * user the model is not available, instead of reporting a malformed request. Only the `model`
 * field: an unknown `router_mode` / `router_provider` extension stays a 400.
 */
function unknownModel(status: number, e: WireError['error']): boolean {
  return status === 400 && e.provider === null && e.code === 'unknown_model' && e.param === 'model';
}

/**
 * The router's 422 (no model can serve this request: a field or capability no candidate has) is,
 * in Anthropic's terms, a request Anthropic cannot serve as asked: 400 invalid_request_error.
 * Anthropic never answers 422, so a client catching BadRequestError would miss it otherwise.
 */
const AS_ANTHROPIC: Record<number, number> = { 422: 400 };

export function messagesErrorEnvelope(status: number, wire: WireError): { status: number; body: unknown } {
  const e = wire.error;
  const overloaded = status === 529 || (e.provider !== null && (status === 503 || (e.code !== null && OVERLOADED_CODES.has(e.code))));
  const out = overloaded ? 529 : unknownModel(status, e) ? 404 : (AS_ANTHROPIC[status] ?? status);
  const type = overloaded ? 'overloaded_error' : anthropicErrorType(out);
  return { status: out, body: { type: 'error', error: { type, message: e.message } } };
}
