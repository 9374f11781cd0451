// The one registry of errors a client can receive. Each code has a fixed HTTP
// status and OpenAI error `type`; every error leaves the router in the OpenAI
// shape {error: {message, type, param, code}} plus the hosted TokenRouter's
// two fields, `provider` (the provider that failed, null when none was
// involved) and `http_status` — a superset the openai SDKs ignore
// (docs/clients/hosted-contract.md#error-envelope). README.md documents each
// code (test/unit/server/error-registry.test.ts keeps the two in step).
import type { ServerResponse } from 'node:http';
import { sendJson } from './json-response.js';
import type { UpstreamHttpError } from '../upstream/errors.js';

export interface ErrorDefinition {
  status: number;
  type: string;
  message: string;
}

export const ERRORS = {
  invalid_json: { status: 400, type: 'invalid_request_error', message: 'The request body is not valid JSON.' },
  // Also a body nested deeper than 64 levels of objects and arrays (MAX_JSON_DEPTH, src/canonical/json-depth.ts),
  // refused before it is parsed, with a message naming the limit.
  invalid_body: { status: 400, type: 'invalid_request_error', message: 'The request body must be a JSON object.' },
  forbidden_key: { status: 400, type: 'invalid_request_error', message: 'The request body contains a forbidden key (__proto__, constructor or prototype).' },
  invalid_path: { status: 400, type: 'invalid_request_error', message: 'The request path could not be decoded.' },
  invalid_parameter: { status: 400, type: 'invalid_request_error', message: 'A request parameter is invalid.' },
  // As OpenAI answers a body field it does not know: "Unknown parameter: 'x'.", param x.
  unknown_parameter: { status: 400, type: 'invalid_request_error', message: 'Unknown parameter.' },
  unsupported_parameter: { status: 400, type: 'invalid_request_error', message: 'A request parameter is not supported by the router.' },
  unsupported_for_provider: { status: 400, type: 'invalid_request_error', message: 'The request uses a feature the chosen provider cannot serve.' },
  unknown_model: { status: 400, type: 'invalid_request_error', message: 'Unknown model, mode or provider.' },
  invalid_api_key: { status: 401, type: 'authentication_error', message: 'Missing or invalid API key. Send Authorization: Bearer <key>.' },
  // The web console (src/console/): its data routes take a session, which only an admin key can open.
  console_session_required: { status: 401, type: 'authentication_error', message: 'Log in to the console with an admin API key.' },
  console_admin_required: { status: 403, type: 'permission_error', message: 'The console needs an API key with admin: true.' },
  anonymous_not_allowed: {
    status: 401,
    type: 'authentication_error',
    message: 'This router has no API keys configured and does not serve anonymous callers on a non-loopback address.',
  },
  unknown_route: { status: 404, type: 'not_found_error', message: 'Unknown route.' },
  routing_rule_not_found: { status: 404, type: 'not_found_error', message: 'Routing rule not found.' },
  firewall_rule_not_found: { status: 404, type: 'not_found_error', message: 'Firewall rule not found.' },
  policy_read_only: {
    status: 405,
    type: 'invalid_request_error',
    message: 'Policies are managed as code: change the YAML files in the policy directory (git), not this API.',
  },
  body_too_large: { status: 413, type: 'invalid_request_error', message: 'The request body is too large.' },
  // 403 by default; Settings.firewall.blockStatus may make it 422 (invalid_request_error).
  firewall_blocked: { status: 403, type: 'permission_error', message: 'The request was blocked by a firewall rule.' },
  no_candidates: { status: 422, type: 'invalid_request_error', message: 'No model can serve this request.' },
  // As OpenAI answers GET /v1/models/{id} for a model it does not have (type invalid_request_error, param "model").
  model_not_found: { status: 404, type: 'invalid_request_error', message: 'The model does not exist or this API key may not use it.' },
  response_not_found: { status: 404, type: 'not_found_error', message: 'No response with this id.' },
  decision_not_found: { status: 404, type: 'not_found_error', message: 'No recent decision with this request id (the console keeps the last Settings.console.decisions).' },
  response_not_stored: { status: 409, type: 'invalid_request_error', message: 'This response was not stored (store: false), so it cannot be replayed.' },
  unsupported_media_type: { status: 415, type: 'invalid_request_error', message: 'Content-Type must be application/json.' },
  unsupported_content_encoding: {
    status: 415,
    type: 'invalid_request_error',
    message: 'Unsupported Content-Encoding; use identity, gzip, deflate or br.',
  },
  // The same codes and types as a provider's own 429s (UPSTREAM_ERROR_CODES), so SDKs treat both alike.
  rate_limit_exceeded: { status: 429, type: 'rate_limit_error', message: 'Rate limit reached for this API key.' },
  too_many_live_streams: { status: 429, type: 'rate_limit_error', message: 'Too many live console streams are open; close one and retry.' },
  insufficient_quota: { status: 429, type: 'insufficient_quota', message: 'This API key has used up its budget for the period.' },
  too_many_headers: { status: 431, type: 'invalid_request_error', message: 'The request has too many headers.' },
  internal_error: { status: 500, type: 'server_error', message: 'The router hit an internal error.' },
  policy_not_loaded: {
    status: 503,
    type: 'service_unavailable_error',
    message: 'No valid policy set is loaded yet; the router is not ready.',
  },
  state_unavailable: {
    status: 503,
    type: 'service_unavailable_error',
    message: 'The shared state backend (Redis) is unavailable and Settings.state.onUnavailable is fail_closed; retry shortly.',
  },
  server_overloaded: { status: 503, type: 'service_unavailable_error', message: 'Too many large requests are waiting for a turn; retry shortly.' },
  server_draining: { status: 503, type: 'service_unavailable_error', message: 'The router is shutting down; retry on another instance.' },
} as const satisfies Record<string, ErrorDefinition>;

export type ErrorCode = keyof typeof ERRORS;

export class RouterError extends Error {
  readonly status: number;
  readonly type: string;

  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly param: string | null = null,
    readonly headers: Record<string, string> = {},
    /** A status the policy chose instead of the registry's (firewall_blocked: Settings.firewall.blockStatus), and its type. */
    override?: { status: number; type: string },
  ) {
    const def: ErrorDefinition = ERRORS[code];
    super(message ?? def.message);
    this.name = 'RouterError';
    this.status = override?.status ?? def.status;
    this.type = override?.type ?? def.type;
  }
}

export interface WireError {
  error: {
    message: string;
    type: string;
    param: string | null;
    code: string | null;
    /** The provider whose failure this is; null for the router's own refusals. */
    provider: string | null;
    http_status: number;
    /** The provider's raw error body (scrubbed, bounded) — only under Settings.errors.includeRaw. */
    raw?: string;
  };
}

/** A router-side error: no provider was involved. */
export function wireError(err: RouterError): WireError {
  return { error: { message: err.message, type: err.type, param: err.param, code: err.code, provider: null, http_status: err.status } };
}

/** A provider failure's body (the same for a JSON answer, a Chat error chunk or a stream dialect's error event). */
export function upstreamWireError(err: UpstreamHttpError, includeRaw = false): WireError {
  const m = err.mapped;
  return {
    error: {
      message: m.message,
      type: m.type,
      param: m.param ?? null,
      code: m.code,
      provider: err.provider,
      http_status: m.status,
      ...(includeRaw && m.raw !== undefined ? { raw: m.raw } : {}),
    },
  };
}

/**
 * An error no retry of the same request can fix: every 4xx except 408 (a
 * timeout) and 429 rate limits — and any quota error, whatever its status.
 * These answers carry `x-should-retry: false`: the official SDKs otherwise
 * retry 409 (and 429) on their own, up to maxRetries times.
 */
export function isPermanent(status: number, code: string | null): boolean {
  if (code === 'insufficient_quota') return true;
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/**
 * A front dialect's error body (api/dialect.ts): the OpenAI-shaped envelope and its status in, the
 * status and body its clients expect out (Anthropic Messages: `{type: "error", error: {type, message}}`,
 * 529 for an overload). Without one, the envelope goes out as it is.
 */
export type ErrorEnvelope = (status: number, wire: WireError) => { status: number; body: unknown };

const asIs: ErrorEnvelope = (status, wire) => ({ status, body: wire });

export function sendError(res: ServerResponse, err: RouterError, envelope: ErrorEnvelope = asIs): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers = isPermanent(err.status, err.code) ? { 'x-should-retry': 'false', ...err.headers } : err.headers;
  const out = envelope(err.status, wireError(err));
  sendJson(res, out.status, out.body, headers);
}

/** A provider failure, mapped (docs/providers.md#errors): status, retry hints, the OpenAI shape. */
export function sendUpstreamError(res: ServerResponse, err: UpstreamHttpError, includeRaw = false, envelope: ErrorEnvelope = asIs): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const m = err.mapped;
  if (m.retryAfterSeconds !== undefined) res.setHeader('retry-after', String(m.retryAfterSeconds));
  if (m.shouldRetry === false || isPermanent(m.status, m.code)) res.setHeader('x-should-retry', 'false');
  const out = envelope(m.status, upstreamWireError(err, includeRaw));
  sendJson(res, out.status, out.body);
}
