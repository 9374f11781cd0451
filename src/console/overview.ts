// GET /console/api/overview: which policy version is live and since when, the
// last reload's result with every problem as file:line:col, readiness, and
// the live numbers.
import type { PolicyStore } from '../policy/store.js';
import type { LiveStats } from './live-stats.js';

export function overviewView(store: PolicyStore, ready: boolean, live: LiveStats) {
  const set = store.current();
  const last = store.lastReload();
  return {
    version: set?.version ?? null,
    loadedAt: store.lastSuccessAt()?.toISOString() ?? null,
    ready,
    lastReload: last
      ? { result: last.result, at: last.at.toISOString(), problems: last.problems.map((p) => ({ file: p.file, line: p.line, col: p.col, message: p.message })) }
      : null,
    live,
  };
}
