// The router's conversation memory: what `previous_response_id` continues and
// what `POST /v1/responses/{id}` replays. Only OpenAI keeps conversations
// server-side, so the router keeps them for every provider. Two backends:
// MemoryConversationStore here (bounded, least recently used entries go
// first; one process) and RedisConversationStore (conversations-redis.ts:
// shared by every replica, so a conversation started on one continues on
// another; entries expire and have a size cap).
import type { CanonicalRequest, CanonicalResult, InputItem } from '../canonical/types.js';
import { RouterError } from '../errors/registry.js';

export interface StoredResponse {
  id: string;
  /** False when the caller sent store: false — the id is known but nothing is kept. */
  stored: boolean;
  /** Why a response the caller wanted stored was not (the shared store's size cap). */
  dropped?: 'too_large';
  /** Input items as actually sent (after previous_response_id expansion), minus system text. */
  items?: InputItem[];
  result?: CanonicalResult;
  /** The wire Response as returned (for replay). */
  response?: Record<string, unknown>;
  provider?: string;
  providerType?: string;
  model?: string;
  createdAt: number;
}

export interface ConversationStore {
  get(id: string): Promise<StoredResponse | undefined>;
  put(entry: StoredResponse): Promise<void>;
}

export class MemoryConversationStore implements ConversationStore {
  readonly #map = new Map<string, StoredResponse>();

  constructor(readonly maxEntries = 10_000) {}

  async get(id: string): Promise<StoredResponse | undefined> {
    const v = this.#map.get(id);
    if (v) {
      // refresh recency
      this.#map.delete(id);
      this.#map.set(id, v);
    }
    return v;
  }

  async put(entry: StoredResponse): Promise<void> {
    this.#map.delete(entry.id);
    this.#map.set(entry.id, entry);
    while (this.#map.size > this.maxEntries) {
      const oldest = this.#map.keys().next().value as string;
      this.#map.delete(oldest);
    }
  }

  get size(): number {
    return this.#map.size;
  }
}

/** The stored response a request continues, or the error serving (and explain) answers. */
export async function previousResponse(store: ConversationStore, id: string, param: string): Promise<StoredResponse> {
  const prev = await store.get(id);
  if (!prev) throw new RouterError('response_not_found', param === 'previous_response_id' ? `No stored response "${id}" to continue from.` : undefined, param);
  if (prev.dropped === 'too_large') {
    throw new RouterError('response_not_stored', `Response "${id}" was too large for the shared response store (Settings.state.maxConversationBytes), so it was not kept.`, param);
  }
  if (!prev.stored || (param === 'id' && !prev.result)) throw new RouterError('response_not_stored', undefined, param);
  return prev;
}

/** A request with previous_response_id, with the earlier conversation prepended. */
export async function withConversation(store: ConversationStore, req: CanonicalRequest): Promise<CanonicalRequest> {
  if (!req.previousResponseId) return req;
  const prev = await previousResponse(store, req.previousResponseId, 'previous_response_id');
  return { ...req, items: [...conversationItems(prev), ...req.items] };
}

/** The input a follow-up turn continues from: earlier input + earlier output, as input items. */
export function conversationItems(prev: StoredResponse): InputItem[] {
  const items: InputItem[] = [...(prev.items ?? [])];
  for (const out of prev.result?.output ?? []) {
    if (out.type === 'message') {
      if (out.text) items.push({ type: 'message', role: 'assistant', content: [{ type: 'text', text: out.text }] });
    } else if (out.type === 'function_call') {
      items.push({ type: 'function_call', callId: out.callId, name: out.name, arguments: out.arguments });
    } else if (out.type === 'reasoning') {
      items.push({ type: 'reasoning', text: out.text, ...(prev.provider ? { provider: prev.provider } : {}), ...(out.signature ? { signature: out.signature } : {}) });
    }
  }
  return items;
}
