// Reads one consistent snapshot of a policy directory: the top-level, non-dot
// *.yaml / *.yml files, with a content hash. On a Kubernetes ConfigMap mount
// the files are read through the resolved `..data` target, so one load never
// mixes two ConfigMap versions. Subdirectories (e.g. `tests/`) and hidden
// entries are not part of the set. Never reads recursively.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

export interface SourceFile {
  /** Name relative to the policy directory, e.g. `routing.yaml`. */
  name: string;
  text: string;
}

export interface SourceSnapshot {
  directory: string;
  /** The directory actually read (the `..data` target on a ConfigMap mount). */
  resolvedDirectory: string;
  files: SourceFile[];
  /** sha256 over names and contents, first 16 hex digits. */
  hash: string;
  bytes: number;
}

export class SourceError extends Error {
  constructor(
    message: string,
    readonly file: string = '',
    /** The file disappeared while being read. */
    readonly vanished = false,
  ) {
    super(message);
    this.name = 'SourceError';
  }
}

export const DEFAULT_MAX_POLICY_BYTES = 1024 * 1024; // a ConfigMap holds at most 1 MiB

const POLICY_FILE = /^[^.].*\.ya?ml$/i;

export async function readPolicySource(
  directory: string,
  maxBytes: number = DEFAULT_MAX_POLICY_BYTES,
): Promise<SourceSnapshot> {
  // Kubelet may swap `..data` and delete the old version while we read it: a
  // vanished file under a moved `..data` means "read the new version", so retry.
  for (let attempt = 1; ; attempt++) {
    const before = await resolveDataDir(directory);
    try {
      return await readOnce(directory, before, maxBytes);
    } catch (err) {
      const moved = (await resolveDataDir(directory)) !== before;
      if (!(err instanceof SourceError && err.vanished && moved && attempt < 3)) throw err;
    }
  }
}

async function readOnce(directory: string, resolvedDirectory: string, maxBytes: number): Promise<SourceSnapshot> {
  let entries: string[];
  try {
    entries = await fs.readdir(resolvedDirectory);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new SourceError(`cannot read policy directory: ${code}`, '', code === 'ENOENT');
  }
  const names = entries.filter((n) => POLICY_FILE.test(n)).sort();
  const files: SourceFile[] = [];
  let bytes = 0;
  for (const name of names) {
    const full = path.join(resolvedDirectory, name);
    let text: string;
    try {
      const stat = await fs.stat(full); // follows links: a ConfigMap key is a link into ..data
      if (!stat.isFile()) continue;
      bytes += stat.size;
      if (bytes > maxBytes) {
        throw new SourceError(`policy set exceeds ${maxBytes} bytes; refusing to parse it`, name);
      }
      text = await fs.readFile(full, 'utf8');
    } catch (err) {
      if (err instanceof SourceError) throw err;
      // A dangling link (a key written before the ..data swap) or a file removed
      // while we read: the set is in flux, so this load fails and a later event retries.
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      throw new SourceError(`cannot read file: ${code}`, name, code === 'ENOENT');
    }
    files.push({ name, text });
  }
  return { directory, resolvedDirectory, files, hash: hashFiles(files), bytes };
}

/** On a ConfigMap mount, `dir/..data` links to the current timestamped dir. */
async function resolveDataDir(directory: string): Promise<string> {
  try {
    return await fs.realpath(path.join(directory, '..data'));
  } catch {
    return directory;
  }
}

export function hashFiles(files: readonly SourceFile[]): string {
  const h = createHash('sha256');
  for (const f of files) {
    h.update(f.name).update('\0').update(f.text).update('\0');
  }
  return h.digest('hex').slice(0, 16);
}
