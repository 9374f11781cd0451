// The router's conversation memory: what `previous_response_id` continues and
// what `POST /v1/responses/{id}` replays. Only OpenAI keeps conversations
// server-side, so the router keeps them for every provider. In-memory and
// bounded (least recently used entries go first); a shared backend comes with
// the state milestone.
import type { CanonicalResult, InputItem } from '../canonical/types.js';

export interface StoredResponse {
  id: string;
  /** False when the caller sent store: false — the id is known but nothing is kept. */
  stored: boolean;
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

export class ConversationStore {
  readonly #map = new Map<string, StoredResponse>();

  constructor(readonly maxEntries = 10_000) {}

  get(id: string): StoredResponse | undefined {
    const v = this.#map.get(id);
    if (v) {
      // refresh recency
      this.#map.delete(id);
      this.#map.set(id, v);
    }
    return v;
  }

  put(entry: StoredResponse): void {
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
