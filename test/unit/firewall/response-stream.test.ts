// The streaming response screen: every case of stream-cases.yaml and every
// detector fixture streamed at every chunk boundary must give the client
// exactly what screening the whole text gives (masks) or stop before the
// match (blocks); plus event order, bounded hold-back, warnings, reports and
// the scan budget.
import { expect } from 'chai';
import type { CanonicalEvent } from '../../../src/canonical/types.js';
import { ResponseStreamScreen } from '../../../src/firewall/response-stream.js';
import { activeRules, type ActiveRule } from '../../../src/firewall/rules.js';
import { ScanBudget } from '../../../src/firewall/scan.js';
import { applyRules, type RuleHit } from '../../../src/firewall/screen.js';
import type { FirewallSettingsSpec } from '../../../src/policy/types.js';
import { FIREWALL_DETECTORS } from '../../../src/policy/vocabulary.js';
import { buildFacts } from '../../../src/routing/facts.js';
import { firewallPolicy, readFixture, type RuleSpec } from './helpers.js';

interface StreamCase {
  name: string;
  rules: RuleSpec[];
  settings?: FirewallSettingsSpec;
  text: string;
  expect: { text?: string; blocked?: string; before?: string; warnings?: string[] };
}

type Channel = 'text' | 'arguments';

async function responseRules(rules: RuleSpec[], settings?: FirewallSettingsSpec): Promise<readonly ActiveRule[]> {
  const set = firewallPolicy(rules, settings);
  return (await activeRules(set, buildFacts({ text: '', mode: 'balance' }))).response;
}

function screenFor(rules: readonly ActiveRule[], budgetMs = 10_000, reports: RuleHit[][] = []): ResponseStreamScreen {
  return new ResponseStreamScreen(rules, {
    budget: new ScanBudget(budgetMs),
    blockMessage: (hit) => `blocked by ${hit.rule} (${hit.action})`,
    report: (hits) => reports.push([...hits]),
  });
}

const deltas = (chunks: readonly string[], channel: Channel): CanonicalEvent[] =>
  channel === 'text'
    ? chunks.map((text) => ({ type: 'text_delta', text }))
    : [{ type: 'tool_call_start', key: 'k', callId: 'c1', name: 'f' }, ...chunks.map((a): CanonicalEvent => ({ type: 'tool_call_delta', key: 'k', arguments: a })), { type: 'tool_call_end', key: 'k' }];

/** Streams the chunks through a fresh screen; what the renderer would receive. */
function stream(rules: readonly ActiveRule[], chunks: readonly string[], channel: Channel): CanonicalEvent[] {
  const s = screenFor(rules);
  const out: CanonicalEvent[] = [];
  for (const e of [...deltas(chunks, channel), { type: 'finish', reason: 'stop' } as CanonicalEvent]) out.push(...s.push(e));
  out.push(...s.end());
  return out;
}

function released(events: readonly CanonicalEvent[]): string {
  return events.map((e) => (e.type === 'text_delta' ? e.text : e.type === 'tool_call_delta' ? e.arguments : '')).join('');
}

/** Every way to cut `text` into 2 pieces, into 3 (short texts), and into single characters. */
function chunkings(text: string): string[][] {
  const out: string[][] = [[text], [...text]];
  for (let i = 1; i < text.length; i++) out.push([text.slice(0, i), text.slice(i)]);
  if (text.length <= 60) {
    for (let i = 1; i < text.length; i++) for (let j = i + 1; j < text.length; j++) out.push([text.slice(0, i), text.slice(i, j), text.slice(j)]);
  }
  return out;
}

describe('firewall: response stream screen', () => {
  const { cases } = readFixture<{ cases: StreamCase[] }>('stream-cases.yaml');

  for (const c of cases) {
    for (const channel of ['text', 'arguments'] as const) {
      it(`${c.name} (${channel}, every chunking)`, async () => {
        const rules = await responseRules(c.rules, c.settings);
        // The fixture agrees with screening the whole text at once.
        const whole = applyRules(rules, [{ text: c.text }], new ScanBudget(10_000));
        if (c.expect.blocked) expect(whole.blocked?.rule).to.equal(c.expect.blocked);
        else expect(whole.texts[0]).to.equal(c.expect.text);
        for (const chunks of chunkings(c.text)) {
          const events = stream(rules, chunks, channel);
          const at = `chunks ${JSON.stringify(chunks)}`;
          if (c.expect.blocked) {
            const last = events.at(-1)!;
            expect(last, at).to.deep.equal({ type: 'error', code: 'firewall_blocked', message: `blocked by ${c.expect.blocked} (block)` });
            expect(c.expect.before!.startsWith(released(events)), `${at}: released ${JSON.stringify(released(events))}`).to.equal(true);
            expect(events.some((e) => e.type === 'finish'), at).to.equal(false);
          } else {
            expect(released(events), at).to.equal(c.expect.text);
            expect(events.at(-1), at).to.deep.equal({ type: 'finish', reason: 'stop' });
          }
        }
      });
    }
  }

  describe('every detector, masked at every chunk boundary', () => {
    for (const name of Object.keys(FIREWALL_DETECTORS)) {
      it(name, async () => {
        const rules = await responseRules([{ name: 'd', scope: 'response', type: 'detector', pattern: name, action: 'mask', replacement: '#' }]);
        const { positives } = readFixture<{ positives: { text: string }[] }>('detectors', `${name}.yaml`);
        for (const p of positives) {
          const want = applyRules(rules, [{ text: p.text }], new ScanBudget(10_000)).texts[0];
          expect(want, 'the fixture text has a match').to.not.equal(p.text);
          const cuts = [[...p.text], ...Array.from({ length: p.text.length - 1 }, (_, i) => [p.text.slice(0, i + 1), p.text.slice(i + 1)])];
          for (const chunks of cuts) expect(released(stream(rules, chunks, 'text')), JSON.stringify(chunks)).to.equal(want);
        }
      });
    }
  });

  it('keeps events in order: text is released before the next item starts', async () => {
    const rules = await responseRules([{ name: 'm', scope: 'response', type: 'substring', pattern: 'secret', action: 'mask' }]);
    const s = screenFor(rules);
    const events: CanonicalEvent[] = [
      { type: 'start', upstreamId: 'u1' },
      { type: 'text_delta', text: 'my sec' },
      { type: 'usage', usage: { inputTokens: 1, cachedTokens: 0, cacheWriteTokens: 0, outputTokens: 1, reasoningTokens: 0, totalTokens: 2 } },
      { type: 'tool_call_start', key: 'k', callId: 'c', name: 'f' },
      { type: 'tool_call_delta', key: 'k', arguments: '{"a":"secret"}' },
      { type: 'reasoning_delta', text: 'thinking' },
      { type: 'tool_call_end', key: 'k' },
      { type: 'finish', reason: 'tool_calls' },
    ];
    const out = events.flatMap((e) => s.push(e));
    // "m" could go at once ("y sec" might begin "secret"); the rest goes before the call starts.
    expect(out.map((e) => e.type)).to.deep.equal([
      'start', 'text_delta', 'usage', 'text_delta', 'tool_call_start', 'tool_call_delta', 'reasoning_delta', 'tool_call_delta', 'tool_call_end', 'finish',
    ]);
    expect(released(out.filter((e) => e.type === 'text_delta'))).to.equal('my sec');
    expect(released(out.filter((e) => e.type === 'tool_call_delta'))).to.equal('{"a":"[redacted]"}');
  });

  it('holds back no more than a regex rule needs (maxMatchChars), releasing the rest while streaming', async () => {
    const rules = await responseRules([{ name: 'r', scope: 'response', type: 'regex', pattern: 'never-\\d+', action: 'mask' }], { maxMatchChars: 64 });
    const s = screenFor(rules);
    const text = 'lorem ipsum dolor sit amet '.repeat(200);
    let out = '';
    for (let i = 0; i < text.length; i += 7) {
      out += released(s.push({ type: 'text_delta', text: text.slice(i, i + 7) }));
      expect(Math.min(i + 7, text.length) - out.length).to.be.at.most(64);
    }
  });

  it('holds back nothing for detectors with a prefix until the prefix appears', async () => {
    const rules = await responseRules([{ name: 'k', scope: 'response', type: 'detector', pattern: 'aws_access_key', action: 'mask' }]);
    const s = screenFor(rules);
    expect(released(s.push({ type: 'text_delta', text: 'hello there ' }))).to.equal('hello there ');
    expect(released(s.push({ type: 'text_delta', text: 'key AKIAIOSF' }))).to.equal('key ');
    expect(released(s.push({ type: 'text_delta', text: 'ODNN7EXAMPLE.' }))).to.equal('[redacted].');
  });

  it('passes every event through untouched when no response rule applies', async () => {
    const rules = await responseRules([{ name: 'p', scope: 'prompt', type: 'substring', pattern: 'x', action: 'block' }]);
    const s = screenFor(rules);
    const e: CanonicalEvent = { type: 'text_delta', text: 'x' };
    expect(s.push(e)).to.deep.equal([e]);
    expect(s.end()).to.deep.equal([]);
  });

  it('reports each acting rule once, with its total match count, and collects warnings', async () => {
    const rules = await responseRules([
      { name: 'm', scope: 'response', type: 'substring', pattern: 'a', action: 'mask' },
      { name: 'w', scope: 'response', type: 'substring', pattern: 'b', action: 'warn' },
    ]);
    const reports: RuleHit[][] = [];
    const s = screenFor(rules, 10_000, reports);
    for (const t of ['a b ', 'a b ', 'a']) s.push({ type: 'text_delta', text: t });
    s.push({ type: 'finish', reason: 'stop' });
    s.end();
    expect(reports).to.deep.equal([[
      { rule: 'm', action: 'mask', matches: 3 },
      { rule: 'w', action: 'warn', matches: 2 },
    ]]);
    expect(s.warnings).to.deep.equal(['firewall rule w matched the response']);
  });

  it('a block reports at once and drops everything after it', async () => {
    const rules = await responseRules([{ name: 'b', scope: 'response', type: 'substring', pattern: 'stop', action: 'block' }]);
    const reports: RuleHit[][] = [];
    const s = screenFor(rules, 10_000, reports);
    const out = [...s.push({ type: 'text_delta', text: 'please stop now' }), ...s.push({ type: 'text_delta', text: 'more' }), ...s.push({ type: 'finish', reason: 'stop' }), ...s.end()];
    expect(out.at(-1)).to.deep.equal({ type: 'error', code: 'firewall_blocked', message: 'blocked by b (block)' });
    expect(out.filter((e) => e.type === 'error')).to.have.length(1);
    expect(reports).to.deep.equal([[{ rule: 'b', action: 'block', matches: 1 }]]);
    expect(s.blocked).to.deep.equal({ rule: 'b', action: 'block', matches: 1 });
  });

  it('fails closed when scanning exceeds the budget', async () => {
    const rules = await responseRules([{ name: 'slow', scope: 'response', type: 'substring', pattern: 'x', action: 'mask' }]);
    const s = screenFor(rules, 0);
    const out = [...s.push({ type: 'text_delta', text: 'x'.repeat(10) }), ...s.end()];
    expect(out).to.deep.equal([{ type: 'error', code: 'firewall_blocked', message: 'blocked by slow (scan_limit)' }]);
  });
});
