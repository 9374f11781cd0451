// TokenRouter's request extensions (router_mode, router_model, router_provider):
// read here, stored on the canonical request, never forwarded upstream.
import type { CanonicalRequest } from '../canonical/types.js';
import { optString } from './checks.js';

export function routerFields(body: Record<string, unknown>): CanonicalRequest['router'] | undefined {
  const mode = optString(body.router_mode, 'router_mode', 64);
  const model = optString(body.router_model, 'router_model', 256);
  const provider = optString(body.router_provider, 'router_provider', 128);
  if (mode === undefined && model === undefined && provider === undefined) return undefined;
  return {
    ...(mode !== undefined ? { mode } : {}),
    ...(model !== undefined ? { model } : {}),
    ...(provider !== undefined ? { provider } : {}),
  };
}
