// Replays a stored response: as the stored JSON, or re-streamed through the
// same stream renderer a live response uses (same id, same output, and the
// original's metadata — provider, routing_mode, its request_id,
// routing_confidence, warnings — whether it was streamed or not), in the
// dialect the replay request selects (api/tokenrouter/format.ts).
import type { Response } from 'express';
import { eventsOf } from '../../canonical/replay-events.js';
import type { CanonicalRequest } from '../../canonical/types.js';
import { renderResponse } from '../../api/responses/render.js';
import { ResponsesStreamRenderer } from '../../api/responses/stream.js';
import type { StreamFormat } from '../../api/tokenrouter/format.js';
import { TokenRouterStreamRenderer } from '../../api/tokenrouter/stream.js';
import { FIREWALL_DEFAULTS } from '../../policy/types.js';
import type { StoredResponse } from '../../state/conversations.js';
import { SseWriter } from '../sse.js';

export function accumulateReplay(entry: StoredResponse, stream: boolean, res: Response, format: StreamFormat = 'openai'): void {
  const result = entry.result!;
  const stored = (entry.response ?? {}) as Record<string, any>;
  const request: CanonicalRequest = { api: 'responses', model: entry.model ?? '', items: [], tools: [], stream };
  const ctx = {
    id: entry.id,
    createdAt: typeof stored.created_at === 'number' ? stored.created_at : Math.floor(entry.createdAt / 1000),
    model: entry.model ?? '',
    request,
    ...(entry.providerType ? { providerType: entry.providerType } : {}),
    routerMetadata: entry.metadata ?? metadataOf(stored) ?? { provider: entry.provider ?? '' },
  };
  if (!stream) {
    res.json(entry.response ?? renderResponse(ctx, result));
    return;
  }
  const sse = new SseWriter(res);
  sse.open({});
  const r = format === 'tokenrouter' ? tokenRouterReplay(entry, ctx.routerMetadata, (name, data) => sse.event(name, data)) : new ResponsesStreamRenderer(ctx, (name, data) => sse.event(name, data));
  for (const e of eventsOf(result)) r.push(e);
  r.end();
  sse.end();
}

/** The hosted dialect's replay: the original's routing metadata (stored with streamed answers too; a cache hit's says so). */
function tokenRouterReplay(entry: StoredResponse, meta: Record<string, string>, write: (name: string, data: unknown) => void): TokenRouterStreamRenderer {
  return new TokenRouterStreamRenderer(
    { provider: meta.provider ?? entry.provider ?? '', model: entry.model ?? '', routing_mode: meta.routing_mode ?? '', request_id: meta.request_id ?? '', response_id: entry.id, replay: true, ...(meta.cache ? { cache: meta.cache } : {}) },
    // A stored failure replays as it was sent; a stored answer was never blocked (a block stores nothing to replay).
    { provider: entry.provider ?? '', blockStatus: FIREWALL_DEFAULTS.blockStatus },
    write,
  );
}

/** The metadata of a stored wire Response (entries written before `metadata` was stored). */
function metadataOf(stored: Record<string, any>): Record<string, string> | undefined {
  const m = stored.metadata;
  return m && typeof m === 'object' && !Array.isArray(m) ? (m as Record<string, string>) : undefined;
}
