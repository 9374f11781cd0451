// The streaming screen with the benchmark's ten regex rules, whose prefilters
// clear most text without the engine (src/policy/regex/prefilter.ts): masks
// split across many tiny deltas, matches where held text is cut, blocks, the
// hold-back bound, and a spent budget all behave as screening the whole text.
import { expect } from 'chai';
import { REGEX_RULES } from '../../../bench/firewall.js';
import type { CanonicalEvent } from '../../../src/canonical/types.js';
import { maxHoldChars, ResponseStreamScreen } from '../../../src/firewall/response-stream.js';
import { activeRules, type ActiveRule } from '../../../src/firewall/rules.js';
import { ScanBudget } from '../../../src/firewall/scan.js';
import { applyRules } from '../../../src/firewall/screen.js';
import type { FirewallSettingsSpec } from '../../../src/policy/types.js';
import { buildFacts } from '../../../src/routing/facts.js';
import { firewallPolicy, type RuleSpec } from './helpers.js';

const PII =
  'the report: contact jane.doe@example.org or (415) 555-2671 about card 4111 1111 1111 1111 on db1.internal.example.com; ' +
  'password: hunter2 and Bearer abcdefghijklmnopqrstuvwxyz0123 ip 10.0.0.12, key AKIAABCDEFGHIJKLMNOP, ssn 123-45-6789. ';

async function rulesOf(rules: RuleSpec[], settings?: FirewallSettingsSpec): Promise<readonly ActiveRule[]> {
  return (await activeRules(firewallPolicy(rules, settings), buildFacts({ text: '', mode: 'balance' }))).response;
}

const tenRules = (action: string): RuleSpec[] => REGEX_RULES.map(([name, pattern]) => ({ name, scope: 'response', type: 'regex', pattern, action }));

function screen(rules: readonly ActiveRule[], budgetMs = 10_000): ResponseStreamScreen {
  return new ResponseStreamScreen(rules, { budget: new ScanBudget(budgetMs), blockMessage: (h) => `blocked by ${h.rule} (${h.action})`, report: () => {} });
}

/** Streams `text` in deltas of `size` characters; the released text and the last event. */
function stream(rules: readonly ActiveRule[], text: string, size: number, onPush?: (sent: number, released: string) => void): { text: string; last: CanonicalEvent | undefined } {
  const s = screen(rules);
  let released = '';
  let last: CanonicalEvent | undefined;
  const take = (events: CanonicalEvent[]): void => {
    for (const e of events) {
      if (e.type === 'text_delta') released += e.text;
      last = e;
    }
  };
  for (let i = 0; i < text.length; i += size) {
    take(s.push({ type: 'text_delta', text: text.slice(i, i + size) }));
    onPush?.(Math.min(i + size, text.length), released);
  }
  take(s.push({ type: 'finish', reason: 'stop' }));
  take(s.end());
  return { text: released, last };
}

describe('firewall: response stream with ten regex rules', () => {
  it('masks exactly as screening the whole text, in deltas of 1 to 9 characters', async () => {
    const rules = await rulesOf(tenRules('mask'), { maxMatchChars: 64 });
    const text = PII.repeat(3);
    const whole = applyRules(rules, [{ text }], new ScanBudget(10_000)).texts[0]!;
    expect(whole).to.not.include('jane.doe').and.not.include('4111').and.not.include('AKIA');
    for (let size = 1; size <= 9; size++) expect(stream(rules, text, size).text, `deltas of ${size}`).to.equal(whole);
  });

  it('holds a match whole wherever the held text is cut (every offset, tiny deltas)', async () => {
    // A short hold (maxMatchChars 16) puts the cut right at, before and after each match start.
    const rules = await rulesOf([
      { name: 'key', scope: 'response', type: 'regex', pattern: 'sk-[a-z]{4,}', action: 'mask' },
      { name: 'mail', scope: 'response', type: 'regex', pattern: '[a-z.]+@[a-z]+\\.io', action: 'mask' },
    ], { maxMatchChars: 16 });
    for (let pad = 0; pad < 20; pad++) {
      const text = 'x '.repeat(pad) + 'a sk-abcdef b jo.e@ex.io c sk-' + 'q'.repeat(pad) + ' end';
      const whole = applyRules(rules, [{ text }], new ScanBudget(10_000)).texts[0]!;
      for (const size of [1, 2, 3, 5]) expect(stream(rules, text, size).text, `pad ${pad}, deltas of ${size}`).to.equal(whole);
    }
  });

  it('a block split across one-character deltas stops before any of the match leaves', async () => {
    const rules = await rulesOf(tenRules('block'));
    const text = 'a long and harmless answer, then Bearer abcdefghijklmnopqrstuvwxyz0123 and more';
    const out = stream(rules, text, 1);
    expect(out.last).to.deep.equal({ type: 'error', code: 'firewall_blocked', message: 'blocked by bearer (block)' });
    expect(text.startsWith(out.text)).to.equal(true);
    expect(out.text).to.not.include('Bearer');
  });

  it('holds back no more than maxMatchChars while the prefilters clear the text, and never more than maxHold', async () => {
    const rules = await rulesOf(tenRules('mask'), { maxMatchChars: 64 });
    const text = 'lorem ipsum dolor sit amet '.repeat(40) + PII + 'consectetur adipiscing elit '.repeat(40);
    // A match straddling the cut is held whole (the cut moves to its start), within maxHold.
    stream(rules, text, 3, (sent, released) => expect(sent - released.length).to.be.at.most(maxHoldChars(rules)));
    // Plain prose: only the last maxMatchChars characters are held.
    stream(rules, 'lorem ipsum dolor sit amet '.repeat(40), 3, (sent, released) => expect(sent - released.length).to.be.at.most(64));
  });

  it('a spent budget blocks the stream even when no rule could match the text', async () => {
    const rules = await rulesOf(tenRules('mask'));
    const s = screen(rules, 0);
    const out = [...s.push({ type: 'text_delta', text: 'plain words '.repeat(40) }), ...s.end()];
    expect(out).to.deep.equal([{ type: 'error', code: 'firewall_blocked', message: 'blocked by cards (scan_limit)' }]);
  });
});
