// PolicyTest suites: the loader (schema, references, tests/ vs in-directory
// documents), the runner (outcomes, diffs, coverage) through its module API,
// and `tokenrouter test` exit codes by spawning the built CLI. Fixtures:
// test/fixtures/policy-tests/ (see its README).
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatProblem, loadPolicyDirectory } from '../../../src/policy/load.js';
import { loadPolicyTests, type LoadedSuite } from '../../../src/authoring/policy-test-load.js';
import { compare, runPolicyTests, type TestRun } from '../../../src/authoring/policy-tests.js';
import { FIXTURES, REPO_ROOT, SHIPPED_POLICIES } from '../../helpers/paths.js';

const ROOT = path.join(FIXTURES, 'policy-tests');
const SUITES = path.join(ROOT, 'suites');
const CLI = path.join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

const made: string[] = [];

/** The fixture policy set in a temp dir, with suites under tests/ and/or in the directory itself. */
async function suiteDir(opts: { tests?: string[]; inDir?: string[]; files?: Record<string, string> } = {}): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tokenrouter-policy-test-'));
  made.push(dir);
  const policies = path.join(ROOT, 'policies');
  for (const f of await fs.readdir(policies)) await fs.copyFile(path.join(policies, f), path.join(dir, f));
  if (opts.tests?.length) {
    await fs.mkdir(path.join(dir, 'tests'));
    for (const s of opts.tests) await fs.copyFile(path.join(SUITES, s), path.join(dir, 'tests', s));
  }
  for (const s of opts.inDir ?? []) await fs.copyFile(path.join(SUITES, s), path.join(dir, `zz-${s}`));
  for (const [name, text] of Object.entries(opts.files ?? {})) await fs.writeFile(path.join(dir, name), text);
  return dir;
}

async function run(dir: string): Promise<{ run: TestRun; suites: LoadedSuite[] }> {
  const loaded = await loadPolicyTests(dir);
  if (!loaded.ok) throw new Error(`unexpected problems:\n${loaded.problems.map(formatProblem).join('\n')}`);
  return { run: await runPolicyTests(loaded.set, loaded.suites), suites: loaded.suites };
}

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: REPO_ROOT, timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('policy tests', () => {
after(async () => {
  for (const d of made) await fs.rm(d, { recursive: true, force: true });
});

describe('runner', () => {
  it('runs a passing suite through decide() and the prompt firewall, exercising every enabled rule', async () => {
    const { run: r } = await run(await suiteDir({ tests: ['passing.yaml'] }));
    expect(r.results.filter((x) => !x.ok).map((x) => [x.name, x.diff])).to.deep.equal([]);
    expect(r.passed).to.equal(10);
    expect(r.unexercised).to.deep.equal({ routing: [], firewall: [] });
    // The disabled rule is not "unexercised"; the response-scope rule is listed apart.
    expect(r.responseScope).to.deep.equal(['mask-keys-in-responses']);
    const team = r.results.find((x) => x.name === 'team-a is routed by cost, with a warning')!;
    expect(team.outcome.explanation!.decision.rules).to.deep.equal(['team-a-cheap']);
  });

  it('reports the enabled routing and prompt-firewall rules no case matched', async () => {
    const { run: r } = await run(await suiteDir({ tests: ['partial.yaml'] }));
    expect(r.failed).to.equal(0);
    expect(r.unexercised).to.deep.equal({ routing: ['team-a-cheap', 'long-prompts'], firewall: ['mask-digits', 'warn-drafts'] });
  });

  it('gives a line per unmet expectation on a failing case', async () => {
    const { run: r } = await run(await suiteDir({ tests: ['failing.yaml'] }));
    expect(r.results.map((x) => x.ok)).to.deep.equal([true, false]);
    expect(r.results[1]!.diff).to.deep.equal([
      'provider: expected "alpha", got "beta"',
      'model: expected "small", got "beta/big"',
      'rules: expected [], got ["code-to-big"]',
      'warnings: expected ["x"], got []',
    ]);
  });

  it('assumes credentials unless a suite says assumeCredentials: false', async () => {
    const dir = await suiteDir({ tests: ['no-credentials.yaml', 'partial.yaml'] });
    const { run: r, suites } = await run(dir);
    expect(suites.map((s) => [s.name, s.assumeCredentials])).to.deep.equal([
      ['no-credentials', false],
      ['partial', true],
    ]);
    expect(r.results.map((x) => [x.name, x.ok])).to.deep.equal([
      ['without keys nothing can serve', true],
      ['code goes to big', true],
      ['secrets are blocked', true],
    ]);
    expect(r.results[0]!.outcome.error!.code).to.equal('no_candidates');
  });

  it('runs PolicyTest documents inside the policy directory, which the live loader accepts and does not serve', async () => {
    const dir = await suiteDir({ inDir: ['in-directory.yaml'] });
    const live = await loadPolicyDirectory(dir);
    expect(live.ok ? [] : live.problems.map(formatProblem)).to.deep.equal([]);
    const bare = await loadPolicyDirectory(path.join(ROOT, 'policies'));
    if (!live.ok || !bare.ok) return;
    // The same routing and firewall rules as without the test document: it changes nothing served.
    expect(live.set.routingRules.map((r) => r.name)).to.deep.equal(bare.set.routingRules.map((r) => r.name));
    expect(live.set.firewallRules.map((r) => r.name)).to.deep.equal(bare.set.firewallRules.map((r) => r.name));
    expect(live.set.files).to.include('zz-in-directory.yaml');
    const { run: r } = await run(dir);
    expect(r.results.map((x) => [x.name, x.ok, x.file])).to.deep.equal([['a suite next to the policies runs too', true, 'zz-in-directory.yaml']]);
  });

  it('reports every problem in test files as file:line:col, schema and references together', async () => {
    const loaded = await loadPolicyTests(await suiteDir({ tests: ['invalid.yaml', 'wrong-kind.yaml'] }));
    expect(loaded.ok).to.equal(false);
    const expected = (await fs.readFile(path.join(SUITES, 'invalid.expected.txt'), 'utf8')).trimEnd().split('\n');
    expect(loaded.ok ? [] : loaded.problems.map(formatProblem)).to.deep.equal(expected);
  });

  it('a schema error in an in-directory PolicyTest makes the policy set itself invalid', async () => {
    const bad = (await fs.readFile(path.join(SUITES, 'in-directory.yaml'), 'utf8')).replace('expect:', 'expcet:');
    const live = await loadPolicyDirectory(await suiteDir({ files: { 'zz-bad-test.yaml': bad } }));
    expect(live.ok).to.equal(false);
    expect(live.ok ? [] : live.problems.map(formatProblem)).to.include('zz-bad-test.yaml:9:7: /spec/cases/0/expcet unknown property "expcet" (did you mean "expect"?)');
  });
});

describe('compare', () => {
  const set = async () => {
    const r = await loadPolicyDirectory(path.join(ROOT, 'policies'));
    if (!r.ok) throw new Error('fixture policies must load');
    return r.set;
  };

  it('an unexpected routing error fails the case, naming the error', async () => {
    const diff = compare(await set(), { provider: 'beta' }, { error: { code: 'unknown_model', message: 'Unknown model "x".' } });
    expect(diff).to.deep.equal(['error: expected none, got unknown_model: Unknown model "x".', 'provider: expected "beta", got no decision (unknown_model)']);
  });

  it('a block satisfies error: firewall_blocked, and an expected error that did not happen fails', async () => {
    const { run: r } = await run(await suiteDir({ tests: ['passing.yaml'] }));
    const blocked = r.results.find((x) => x.name === 'secrets are blocked')!.outcome;
    const s = await set();
    expect(compare(s, { error: 'firewall_blocked', firewall: 'block' }, blocked)).to.deep.equal([]);
    const routed = r.results.find((x) => x.name === 'code goes to big')!.outcome;
    expect(compare(s, { error: 'no_candidates' }, routed)).to.deep.equal(['error: expected no_candidates, got none (routed to beta/big)']);
  });
});

describe('tokenrouter test (CLI)', () => {
  before(async () => {
    await fs.access(CLI); // built by `npx tsc -p .` before mocha runs
  });

  it('exits 0 on a passing suite and prints one ok line per case and the coverage report', async () => {
    const r = cli('test', await suiteDir({ tests: ['passing.yaml'] }));
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('ok  '))).to.have.length(10);
    expect(r.stdout).to.include('10 passed, 0 failed (10 cases in 1 suite(s))');
    expect(r.stdout).to.include('routing rules no case matched: none');
    expect(r.stdout).to.include('prompt firewall rules no case matched: none');
  });

  it('lists unexercised rules on a passing but partial suite', async () => {
    const r = cli('test', await suiteDir({ tests: ['partial.yaml'] }));
    expect(r.status).to.equal(0);
    expect(r.stdout).to.include('routing rules no case matched: team-a-cheap, long-prompts');
    expect(r.stdout).to.include('prompt firewall rules no case matched: mask-digits, warn-drafts');
  });

  it('exits 4 when a case fails, with FAIL and the diff', async () => {
    const r = cli('test', await suiteDir({ tests: ['failing.yaml'] }));
    expect(r.status).to.equal(4);
    expect(r.stdout).to.match(/^FAIL {2}code goes to small \(wrong on purpose\) {2}\(tests\/failing\.yaml:10\)$/m);
    expect(r.stdout).to.include('        provider: expected "alpha", got "beta"');
    expect(r.stdout).to.include('1 passed, 1 failed');
  });

  it('exits 4 when no case ran', async () => {
    const r = cli('test', await suiteDir());
    expect(r.status).to.equal(4);
    expect(r.stdout).to.include('0 passed, 0 failed (0 cases');
    expect(r.stdout).to.include('no test cases found');
  });

  it('exits 3 on an invalid policy set, printing file:line:col', async () => {
    const dir = await suiteDir({ tests: ['passing.yaml'], files: { 'routing.yaml': 'apiVersion: tokenrouter/v1\nkind: RoutingRules\nmetadata: { name: routing }\nspec:\n  rules:\n    - name: r\n      priorty: 1\n      action: { set_mode: cost }\n' } });
    const r = cli('test', dir);
    expect(r.status).to.equal(3);
    expect(r.stdout).to.include('routing.yaml:7:7: /spec/rules/0/priorty unknown property "priorty" (did you mean "priority"?)');
  });

  it('exits 3 on an invalid test file', async () => {
    const r = cli('test', await suiteDir({ tests: ['invalid.yaml'] }));
    expect(r.status).to.equal(3);
    expect(r.stdout).to.include('tests/invalid.yaml:9:7: /spec/cases/0/expcet unknown property "expcet" (did you mean "expect"?)');
  });

  it('exits 2 on a usage error', () => {
    expect(cli('test', '--verbose').status).to.equal(2);
  });

  it('passes on the shipped suites, leaving no prompt or routing rule unexercised', () => {
    const r = cli('test', SHIPPED_POLICIES);
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.not.include('FAIL');
    expect(r.stdout).to.match(/^\d+ passed, 0 failed \(\d+ cases in 2 suite\(s\)\)$/m);
    expect(r.stdout).to.include('routing rules no case matched: none');
    expect(r.stdout).to.include('prompt firewall rules no case matched: none');
  });
});
});
