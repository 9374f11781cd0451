// Bounded scanning: windows give exactly the matches of one whole-text scan
// (for matches no longer than the overlap), wherever the window boundaries
// fall; the budget stops a costly scan between windows and the prompt is then
// blocked (fail closed).
import { expect } from 'chai';
import { holdLast, regexMatcher } from '../../../src/firewall/matcher.js';
import { screenPrompt } from '../../../src/firewall/prompt.js';
import { activeRules } from '../../../src/firewall/rules.js';
import { replaceSpans, ScanBudget, ScanLimitExceeded, scanText } from '../../../src/firewall/scan.js';
import type { CanonicalRequest } from '../../../src/canonical/types.js';
import { compilePattern } from '../../../src/policy/checks/regex.js';
import { buildFacts } from '../../../src/routing/facts.js';
import { firewallPolicy } from './helpers.js';

/** Deterministic pseudo-random text over a small alphabet, so patterns match often and everywhere. */
function text(length: number, seed: number): string {
  let s = seed;
  let out = '';
  for (let i = 0; i < length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    out += 'ab1 -.'[(s >>> 16) % 6];
  }
  return out;
}

function whole(re: RegExp, t: string): string[] {
  return [...t.matchAll(new RegExp(re.source, re.flags))].map((m) => `${m.index}:${m[0]}`);
}

function windowed(re: RegExp, maxLength: number, t: string): string[] {
  const budget = new ScanBudget(60_000);
  const compiled = compilePattern(`/${re.source}/${re.flags.replace('g', '')}`);
  if (!compiled.ok) throw new Error(compiled.error);
  const m = regexMatcher(compiled.regex, maxLength, holdLast(maxLength));
  return budget.run(() => scanText(m, t, budget, 'r')).map((s) => `${s.start}:${t.slice(s.start, s.end)}`);
}

describe('firewall: bounded scanning', () => {
  const patterns: [RegExp, number][] = [
    [/a1/g, 2],
    [/\bab\b/gi, 2],
    [/-b+a/g, 40],
    [/\Bb+a/g, 40],
    [/a[ab1]{0,30}1/g, 32],
    [/1\./g, 2],
  ];
  for (const [re, max] of patterns) {
    it(`${re}: the same matches as one whole-text scan, across window boundaries`, () => {
      for (let seed = 1; seed <= 5; seed++) {
        const t = text(5000, seed);
        expect(windowed(re, max, t)).to.deep.equal(whole(re, t));
      }
    });
  }

  it('replaces spans in order, keeping the text between them', () => {
    expect(replaceSpans('a secret and a secret', [{ start: 2, end: 8 }, { start: 15, end: 21 }], '[x]')).to.equal('a [x] and a [x]');
    expect(replaceSpans('plain', [], '[x]')).to.equal('plain');
  });

  it('stops between windows once the budget is spent', () => {
    const budget = new ScanBudget(0);
    const never = compilePattern('never');
    if (!never.ok) throw new Error(never.error);
    const m = regexMatcher(never.regex, 5, holdLast(5));
    expect(() => budget.run(() => scanText(m, 'x'.repeat(10_000), budget, 'slow-rule'))).to.throw(ScanLimitExceeded, 'slow-rule');
  });

  it('a prompt whose scan runs over scanBudgetMs is blocked by the rule that was scanning', async () => {
    // Linear, but 2 million one-letter matches take far more than 10 ms.
    const set = firewallPolicy([{ name: 'letters', scope: 'prompt', type: 'regex', pattern: 'a', action: 'mask' }], {
      scanBudgetMs: 10,
    });
    const req: CanonicalRequest = { api: 'responses', model: 'm', items: [{ type: 'message', role: 'user', content: [{ type: 'text', text: 'a'.repeat(2_000_000) }] }], tools: [], stream: false };
    const rules = (await activeRules(set, buildFacts({ text: '', mode: 'balance' }))).prompt;
    const t0 = performance.now();
    const s = screenPrompt(set, req, rules);
    expect(s.blockedBy).to.equal('letters');
    expect(s.hits).to.deep.equal([{ rule: 'letters', action: 'scan_limit', matches: 0 }]);
    expect(performance.now() - t0, 'stopped within a few windows of the budget').to.be.below(1000);
  });
});
