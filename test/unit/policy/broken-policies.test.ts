// Data-driven: every folder in test/fixtures/policies/invalid/ is a broken
// policy set with its expected problems in expected-errors.txt, exactly as
// `tokenrouter validate` prints them. UPDATE_FIXTURES=1 rewrites them.
import { expect } from 'chai';
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { formatProblem, loadPolicyDirectory } from '../../../src/policy/load.js';
import { FIXTURES, missingGolden, REPO_ROOT, UPDATE_FIXTURES } from '../../helpers/paths.js';

const invalidRoot = path.join(FIXTURES, 'policies', 'invalid');
const validRoot = path.join(FIXTURES, 'policies', 'valid');

describe('policy validation: broken-policy fixtures', () => {
  for (const name of readdirSync(invalidRoot).sort()) {
    it(`${name}: rejected with the expected problems`, async () => {
      const dir = path.join(invalidRoot, name);
      const result = await loadPolicyDirectory(dir);
      expect(result.ok, 'a broken set must not load').to.equal(false);
      const got = result.ok ? [] : result.problems.map(formatProblem);
      const file = path.join(dir, 'expected-errors.txt');
      if (UPDATE_FIXTURES) writeFileSync(file, got.join('\n') + '\n');
      else if (!existsSync(file)) throw missingGolden(path.relative(REPO_ROOT, file));
      const expected = readFileSync(file, 'utf8').trimEnd().split('\n');
      expect(got).to.deep.equal(expected);
    });
  }

  for (const name of readdirSync(validRoot).sort()) {
    it(`valid/${name}: loads`, async () => {
      const result = await loadPolicyDirectory(path.join(validRoot, name));
      expect(result.ok ? [] : result.problems.map(formatProblem)).to.deep.equal([]);
    });
  }
});
