// Stored responses in Redis, shared by every replica: one string per
// response, <prefix>{r:<id>} = JSON (redis-keys.ts), expiring after the TTL
// (default 30 days, like OpenAI's stored responses). Responses stored before
// the hash tag, at <prefix>resp:<id>, are still found and deleted there (a
// second GET only on a miss) until their own TTL ends; nothing writes them. A response whose JSON passes the
// size cap is recorded as `dropped: too_large` instead (still owned by its
// key), so continuing it answers its owner a clear 409 rather than a 404,
// and one huge conversation cannot fill Redis.
import type { RedisHandle } from './redis.js';
import type { ConversationStore, StoredResponse } from './conversations.js';
import { RedisKeys } from './redis-keys.js';

export const DEFAULT_CONVERSATION_TTL_SECONDS = 30 * 86_400;
export const DEFAULT_MAX_CONVERSATION_BYTES = 1024 * 1024;

export class RedisConversationStore implements ConversationStore {
  readonly #keys: RedisKeys;

  constructor(
    readonly redis: RedisHandle,
    readonly opts: { ttlSeconds?: () => number; maxBytes?: () => number } = {},
  ) {
    this.#keys = new RedisKeys(redis.prefix);
  }

  async get(id: string): Promise<StoredResponse | undefined> {
    const text = (await this.redis.client.get(this.#keys.response(id))) ?? (await this.redis.client.get(this.#keys.legacyResponse(id)));
    return text === null ? undefined : (JSON.parse(text) as StoredResponse);
  }

  async put(entry: StoredResponse): Promise<void> {
    let text = JSON.stringify(entry);
    if (Buffer.byteLength(text) > (this.opts.maxBytes?.() ?? DEFAULT_MAX_CONVERSATION_BYTES)) {
      const marker: StoredResponse = { id: entry.id, ...(entry.owner !== undefined ? { owner: entry.owner } : {}), stored: false, dropped: 'too_large', createdAt: entry.createdAt };
      text = JSON.stringify(marker);
    }
    await this.redis.client.set(this.#keys.response(entry.id), text, 'EX', this.opts.ttlSeconds?.() ?? DEFAULT_CONVERSATION_TTL_SECONDS);
  }

  async delete(id: string): Promise<boolean> {
    // Two commands, not one DEL of both keys: the two names hash to different Cluster slots.
    const [now, legacy] = await Promise.all([this.redis.client.del(this.#keys.response(id)), this.redis.client.del(this.#keys.legacyResponse(id))]);
    return now + legacy > 0;
  }
}
