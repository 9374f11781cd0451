// Warnings about how the policy directory is mounted, given at start: hot
// reload watches a directory, so a path that is a single file, or a file
// bind-mounted into the directory (a Kubernetes `subPath` mount, which is a
// copy taken at pod start and never sees ConfigMap updates), cannot reload.
import { promises as fs } from 'node:fs';
import path from 'node:path';

export async function mountWarnings(directory: string): Promise<string[]> {
  let dir;
  try {
    dir = await fs.stat(directory);
  } catch {
    return []; // a missing directory is a load problem, reported by the loader
  }
  if (!dir.isDirectory()) {
    return [`the policy path ${directory} is a file: point it at the directory that holds the policy files (hot reload watches a directory)`];
  }
  const names = await fs.readdir(directory);
  if (names.includes('..data')) return []; // a ConfigMap volume: swapped atomically, watched correctly
  const out: string[] = [];
  for (const name of names.filter((n) => /^[^.].*\.ya?ml$/i.test(n))) {
    const st = await fs.lstat(path.join(directory, name)).catch(() => undefined);
    // A regular file on another device than its directory is a bind mount (subPath): it never changes.
    if (st?.isFile() && st.dev !== dir.dev) {
      out.push(`${name} is mounted on its own (a subPath-style mount): such a file never sees ConfigMap updates, so hot reload cannot pick up changes to it; mount the ConfigMap as a directory`);
    }
  }
  return out;
}
