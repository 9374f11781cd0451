// Reproduces issue 14 item 3: "The prompt firewall scan runs synchronously.
// The shipped `emails` regex is quadratic on letters and `validate` accepts
// it. A 100 KB run of `a` blocks /healthz for ~750 ms, 1 MB for ~1.3 s."
//
// Before the fix, patterns ran on V8's backtracking engine: the shipped
// emails rule spent the whole 1,000 ms scan budget on 1 MB of letters (and was
// blocked as scan_limit), `(a+)+$` and `(a|a)*b` were refused as
// "catastrophic", `.*x.*y.*z` by a timing probe, and over a whole megabyte
// they take minutes to forever. Now every regex the router runs over text is
// on re2js (linear-time RE2): each of them finishes, and doubling the input
// at most about doubles the time (asserted as ≤ 3×, plus a few ms for timer
// noise, with the fastest of three runs: load only ever adds time). A
// quadratic pattern would take 4× (and minutes), an exponential one forever.
import { expect } from 'chai';
import { DETECTORS } from '../../src/firewall/detectors/index.js';
import { holdLast, regexMatcher, type Span } from '../../src/firewall/matcher.js';
import { screenPrompt } from '../../src/firewall/prompt.js';
import { activeRules } from '../../src/firewall/rules.js';
import { ScanBudget, scanText } from '../../src/firewall/scan.js';
import type { CanonicalRequest } from '../../src/canonical/types.js';
import { compilePattern } from '../../src/policy/checks/regex.js';
import { loadPolicyDirectory } from '../../src/policy/load.js';
import type { LinearRegex } from '../../src/policy/regex/linear.js';
import { buildFacts } from '../../src/routing/facts.js';
import { CUSTOM_OPERATORS } from '../../src/routing/operators.js';
import { SHIPPED_POLICIES } from '../helpers/paths.js';

const MB = 1024 * 1024;
const SHIPPED_EMAILS = '[a-z0-9._%+-]+@[a-z0-9.-]+\\.[a-z]{2,}';

function compiled(pattern: string): LinearRegex {
  const c = compilePattern(pattern);
  if (!c.ok) throw new Error(c.error);
  return c.regex;
}

/** Every match over the whole text in one search (no windows): what the engine alone costs. */
function allMatches(re: LinearRegex, text: string): number {
  const out: Span[] = [];
  regexMatcher(re, text.length, holdLast(1)).find(text, 0, text.length, out);
  return out.length;
}

/** Fastest of three runs, in ms. */
function fastest(fn: () => unknown): number {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

function request(text: string): CanonicalRequest {
  return { api: 'responses', model: 'm', items: [{ type: 'message', role: 'user', content: [{ type: 'text', text }] }], tools: [], stream: false };
}

describe('security: every regex over request text runs in linear time (issue 14 item 3)', function () {
  this.timeout(120_000);

  it('the shipped prompt rules screen 1 MB of letters to the end, well inside the scan budget (was: scan_limit after 1,000 ms)', async () => {
    const r = await loadPolicyDirectory(SHIPPED_POLICIES);
    if (!r.ok) throw new Error(r.problems.map((p) => p.message).join('\n'));
    const rules = (await activeRules(r.set, buildFacts({ text: '', mode: 'balance' }))).prompt;
    expect(rules.map((x) => x.rule.name)).to.include('mask-emails');
    for (const text of ['a'.repeat(MB), '日本語の文章'.repeat(MB / 6)]) {
      const t0 = performance.now();
      const s = screenPrompt(r.set, request(text), rules);
      const ms = performance.now() - t0;
      expect(s.blockedBy, 'not stopped by the scan budget').to.equal(undefined);
      expect(s.hits).to.deep.equal([]);
      expect(ms, 'a fraction of the 1,000 ms budget').to.be.below(500);
    }
  });

  const hostile: [string, string, (n: number) => string][] = [
    ['the shipped emails rule', SHIPPED_EMAILS, (n) => 'a'.repeat(n)],
    ['(a+)+$ (nested quantifiers)', '(a+)+$', (n) => 'a'.repeat(n - 1) + '!'],
    ['(a|a)*b (overlapping alternatives)', '(a|a)*b', (n) => 'a'.repeat(n)],
    ['.*x.*y.*z (polynomial)', '.*x.*y.*z', (n) => 'x'.repeat(n)],
    ['\\w+\\s+\\w+@ (quadratic on words and spaces)', '\\w+\\s+\\w+@', (n) => 'ab '.repeat(n / 3)],
  ];
  for (const [name, pattern, text] of hostile) {
    // 1 MB against 4 MB: linear is 4×, quadratic 16×; the bound (8×) sits between them with room for a noisy machine.
    it(`${name}: validate accepts it, and 4 MB take at most ~4× the time of 1 MB`, () => {
      const re = compiled(pattern);
      const small = text(MB);
      const large = text(4 * MB);
      allMatches(re, small); // warm up
      const t1 = fastest(() => allMatches(re, small));
      const t4 = fastest(() => allMatches(re, large));
      expect(t4, `1 MB ${t1.toFixed(1)} ms, 4 MB ${t4.toFixed(1)} ms`).to.be.below(8 * t1 + 10);
      expect(t4, 'and quickly').to.be.below(4000);
    });
  }

  it('many matches cost linear time too (256 KB, then 1 MB of "a@b.co " against the shipped emails rule)', () => {
    const re = compiled(SHIPPED_EMAILS);
    const count = Math.floor(MB / 4 / 7);
    const small = 'a@b.co '.repeat(count);
    const large = small.repeat(4);
    expect(allMatches(re, small)).to.equal(count);
    const t1 = fastest(() => allMatches(re, small));
    const t4 = fastest(() => allMatches(re, large));
    expect(t4, `${t1.toFixed(1)} ms, then ${t4.toFixed(1)} ms for 4×`).to.be.below(8 * t1 + 10);
  });

  it('a matchesRegex routing condition over 4 MB of text is linear as well', () => {
    // The engine calls evaluate(fact, value); the published types leave it out.
    const op = CUSTOM_OPERATORS.find((o) => o.name === 'matchesRegex') as unknown as { evaluate(fact: unknown, value: unknown): boolean };
    const small = 'x'.repeat(MB);
    const large = 'x'.repeat(4 * MB);
    op.evaluate(small, '.*x.*y.*z');
    const t1 = fastest(() => expect(op.evaluate(small, '.*x.*y.*z')).to.equal(false));
    const t4 = fastest(() => expect(op.evaluate(large, '.*x.*y.*z')).to.equal(false));
    expect(t4, `${t1.toFixed(1)} ms, then ${t4.toFixed(1)} ms for 4×`).to.be.below(8 * t1 + 10);
    expect(op.evaluate('x and y then z', '.*x.*y.*z')).to.equal(true);
  });

  it('the built-in detectors scan 1 MB of letters, digits or CJK linearly', () => {
    const budget = new ScanBudget(60_000);
    for (const make of [(n: number) => 'a'.repeat(n), (n: number) => '7'.repeat(n), (n: number) => '語'.repeat(n), (n: number) => 'sk-'.repeat(n / 3)]) {
      for (const [name, m] of Object.entries(DETECTORS)) {
        const small = make(MB / 4);
        const large = make(MB);
        const t1 = fastest(() => budget.run(() => scanText(m, small, budget, name)));
        const t4 = fastest(() => budget.run(() => scanText(m, large, budget, name)));
        expect(t4, `${name} on ${JSON.stringify(small.slice(0, 3))}…: ${t1.toFixed(1)} ms, then ${t4.toFixed(1)} ms for 4×`).to.be.below(8 * t1 + 10);
      }
    }
  });

  it("validate names what the linear-time engine cannot run, instead of calling it 'catastrophic backtracking'", () => {
    const refused = (pattern: string): string => {
      const c = compilePattern(pattern);
      expect(c.ok, pattern).to.equal(false);
      return c.ok ? '' : c.error;
    };
    const lookbehind = "it uses a lookbehind ((?<=…) or (?<!…)), which the router's linear-time regex engine (RE2) cannot run";
    const lookahead = "it uses a lookahead ((?=…) or (?!…)), which the router's linear-time regex engine (RE2) cannot run";
    const backref = "it uses a backreference (\\1 or \\k<name>), which the router's linear-time regex engine (RE2) cannot run";
    expect(refused('(?<!\\d)\\d{16}')).to.equal(`regex "(?<!\\d)\\d{16}" cannot be used: ${lookbehind}`);
    expect(refused('(?<=\\$)\\d+')).to.equal(`regex "(?<=\\$)\\d+" cannot be used: ${lookbehind}`);
    expect(refused('password(?!:)')).to.equal(`regex "password(?!:)" cannot be used: ${lookahead}`);
    expect(refused('/\\d+(?=%)/')).to.equal(`regex "/\\d+(?=%)/" cannot be used: ${lookahead}`);
    expect(refused('(\\w+) \\1')).to.equal(`regex "(\\w+) \\1" cannot be used: ${backref}`);
    expect(refused('(?<w>\\w+) \\k<w>')).to.equal(`regex "(?<w>\\w+) \\k<w>" cannot be used: ${backref}`);
    expect(refused('a{1001}')).to.match(/repeats \{1001\}: more than 1000 repetitions/);
    for (const p of ['(a+)+$', '(a|a)*b', '.*x.*y.*z', SHIPPED_EMAILS]) expect(compilePattern(p).ok, p).to.equal(true);
  });
});
