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

/**
 * The error for a golden whose expected output is missing. A missing golden must fail: writing it
 * from the current output would make a new fixture pass on its first run, checking the code
 * against itself. `what` names the fixture (a path relative to the repository is clearest).
 */
export function missingGolden(what: string): Error {
  return new Error(
    `${what} has no expected output. Write it from the current behaviour with ` +
      `UPDATE_FIXTURES=1 (e.g. \`npx tsc -p tsconfig.json && UPDATE_FIXTURES=1 npx mocha --no-config ` +
      `dist/test/<this test>.js\`), then review the written file: it is what every later run is checked against.`,
  );
}
