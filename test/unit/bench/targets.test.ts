// The benchmark's closing table (bench/targets.ts): met/missed follows each
// target's comparison at the boundary, a target the run did not measure says
// so instead of passing, and every issue-23 target has a row even when a part
// was not run.
import { expect } from 'chai';
import { collectTargets, formatTargets, judge, row } from '../../../bench/targets.js';
import type { DecisionReport } from '../../../bench/decision.js';

describe('bench targets table', () => {
  it('judges at most, at least and strictly below at their boundaries', () => {
    expect(judge(2, '<=', 2)).to.equal('met');
    expect(judge(2.01, '<=', 2)).to.equal('missed');
    expect(judge(8, '>=', 8)).to.equal('met');
    expect(judge(7.99, '>=', 8)).to.equal('missed');
    expect(judge(0.99, '<', 1)).to.equal('met');
    expect(judge(1, '<', 1)).to.equal('missed');
  });

  it('says "not measured" for a missing or non-finite figure, never met', () => {
    expect(judge(undefined, '<=', 2)).to.equal('not measured');
    expect(judge(NaN, '>=', 8)).to.equal('not measured');
    expect(judge(Infinity, '<=', 2)).to.equal('not measured');
  });

  it('prints target with its limit, figure with its detail, and the status in one row each', () => {
    const lines = formatTargets([row('router CPU ÷ raw', 2.44, '<=', 2, '×', '300 vs 123 µs'), row('idle RSS', 61, '<=', 64, 'MB'), row('decide() p50', undefined, '<=', 25, 'µs')]);
    expect(lines).to.have.length(5);
    expect(lines[0]).to.match(/^target\s+\| figure\s+\| met\/missed$/);
    expect(lines[2]).to.match(/^router CPU ÷ raw ≤ 2\.00×\s+\| 2\.44× \(300 vs 123 µs\)\s+\| missed$/);
    expect(lines[3]).to.match(/^idle RSS ≤ 64\.0 MB\s+\| 61\.0 MB\s+\| met$/);
    expect(lines[4]).to.match(/^decide\(\) p50 ≤ 25\.0 µs\s+\| -\s+\| not measured$/);
    // Columns line up: every row has its separators at the same offsets.
    const bars = lines.filter((_, i) => i !== 1).map((l) => [...l.matchAll(/\|/g)].map((m) => m.index));
    for (const b of bars) expect(b).to.deep.equal(bars[0]);
  });

  it('lists every target even when only one part ran, taking decide() from the decision report', () => {
    const decision = {
      rows: [
        { rules: 100, request: 'short', subject: 'decide', indexed: { p50: 9, p99: 20 } },
        { rules: 1000, request: 'short', subject: 'evaluateRules', indexed: { p50: 5, p99: 9 } },
        { rules: 1000, request: 'short', subject: 'decide', indexed: { p50: 26.5, p99: 40 } },
      ],
    } as unknown as DecisionReport;
    const rows = collectTargets({ decision, seconds: 12, quick: false, whole: false });
    expect(rows).to.have.length(16);
    const decide = rows.find((r) => r.target.startsWith('decide()'))!;
    expect(decide.value).to.equal(26.5);
    expect(decide.status).to.equal('missed');
    expect(rows.filter((r) => r.status === 'not measured')).to.have.length(15);
    // --only= runs say nothing about the whole run's time.
    expect(rows.at(-1)!.status).to.equal('not measured');
    expect(collectTargets({ seconds: 59, quick: true, whole: true }).at(-1)).to.include({ status: 'met', limit: 60 });
    expect(collectTargets({ seconds: 301, quick: false, whole: true }).at(-1)).to.include({ status: 'missed', limit: 300 });
  });
});
