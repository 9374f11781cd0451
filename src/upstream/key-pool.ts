// Key pools: a provider whose apiKeyEnv lists several variables spreads its
// requests over those keys round-robin — each key is its own quota at the
// vendor, so N keys carry N times the rate limit. A key answered with 429
// sits out for the retry-after the provider sent (or DEFAULT_KEY_COOLDOWN_MS)
// while the others carry on; when every key sits out, the provider is rate
// limited as a whole (the attempt loop fails over, as for any 429).
// State is per replica: a shared cursor would buy nothing, since each replica
// already spreads its own share evenly. Keys are only ever named by their
// index or env var (PoolKey.index / .env), never by value.
import type { PoolKey } from './credentials.js';

export const DEFAULT_KEY_COOLDOWN_MS = 30_000;
/** A retry-after longer than this is capped: a key is worth trying again within the hour. */
const MAX_KEY_COOLDOWN_MS = 3_600_000;

export type KeyPick = { key: PoolKey } | { key?: undefined; retryAfterMs: number };

export class KeyPools {
  readonly #cursor = new Map<string, number>();
  readonly #coolUntil = new Map<string, number>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /**
   * The provider's next key, round-robin over the keys not cooling down and not
   * in `skip` (keys this request already tried); when none is left, how long
   * until the first comes back. `keys` must be non-empty.
   */
  pick(provider: string, keys: readonly PoolKey[], skip: ReadonlySet<number> = new Set()): KeyPick {
    if (keys.length === 1 && !skip.has(keys[0]!.index)) return { key: keys[0]! }; // no pool: nothing to spread or sit out
    const now = this.#now();
    const start = this.#cursor.get(provider) ?? 0;
    let soonest = Infinity;
    for (let i = 0; i < keys.length; i++) {
      const pos = (start + i) % keys.length;
      const k = keys[pos]!;
      if (skip.has(k.index)) continue;
      const until = this.#coolUntil.get(slot(provider, k.index)) ?? 0;
      if (until > now) {
        soonest = Math.min(soonest, until - now);
        continue;
      }
      this.#cursor.set(provider, pos + 1);
      return { key: k };
    }
    return { retryAfterMs: Number.isFinite(soonest) ? soonest : DEFAULT_KEY_COOLDOWN_MS };
  }

  /** The key got a 429: it sits out for `ms` (the provider's retry-after), or the default. */
  coolDown(provider: string, index: number, ms: number | undefined): number {
    const wait = Math.min(ms !== undefined && ms > 0 ? ms : DEFAULT_KEY_COOLDOWN_MS, MAX_KEY_COOLDOWN_MS);
    this.#coolUntil.set(slot(provider, index), this.#now() + wait);
    return wait;
  }

  /** Milliseconds the key still sits out (0 when it is in use). */
  coolingFor(provider: string, index: number): number {
    return Math.max(0, (this.#coolUntil.get(slot(provider, index)) ?? 0) - this.#now());
  }
}

function slot(provider: string, index: number): string {
  return `${provider}\u0000${index}`;
}
