// Per client key request and token rates (ApiKeys rpm / tpm): sliding 60 s
// windows in 1 s buckets, the same arithmetic as the provider account limits
// (MinuteWindow). admit() is a check-and-take: under rpm and tpm it counts the
// request, otherwise it refuses and says when the oldest counted second leaves
// the window. With Redis the check-and-take is one Lua script, so replicas
// sharing it never admit more than rpm between them.
// Tokens are known only when the answer arrives (addTokens), so requests
// already running when a key reaches its tpm can overshoot it; rpm is exact.
import { MinuteWindow } from './limits.js';

export interface KeyRates {
  rpm?: number;
  tpm?: number;
}

export type RateDecision = { ok: true } | { ok: false; limit: 'rpm' | 'tpm'; used: number; max: number; retryAfterMs: number };

export interface KeyWindows {
  /** Under rpm and tpm: count one request for `key`. Otherwise refuse (nothing counted). */
  admit(key: string, rates: KeyRates): Promise<RateDecision>;
  /** Input + output tokens a provider reported for one of the key's requests. */
  addTokens(key: string, tokens: number): Promise<void>;
}

export class MemoryKeyWindows implements KeyWindows {
  readonly #keys = new Map<string, { requests: MinuteWindow; tokens: MinuteWindow }>();
  readonly #now: () => number;

  constructor(opts: { now?: () => number } = {}) {
    this.#now = opts.now ?? Date.now;
  }

  async admit(key: string, rates: KeyRates): Promise<RateDecision> {
    const w = this.#windows(key);
    const now = this.#now();
    const over = refusal('rpm', rates.rpm, w.requests, now) ?? refusal('tpm', rates.tpm, w.tokens, now);
    if (over) return over;
    w.requests.add(now, 1);
    return { ok: true };
  }

  async addTokens(key: string, tokens: number): Promise<void> {
    if (tokens > 0) this.#windows(key).tokens.add(this.#now(), tokens);
  }

  #windows(key: string): { requests: MinuteWindow; tokens: MinuteWindow } {
    let w = this.#keys.get(key);
    if (!w) this.#keys.set(key, (w = { requests: new MinuteWindow(), tokens: new MinuteWindow() }));
    return w;
  }
}

function refusal(limit: 'rpm' | 'tpm', max: number | undefined, w: MinuteWindow, now: number): RateDecision | undefined {
  if (max === undefined) return undefined;
  const used = w.sum(now);
  return used >= max ? { ok: false, limit, used, max, retryAfterMs: w.freeInMs(now) } : undefined;
}
