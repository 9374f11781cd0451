// TokenRouter's request extensions (router_mode, router_model, router_provider,
// router_stream_format):
// read here, stored on the canonical request, never forwarded upstream.
import type { CanonicalRequest } from '../canonical/types.js';
import { optString } from './checks.js';
import { parseStreamFormat, STREAM_FORMAT_FIELD } from './tokenrouter/format.js';

export function routerFields(body: Record<string, unknown>): CanonicalRequest['router'] | undefined {
  const mode = optString(body.router_mode, 'router_mode', 64);
  const model = optString(body.router_model, 'router_model', 256);
  const provider = optString(body.router_provider, 'router_provider', 128);
  const streamFormat = parseStreamFormat(body[STREAM_FORMAT_FIELD], STREAM_FORMAT_FIELD);
  if (mode === undefined && model === undefined && provider === undefined && streamFormat === undefined) return undefined;
  return {
    ...(mode !== undefined ? { mode } : {}),
    ...(model !== undefined ? { model } : {}),
    ...(provider !== undefined ? { provider } : {}),
    ...(streamFormat !== undefined ? { streamFormat } : {}),
  };
}
