// Authenticates callers with `Authorization: Bearer <key>` (or Anthropic's
// `x-api-key: <key>`, api-key-header.ts) against the SHA-256
// hashes in the live ApiKeys. Every stored hash is compared in constant time
// (no early exit), so timing reveals nothing about which key nearly matched.
// With no keys configured, anonymous callers are served only when the server
// listens on loopback or Settings.allowAnonymous says so — never by accident.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { CompiledApiKey, PolicySet } from '../policy/types.js';
import { RouterError } from '../errors/registry.js';
import { apiKeyFromHeaders } from './api-key-header.js';

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

export function authenticate(set: PolicySet, authorization: string | undefined, loopbackOnly: boolean): Caller {
  if (set.apiKeys.length === 0) {
    if (set.settings.allowAnonymous || loopbackOnly) return ANONYMOUS;
    throw new RouterError('anonymous_not_allowed');
  }
  const m = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
  if (!m) throw new RouterError('invalid_api_key');
  const presented = createHash('sha256').update(m[1]!).digest();
  let found: CompiledApiKey | undefined;
  for (const key of set.apiKeys) {
    if (timingSafeEqual(presented, key.hash) && found === undefined) found = key;
  }
  if (found === undefined) throw new RouterError('invalid_api_key');
  return { name: found.name, anonymous: false, admin: found.admin === true, ...(found.streamFormat ? { streamFormat: found.streamFormat } : {}) };
}

export function authMiddleware(loopbackOnly: boolean) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    req.caller = authenticate(req.policy!, apiKeyFromHeaders(req.headers), loopbackOnly);
    next();
  };
}
