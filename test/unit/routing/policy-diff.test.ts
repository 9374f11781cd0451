// `tokenrouter diff`: the golden report over test/fixtures/diff/ (a traffic
// file with plain bodies, log records, a rejected model and unreadable lines,
// replayed through base/ and head/), compared exactly in text and markdown;
// UPDATE_FIXTURES=1 rewrites expected.*. Plus the traffic parser, the
// comparison rules and the CLI's exit codes.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadPolicyDirectory } from '../../../src/policy/load.js';
import type { PolicySet } from '../../../src/policy/types.js';
import { compareOutcomes, diffPolicies, parseTraffic, type Outcome } from '../../../src/authoring/policy-diff.js';
import { formatDiff } from '../../../src/authoring/policy-diff-format.js';
import { FIXTURES, missingGolden, REPO_ROOT, UPDATE_FIXTURES } from '../../helpers/paths.js';

const DIR = path.join(FIXTURES, 'diff');
const CLI = path.join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

async function load(dir: string): Promise<PolicySet> {
  const r = await loadPolicyDirectory(dir);
  if (!r.ok) throw new Error(`fixture ${dir} invalid: ${JSON.stringify(r.problems)}`);
  return r.set;
}

function golden(file: string, got: string): void {
  const full = path.join(DIR, file);
  if (UPDATE_FIXTURES) writeFileSync(full, got);
  else if (!existsSync(full)) throw missingGolden(path.relative(REPO_ROOT, full));
  expect(got).to.equal(readFileSync(full, 'utf8'));
}

describe('policy diff', () => {
  describe('golden report (test/fixtures/diff)', () => {
    const cli = (format: string): ReturnType<typeof spawnSync> =>
      spawnSync(process.execPath, [CLI, 'diff', '--base', path.join(DIR, 'base'), '--head', path.join(DIR, 'head'), '--traffic', path.join(DIR, 'traffic.jsonl'), '--assume-credentials', '--format', format], { encoding: 'utf8' });

    it('text report, exit 0 although requests changed', () => {
      const r = cli('text');
      expect(r.stderr).to.equal('');
      expect(r.status).to.equal(0);
      golden('expected.txt', String(r.stdout));
    });

    it('markdown report (a pull-request comment)', () => {
      const r = cli('markdown');
      expect(r.status).to.equal(0);
      golden('expected.md', String(r.stdout));
    });

    it('groups what the fixture changes, and nothing else', async () => {
      const d = await diffPolicies(await load(path.join(DIR, 'base')), await load(path.join(DIR, 'head')), parseTraffic(readFileSync(path.join(DIR, 'traffic.jsonl'), 'utf8')), {
        hasCredentials: () => false,
        assumeCredentials: true,
      });
      const byLabel = new Map(d.groups.map((g) => [g.changes.map((c) => `${c.aspect}: ${c.from} → ${c.to}`).join(' | '), g.lines]));
      // code (plain Responses, Chat, and a {body} record) moves from big to mid; a refactor stays on big.
      expect(byLabel.get('route: beta/big → alpha/mid')).to.deep.equal([1, 2, 4]);
      expect(byLabel.get('firewall: none → block')).to.deep.equal([6]);
      // The caller of a log record reaches the api_key fact.
      expect(byLabel.get('route: alpha/small → beta/big | mode: cost → quality')).to.deep.equal([7]);
      expect(byLabel.get('warnings: none → "Legal questions are logged for review."')).to.deep.equal([9]);
      expect(d.requests).to.equal(12);
      expect(d.changed).to.equal(7);
      expect(d.skipped.map((s) => s.line)).to.deep.equal([12, 13]);
      // The cost totals are the sums of the groups' costs plus the unchanged requests': the groups account for the whole delta.
      const groupDelta = d.groups.reduce((n, g) => n + g.headCostUsd - g.baseCostUsd, 0);
      expect(d.cost.headUsd - d.cost.baseUsd).to.be.closeTo(groupDelta, 1e-12);
      // A blocked prompt is never sent, so it costs nothing under head.
      const blocked = d.groups.find((g) => g.lines.includes(6))!;
      expect(blocked.headCostUsd).to.equal(0);
      expect(blocked.baseCostUsd).to.be.greaterThan(0);
      expect(JSON.parse(formatDiff(d, 'json')).groups).to.have.length(d.groups.length);
    });

    it('the same set on both sides changes nothing', async () => {
      const base = await load(path.join(DIR, 'base'));
      const d = await diffPolicies(base, base, parseTraffic(readFileSync(path.join(DIR, 'traffic.jsonl'), 'utf8')), { hasCredentials: () => true });
      expect(d.changed).to.equal(0);
      expect(d.cost.headUsd).to.equal(d.cost.baseUsd);
      expect(formatDiff(d, 'markdown')).to.contain('No request changes');
    });
  });

  describe('parseTraffic', () => {
    it('reads plain bodies, {request} and {body} records with a caller, and reports bad lines', () => {
      const t = parseTraffic(['{"input":"a"}', '', '{"request":{"input":"b"},"caller":"k1"}', '{"body":{"messages":[]},"caller":""}', '[1]', '{"body":null}', '{'].join('\n'));
      expect(t.entries).to.deep.equal([
        { line: 1, body: { input: 'a' }, caller: 'anonymous' },
        { line: 3, body: { input: 'b' }, caller: 'k1' },
        { line: 4, body: { messages: [] }, caller: 'anonymous' },
      ]);
      expect(t.skipped.map((s) => s.line)).to.deep.equal([5, 6, 7]);
    });
  });

  describe('compareOutcomes', () => {
    const routed = (over: Partial<Extract<Outcome, { kind: 'routed' }>> = {}): Outcome => ({ kind: 'routed', provider: 'p', model: 'm', mode: 'balance', firewall: 'none', warnings: [], costUsd: 1, ...over });
    it('reports each changed aspect once, and cost alone is not a change', () => {
      expect(compareOutcomes(routed(), routed({ costUsd: 2 }))).to.deep.equal([]);
      expect(compareOutcomes(routed(), routed({ model: 'n', mode: 'cost', firewall: 'warn', warnings: ['w'] })).map((c) => c.aspect)).to.deep.equal(['route', 'mode', 'firewall', 'warnings']);
    });
    it('a rejection differs in its route only', () => {
      expect(compareOutcomes({ kind: 'rejected', code: 'unknown_model' }, routed())).to.deep.equal([{ aspect: 'route', from: 'rejected (unknown_model)', to: 'p/m' }]);
      expect(compareOutcomes({ kind: 'rejected', code: 'x' }, { kind: 'rejected', code: 'x' })).to.deep.equal([]);
    });
  });

  describe('CLI exit codes', () => {
    const run = (...args: string[]): ReturnType<typeof spawnSync> => spawnSync(process.execPath, [CLI, 'diff', ...args], { encoding: 'utf8' });
    it('2 on a missing flag, an unknown format or an unreadable traffic file', () => {
      expect(run('--base', DIR).status).to.equal(2);
      expect(run('--base', path.join(DIR, 'base'), '--head', path.join(DIR, 'head'), '--traffic', path.join(DIR, 'traffic.jsonl'), '--format', 'html').status).to.equal(2);
      expect(run('--base', path.join(DIR, 'base'), '--head', path.join(DIR, 'head'), '--traffic', path.join(DIR, 'missing.jsonl')).status).to.equal(2);
    });
    it('3 when either policy set is invalid, naming the side', () => {
      const bad = path.join(FIXTURES, 'policies', 'invalid', 'unknown-references');
      const r = run('--base', path.join(DIR, 'base'), '--head', bad, '--traffic', path.join(DIR, 'traffic.jsonl'));
      expect(r.status).to.equal(3);
      expect(String(r.stderr)).to.match(/^head: /m);
      expect(String(r.stdout)).to.equal('');
    });
  });
});
