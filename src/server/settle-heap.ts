// One full garbage collection once the router has started, before it listens.
// Starting leaves garbage behind — the policy files' parse trees, the schema
// compiler's work, the token vocabulary's file and decode buffers — promoted
// to V8's old space, where it stays resident until load brings a major GC. A
// sidecar idles most of its life: without this, idle RSS carried ≈ 10 MB of it
// (docs/performance-memory.md). Once per process (the first router started),
// so a process that starts many (the tests) pays it once; ≈ 20-50 ms.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let settled = false;

export function settleHeapOnce(): void {
  if (settled) return;
  settled = true;
  collector()?.();
}

/**
 * V8's gc(): the global one when the process runs with --expose-gc, else one
 * taken from a fresh context created while the flag is briefly on (the flag
 * only decides whether new contexts get a `gc` global).
 */
function collector(): (() => void) | undefined {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') return exposed;
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}
