// A faithful simulation of Kubernetes' AtomicWriter (pkg/volume/util/
// atomic_writer.go), which kubelet uses to update ConfigMap and Secret volumes.
// The mount looks like:
//
//   <dir>/..2026_11_27_10_00_00.3/routing.yaml   the real files (a hidden ts dir)
//   <dir>/..data -> ..2026_11_27_10_00_00.3      the one atomic switch
//   <dir>/routing.yaml -> ..data/routing.yaml    user-visible keys
//
// One update is: (1) write the payload into a new hidden timestamped dir;
// (2) create user-visible links for NEW keys (they dangle until the swap, as
// in the kubelet versions that link before swapping); (3) link ..data_tmp to
// the new dir; (4) rename ..data_tmp over ..data (atomic); (5) remove the
// user-visible links of deleted keys; (6) remove the old timestamped dir.
// kubelet is another process, so a watcher event (and a reload) can land
// between any two steps: the writer sleeps `stepDelayMs` between steps and can
// call an `onStep` hook after each one.
import { promises as fs } from 'node:fs';
import path from 'node:path';

export type Payload = Record<string, string>;

export type AtomicStep = 'payload-written' | 'new-links-created' | 'data-tmp-linked' | 'data-swapped' | 'old-links-removed' | 'old-dir-removed';

export interface AtomicWriteOptions {
  /** Pause between two steps (ms); default 50. 0 still yields to the event loop (setImmediate). */
  stepDelayMs?: number;
  /** Called after each step, before the pause (e.g. to force a reload mid-update). */
  onStep?: (step: AtomicStep) => void | Promise<void>;
}

export const DATA_DIR = '..data';
export const DATA_TMP = '..data_tmp';
const TS_PREFIX = '..2026_11_27_10_00_00.';

let tsCounter = 0;

const sleep = (ms: number): Promise<void> => new Promise((r) => (ms > 0 ? setTimeout(r, ms) : setImmediate(r)));

async function readlinkOrUndefined(p: string): Promise<string | undefined> {
  try {
    return await fs.readlink(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function checkKey(key: string): void {
  // A ConfigMap key is a flat file name here; kubelet rejects '..' prefixes and separators.
  if (key === '' || key.startsWith('..') || key.includes('/') || key.includes('\\')) {
    throw new Error(`invalid ConfigMap key: ${JSON.stringify(key)}`);
  }
}

/** The keys currently visible in a ConfigMap mount (the payload of the live ts dir). */
export async function mountedKeys(dir: string): Promise<string[]> {
  const ts = await readlinkOrUndefined(path.join(dir, DATA_DIR));
  if (ts === undefined) return [];
  return (await fs.readdir(path.join(dir, ts))).sort();
}

/**
 * Project `payload` into the ConfigMap mount at `dir` exactly as kubelet does.
 * The first call on an empty directory creates the mount (a `{}` payload gives
 * the zero-key mount: ..data pointing at an empty dir).
 */
export async function atomicWrite(dir: string, payload: Payload, opts: AtomicWriteOptions = {}): Promise<void> {
  const delay = opts.stepDelayMs ?? 50;
  const step = async (name: AtomicStep, last = false): Promise<void> => {
    await opts.onStep?.(name);
    if (!last) await sleep(delay);
  };
  const keys = Object.keys(payload);
  keys.forEach(checkKey);

  const oldTs = await readlinkOrUndefined(path.join(dir, DATA_DIR));
  const oldKeys = oldTs === undefined ? [] : await fs.readdir(path.join(dir, oldTs));

  // (1) the payload, in a new hidden timestamped directory.
  const tsName = `${TS_PREFIX}${++tsCounter}`;
  const tsDir = path.join(dir, tsName);
  await fs.mkdir(tsDir); // not recursive: fails if it exists, like a fresh TempDir
  for (const key of keys) await fs.writeFile(path.join(tsDir, key), payload[key]!, { mode: 0o644 });
  await step('payload-written');

  // (2) user-visible links for keys that are new (dangling until the swap).
  for (const key of keys) {
    if (oldKeys.includes(key)) continue;
    const link = path.join(dir, key);
    if ((await readlinkOrUndefined(link)) === undefined) await fs.symlink(path.join(DATA_DIR, key), link);
  }
  await step('new-links-created');

  // (3) ..data_tmp -> the new ts dir (relative, as kubelet writes it).
  await fs.rm(path.join(dir, DATA_TMP), { force: true });
  await fs.symlink(tsName, path.join(dir, DATA_TMP));
  await step('data-tmp-linked');

  // (4) the atomic switch.
  await fs.rename(path.join(dir, DATA_TMP), path.join(dir, DATA_DIR));
  await step('data-swapped');

  // (5) user-visible links of deleted keys.
  for (const key of oldKeys) {
    if (!keys.includes(key)) await fs.rm(path.join(dir, key), { force: true });
  }
  await step('old-links-removed');

  // (6) the previous version.
  if (oldTs !== undefined) await fs.rm(path.join(dir, oldTs), { recursive: true, force: true });
  await step('old-dir-removed', true);
}
