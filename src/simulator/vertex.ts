// Google Vertex AI in the simulator: the Gemini and Anthropic protocol handlers behind Vertex's
// paths, and Google's OAuth token endpoint, with the authentication checked for real:
//   POST /vertex/token                    the service-account JWT-bearer grant: the assertion's
//                                         RS256 signature is verified with the public key of a
//                                         registered service account (SimulatorOptions.vertex),
//                                         and its iss, aud (= this token_uri) and exp are checked;
//                                         a good one gets an access token with expires_in
//   /vertex/v1/projects/P/locations/L/publishers/google/models/M:generateContent | :streamGenerateContent
//   /vertex/v1/projects/P/locations/L/publishers/anthropic/models/M:rawPredict | :streamRawPredict
// Every model call must carry `Authorization: Bearer <token>` issued here and not yet expired or
// revoked; anything else gets Google's 401 UNAUTHENTICATED. An Anthropic body must carry
// anthropic_version "vertex-2023-10-16" and no model (the model is the path's), as on Vertex.
import { createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import type { NativeError } from './errors.js';

export const VERTEX_ANTHROPIC_VERSION = 'vertex-2023-10-16';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export interface VertexRoute {
  publisher: 'google' | 'anthropic';
  model: string;
  stream: boolean;
}

export function vertexRoute(pathname: string): VertexRoute | undefined {
  const m = /^\/vertex\/v1\/projects\/[^/]+\/locations\/[^/]+\/publishers\/(google|anthropic)\/models\/([^/:]+):(generateContent|streamGenerateContent|rawPredict|streamRawPredict)$/.exec(pathname);
  if (!m) return undefined;
  const publisher = m[1] as VertexRoute['publisher'];
  const verb = m[3]!;
  // A verb of the other publisher (rawPredict on a Gemini model) is not a route, as on Vertex.
  if ((publisher === 'google') !== verb.endsWith('enerateContent')) return undefined;
  return { publisher, model: decodeURIComponent(m[2]!), stream: verb.startsWith('stream') };
}

export interface VertexAuthOptions {
  /** The registered service account: its client_email and its public key (PEM). */
  serviceAccount?: { clientEmail: string; publicKeyPem: string };
  /** Lifetime of issued access tokens in seconds (default 3600, Google's). */
  tokenLifetimeS?: number;
}

/** Google's answer to a missing, unknown, expired or revoked bearer token. */
export function vertexUnauthenticated(): NativeError {
  return {
    status: 401,
    body: {
      error: {
        code: 401,
        message: 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
        status: 'UNAUTHENTICATED',
      },
    },
  };
}

/** The OAuth side: verifies assertions, issues tokens, checks them on every call. */
export class VertexAuth {
  private readonly tokens = new Map<string, number>(); // token → expiry (ms)
  private key: KeyObject | undefined;
  /** Tokens issued so far (tests watch refreshes). */
  issued = 0;

  constructor(private readonly opts: VertexAuthOptions = {}) {
    if (opts.serviceAccount) this.key = createPublicKey(opts.serviceAccount.publicKeyPem);
  }

  /** Answers POST /vertex/token (form-encoded). `tokenUri` is this endpoint's own URL (the expected aud). */
  token(form: string, tokenUri: string): { status: number; body: unknown } {
    const params = new URLSearchParams(form);
    const bad = (description: string): { status: number; body: unknown } => ({ status: 400, body: { error: 'invalid_grant', error_description: description } });
    if (params.get('grant_type') !== JWT_BEARER) return { status: 400, body: { error: 'unsupported_grant_type', error_description: 'Invalid grant_type.' } };
    const sa = this.opts.serviceAccount;
    if (!sa || !this.key) return bad('Invalid JWT Signature.');
    const parts = (params.get('assertion') ?? '').split('.');
    if (parts.length !== 3) return bad('Invalid JWT: malformed.');
    let header: { alg?: unknown };
    let claims: { iss?: unknown; aud?: unknown; exp?: unknown; iat?: unknown; scope?: unknown };
    try {
      header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'));
      claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    } catch {
      return bad('Invalid JWT: malformed.');
    }
    if (header.alg !== 'RS256') return bad('Invalid JWT: alg must be RS256.');
    const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
    if (!verify('RSA-SHA256', signed, this.key, Buffer.from(parts[2]!, 'base64url'))) return bad('Invalid JWT Signature.');
    if (claims.iss !== sa.clientEmail) return bad('Invalid grant: account not found');
    if (claims.aud !== tokenUri) return bad(`Invalid JWT: audience must be ${tokenUri}`);
    const now = Math.floor(Date.now() / 1000);
    if (typeof claims.exp !== 'number' || claims.exp <= now) return bad('Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.');
    if (typeof claims.scope !== 'string' || !claims.scope) return bad('Invalid JWT: no scope.');
    const lifetime = this.opts.tokenLifetimeS ?? 3600;
    const token = `ya29.sim-${randomBytes(18).toString('base64url')}`;
    this.tokens.set(token, Date.now() + lifetime * 1000);
    this.issued += 1;
    return { status: 200, body: { access_token: token, expires_in: lifetime, token_type: 'Bearer' } };
  }

  /** Whether the call's bearer token was issued here and is still alive. */
  authorized(headers: Record<string, string>): boolean {
    const bearer = /^Bearer\s+(.+)$/i.exec(headers['authorization'] ?? '')?.[1];
    if (bearer === undefined || headers['x-goog-api-key'] !== undefined) return false;
    const expiry = this.tokens.get(bearer);
    return expiry !== undefined && expiry > Date.now();
  }

  /** Every issued token dies now (an expiry the client did not see coming). */
  expireAll(): void {
    for (const t of this.tokens.keys()) this.tokens.set(t, 0);
  }
}

/** Vertex's own checks on an Anthropic body, then the body the Anthropic handler expects (model from the path). */
export function vertexAnthropicBody(body: Record<string, unknown>, model: string): { error?: NativeError; body?: Record<string, unknown>; version?: string } {
  const bad = (message: string): { error: NativeError } => ({ error: { status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message } } } });
  if (body.model !== undefined) return bad('model: Extra inputs are not permitted');
  if (body.anthropic_version !== VERTEX_ANTHROPIC_VERSION) return bad(`anthropic_version: must be "${VERTEX_ANTHROPIC_VERSION}"`);
  const { anthropic_version: _v, ...rest } = body;
  return { body: { ...rest, model }, version: VERTEX_ANTHROPIC_VERSION };
}
