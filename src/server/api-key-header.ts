// Where a caller's key is read from: OpenAI clients send `Authorization: Bearer
// <key>`; Anthropic clients send `x-api-key: <key>` (the @anthropic-ai/sdk with
// an API key, Claude Code with ANTHROPIC_API_KEY) or the Bearer form (the SDK
// and Claude Code with an auth token). Both name the same ApiKeys entry; this
// is the one place the choice is written, so the Express routes (auth.ts) and
// the front door (data-plane-path.ts) cannot disagree about it.
import type { IncomingHttpHeaders } from 'node:http';

/**
 * The `authorization` value to authenticate, as `Bearer <key>`: the caller's own
 * Authorization when it sent one, else its `x-api-key` in that form, else
 * undefined. An Authorization header wins, so a client that sends both is
 * judged by the header it chose to authenticate with (a wrong Bearer is not
 * rescued by a right x-api-key).
 */
export function apiKeyFromHeaders(headers: IncomingHttpHeaders): string | undefined {
  const authorization = headers.authorization;
  if (authorization !== undefined && authorization !== '') return authorization;
  const key = headers['x-api-key'];
  const value = Array.isArray(key) ? key[0] : key;
  return value === undefined || value === '' ? undefined : `Bearer ${value.trim()}`;
}
