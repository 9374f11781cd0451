// Fully jittered exponential back-off (Envoy's router filter): retry N
// (1-based) waits a uniform random time in [0, (2^N − 1) · base), capped at
// 10 · base. Jitter spreads retries so a recovering provider is not hit by a
// synchronized wave.
import type { AbortLike } from './abort.js';

export const BACKOFF_BASE_MS = 25;
export const BACKOFF_CAP_MS = 10 * BACKOFF_BASE_MS;

export function backoffMs(retry: number, baseMs = BACKOFF_BASE_MS, random: () => number = Math.random): number {
  const ceiling = Math.min((2 ** Math.max(1, retry) - 1) * baseMs, 10 * baseMs);
  return Math.floor(random() * ceiling);
}

export function sleep(ms: number, signal?: AbortLike): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
