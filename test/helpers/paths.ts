// Paths shared by tests: the repository root (tests run compiled from dist/test/...).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';

function findRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('repository root not found');
    dir = up;
  }
  // dist/ has no package.json, so the first hit is the repository root.
  return dir;
}

export const REPO_ROOT = findRoot();
export const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures');
export const SHIPPED_POLICIES = path.join(REPO_ROOT, 'policies');
/** Set UPDATE_FIXTURES=1 to rewrite expected outputs from the current behaviour (then review the diff). */
export const UPDATE_FIXTURES = process.env.UPDATE_FIXTURES === '1';
