// Authenticates callers with `Authorization: Bearer <key>` (or Anthropic's `x-api-key: <key>`:
// the Anthropic SDK and Claude Code send either) against the SHA-256
// hashes in the live ApiKeys. Every stored hash is compared in constant time
// (no early exit), so timing reveals nothing about which key nearly matched.
// With no keys configured, anonymous callers are served only when the server
// listens on loopback or Settings.allowAnonymous says so — never by accident.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { CompiledApiKey, PolicySet } from '../policy/types.js';
import { RouterError } from '../errors/registry.js';

export interface Caller {
  /** The ApiKeys entry name, or "anonymous". */
  name: string;
  anonymous: boolean;
  /** ApiKeys `admin: true`: may read every key's usage and stored responses. */
  admin: boolean;
  /** ApiKeys `streamFormat`: the key's /v1/responses stream dialect. */
  streamFormat?: 'openai' | 'tokenrouter';
}

declare module 'express-serve-static-core' {
  interface Request {
    caller?: Caller;
    policy?: PolicySet;
  }
}

export const ANONYMOUS: Caller = Object.freeze({ name: 'anonymous', anonymous: true, admin: false });

/**
 * The key a request presents: `Authorization: Bearer <key>`, else `x-api-key: <key>` (Anthropic's
 * header). A malformed Authorization header is not rescued by x-api-key: it answers 401.
 */
export function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const authorization = headers.authorization;
  if (authorization !== undefined) return /^Bearer +(\S+) *$/i.exec(authorization)?.[1];
  const x = headers['x-api-key'];
  const key = Array.isArray(x) ? undefined : x?.trim();
  return key ? key : undefined;
}

export function authenticate(set: PolicySet, key: string | undefined, loopbackOnly: boolean): Caller {
  if (set.apiKeys.length === 0) {
    if (set.settings.allowAnonymous || loopbackOnly) return ANONYMOUS;
    throw new RouterError('anonymous_not_allowed');
  }
  if (key === undefined) throw new RouterError('invalid_api_key');
  const presented = createHash('sha256').update(key).digest();
  let found: CompiledApiKey | undefined;
  for (const key of set.apiKeys) {
    if (timingSafeEqual(presented, key.hash) && found === undefined) found = key;
  }
  if (found === undefined) throw new RouterError('invalid_api_key');
  return { name: found.name, anonymous: false, admin: found.admin === true, ...(found.streamFormat ? { streamFormat: found.streamFormat } : {}) };
}

export function authMiddleware(loopbackOnly: boolean) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    req.caller = authenticate(req.policy!, presentedKey(req.headers), loopbackOnly);
    next();
  };
}
