// The firewall's semantics, table-driven from test/fixtures/firewall/semantics.yaml:
// every action, evaluation order, pattern form and flag, what each scope
// scans, and `when` conditions over the routing facts.
import { expect } from 'chai';
import { ZERO_USAGE, type CanonicalRequest, type OutputItem } from '../../../src/canonical/types.js';
import { promptTexts, screenPrompt } from '../../../src/firewall/prompt.js';
import { screenResult } from '../../../src/firewall/response.js';
import { activeRules, type ActiveRules } from '../../../src/firewall/rules.js';
import { ScanBudget } from '../../../src/firewall/scan.js';
import { warningFor, type RuleHit } from '../../../src/firewall/screen.js';
import type { FirewallSettingsSpec, PolicySet } from '../../../src/policy/types.js';
import { requestText } from '../../../src/routing/decide.js';
import { normalizeAnyRequest } from '../../../src/authoring/explain.js';
import { buildFacts } from '../../../src/routing/facts.js';
import { firewallPolicy, readFixture, type RuleSpec } from './helpers.js';

interface Case {
  name: string;
  rules: RuleSpec[];
  settings?: FirewallSettingsSpec;
  caller?: string;
  request?: Record<string, unknown>;
  output?: OutputItem[];
  expect: { blocked?: string; texts?: string[]; masked?: string[]; warnings?: string[]; hits?: RuleHit[] };
}

interface Outcome {
  blocked?: string;
  texts: string[];
  masked: string[];
  warnings: string[];
  hits: RuleHit[];
}

/** The rules a request gets, with the facts serving builds (src/routing/decide.ts). */
async function rulesFor(set: PolicySet, req: CanonicalRequest, caller: string): Promise<ActiveRules> {
  const facts = buildFacts({
    text: requestText(req),
    ...(req.metadata ? { metadata: req.metadata } : {}),
    mode: 'balance',
    model: req.model,
    api: req.api,
    stream: req.stream,
    hasTools: req.tools.length > 0,
    apiKey: caller,
  });
  return activeRules(set, facts);
}

async function run(c: Case): Promise<Outcome> {
  const set = firewallPolicy(c.rules, c.settings);
  const req = normalizeAnyRequest({ model: 'p1/m1', ...(c.request ?? { input: 'unused' }) });
  const rules = await rulesFor(set, req, c.caller ?? 'anonymous');
  if (c.output) {
    const s = screenResult(rules.response, { output: c.output, usage: ZERO_USAGE, finish: 'stop' }, new ScanBudget(1000));
    return {
      ...(s.blocked ? { blocked: s.blocked.rule } : {}),
      texts: s.result.output.flatMap((o) => (o.type === 'message' ? [o.text] : o.type === 'function_call' ? [o.arguments] : [])),
      masked: s.hits.filter((h) => h.action === 'mask').map((h) => h.rule),
      warnings: s.hits.filter((h) => h.action === 'warn').map((h) => warningFor(h.rule, 'response')),
      hits: s.hits,
    };
  }
  const s = screenPrompt(set, req, rules.prompt);
  return {
    ...(s.blockedBy ? { blocked: s.blockedBy } : {}),
    texts: promptTexts(s.request),
    masked: s.masked,
    warnings: s.warnings.map((w) => w.message),
    hits: s.hits,
  };
}

describe('firewall semantics (fixtures)', () => {
  const { cases } = readFixture<{ cases: Case[] }>('semantics.yaml');

  for (const c of cases) {
    it(c.name, async () => {
      const got = await run(c);
      const want = c.expect;
      expect(got.blocked, 'blocked').to.equal(want.blocked);
      if (want.texts) expect(got.texts, 'texts').to.deep.equal(want.texts);
      if (want.masked) expect(got.masked, 'masked').to.deep.equal(want.masked);
      if (want.warnings) expect(got.warnings, 'warnings').to.deep.equal(want.warnings);
      if (want.hits) expect(got.hits, 'hits').to.deep.equal(want.hits);
    });
  }

  it('covers every action, both scopes, every flag form and when', () => {
    const rules = cases.flatMap((c) => c.rules);
    expect(new Set(rules.map((r) => r.action))).to.have.all.keys('block', 'mask', 'warn');
    expect(new Set(rules.map((r) => r.scope))).to.have.all.keys('prompt', 'response');
    expect(new Set(rules.map((r) => r.type))).to.have.all.keys('substring', 'regex', 'detector');
    const flags = new Set(rules.filter((r) => r.type === 'regex').map((r) => /^\/.*\/([a-z]*)$/s.exec(String(r.pattern))?.[1] ?? 'bare'));
    expect([...flags]).to.include.members(['bare', '', 'i', 'm', 's', 'u']);
    expect(rules.some((r) => r.when !== undefined)).to.equal(true);
  });
});

describe('prompt scope details', () => {
  it('masked reasoning loses its signature (no provider may replay rewritten reasoning)', async () => {
    const set = firewallPolicy([{ name: 'm', scope: 'prompt', type: 'substring', pattern: 'secret', action: 'mask' }]);
    const req: CanonicalRequest = {
      api: 'responses',
      model: 'p1/m1',
      items: [
        { type: 'reasoning', text: 'the secret is', signature: 'sig-1', provider: 'p1' },
        { type: 'reasoning', text: 'nothing here', signature: 'sig-2', provider: 'p1' },
      ],
      tools: [],
      stream: false,
    };
    const s = screenPrompt(set, req, (await rulesFor(set, req, 'anonymous')).prompt);
    expect(s.request.items).to.deep.equal([
      { type: 'reasoning', text: 'the [redacted] is', provider: 'p1' },
      { type: 'reasoning', text: 'nothing here', signature: 'sig-2', provider: 'p1' },
    ]);
  });

  it('leaves the request object untouched when nothing is masked', async () => {
    const set = firewallPolicy([{ name: 'w', scope: 'prompt', type: 'substring', pattern: 'x', action: 'warn' }]);
    const req = normalizeAnyRequest({ model: 'p1/m1', input: 'x' });
    const s = screenPrompt(set, req, (await rulesFor(set, req, 'anonymous')).prompt);
    expect(s.request).to.equal(req);
  });
});
