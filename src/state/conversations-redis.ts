// Stored responses in Redis, shared by every replica: one string per
// response, <prefix>resp:<id> = JSON, expiring after the TTL (default 30
// days, like OpenAI's stored responses). A response whose JSON passes the
// size cap is recorded as `dropped: too_large` instead (still owned by its
// key), so continuing it answers its owner a clear 409 rather than a 404,
// and one huge conversation cannot fill Redis.
import type { RedisHandle } from './redis.js';
import type { ConversationStore, StoredResponse } from './conversations.js';

export const DEFAULT_CONVERSATION_TTL_SECONDS = 30 * 86_400;
export const DEFAULT_MAX_CONVERSATION_BYTES = 1024 * 1024;

export class RedisConversationStore implements ConversationStore {
  constructor(
    readonly redis: RedisHandle,
    readonly opts: { ttlSeconds?: () => number; maxBytes?: () => number } = {},
  ) {}

  async get(id: string): Promise<StoredResponse | undefined> {
    const text = await this.redis.client.get(this.#key(id));
    return text === null ? undefined : (JSON.parse(text) as StoredResponse);
  }

  async put(entry: StoredResponse): Promise<void> {
    let text = JSON.stringify(entry);
    if (Buffer.byteLength(text) > (this.opts.maxBytes?.() ?? DEFAULT_MAX_CONVERSATION_BYTES)) {
      const marker: StoredResponse = { id: entry.id, ...(entry.owner !== undefined ? { owner: entry.owner } : {}), stored: false, dropped: 'too_large', createdAt: entry.createdAt };
      text = JSON.stringify(marker);
    }
    await this.redis.client.set(this.#key(entry.id), text, 'EX', this.opts.ttlSeconds?.() ?? DEFAULT_CONVERSATION_TTL_SECONDS);
  }

  async delete(id: string): Promise<boolean> {
    return (await this.redis.client.del(this.#key(id))) > 0;
  }

  #key(id: string): string {
    return `${this.redis.prefix}resp:${id}`;
  }
}
