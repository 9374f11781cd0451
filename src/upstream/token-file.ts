// Bearer tokens from a file the cluster refreshes (an Entra ID token written by workload identity,
// provider `tokenFile`). Unlike a key file (credentials.ts, re-checked every few seconds), a token
// expires: a refreshed file must be used from the next request on, never after the old token has
// died. So the file is stat'ed on every use (a cheap syscall; no read) and re-read whenever its
// mtime, size or inode changed — the cached token never outlives its file's change. A token file
// that disappears or empties leaves the provider without credentials (routing skips it) until the
// file is back.
import { readFileSync, statSync } from 'node:fs';

interface Cached {
  stamp: string;
  value: string | undefined;
}

const cache = new Map<string, Cached>();

export function readTokenFile(file: string): string | undefined {
  let stamp: string;
  try {
    const st = statSync(file);
    stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
  } catch {
    cache.delete(file);
    return undefined;
  }
  const cached = cache.get(file);
  if (cached && cached.stamp === stamp) return cached.value;
  let value: string | undefined;
  try {
    value = readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    value = undefined;
  }
  cache.set(file, { stamp, value });
  return value;
}
