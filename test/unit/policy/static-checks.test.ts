// Data-driven: every folder in test/fixtures/policies/warnings/ is a VALID
// policy set with the warnings `tokenrouter validate` must print for it in
// expected-warnings.txt (empty for the `-ok` folders, which hold the near
// misses each check must not flag). UPDATE_FIXTURES=1 rewrites them. The CLI
// case checks the `warning:` prefix and that warnings keep exit code 0.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatProblem, loadPolicyDirectory } from '../../../src/policy/load.js';
import { FIXTURES, missingGolden, REPO_ROOT, SHIPPED_POLICIES, UPDATE_FIXTURES } from '../../helpers/paths.js';

const ROOT = path.join(FIXTURES, 'policies', 'warnings');
const CLI = path.join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

describe('policy static checks (warnings)', () => {
  const cases = readdirSync(ROOT).sort();

  it('every check has a failing fixture and a passing (-ok) one', () => {
    const failing = cases.filter((c) => !c.endsWith('-ok'));
    expect(failing.length).to.be.greaterThan(0);
    for (const c of failing) expect(cases, `${c} has no passing counterpart`).to.include(`${c}-ok`);
  });

  for (const name of cases) {
    it(`${name}: loads, with the expected warnings`, async () => {
      const dir = path.join(ROOT, name);
      const result = await loadPolicyDirectory(dir);
      expect(result.ok ? [] : result.problems.map(formatProblem), 'a warnings fixture must be a valid set').to.deep.equal([]);
      const got = result.ok ? result.warnings.map(formatProblem) : [];
      const file = path.join(dir, 'expected-warnings.txt');
      if (UPDATE_FIXTURES) writeFileSync(file, got.map((l) => l + '\n').join(''));
      else if (!existsSync(file)) throw missingGolden(path.relative(REPO_ROOT, file));
      const expected = readFileSync(file, 'utf8').split('\n').filter(Boolean);
      expect(got).to.deep.equal(expected);
      expect(got.length > 0, name.endsWith('-ok') ? 'a passing fixture warns' : 'a failing fixture does not warn').to.equal(!name.endsWith('-ok'));
    });
  }

  it('the shipped policies carry no warnings', async () => {
    const r = await loadPolicyDirectory(SHIPPED_POLICIES);
    expect(r.ok && r.warnings.map(formatProblem)).to.deep.equal([]);
  });

  it('`validate` prints warnings with a warning: prefix and still exits 0', () => {
    const r = spawnSync(process.execPath, [CLI, 'validate', path.join(ROOT, 'shadowed-rule')], { encoding: 'utf8' });
    expect(r.status).to.equal(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.slice(0, -1).every((l) => l.startsWith('warning: routing.yaml:'))).to.equal(true);
    expect(lines.at(-1)).to.match(/^ok: .*, \d+ warning\(s\)$/);
  });
});
