// The rules API's numeric ids and timestamps (policy/rule-ids.ts, compile.ts)
// and the request mode aliases in policy files (policy/mode-aliases.ts).
import { expect } from 'chai';
import { formatProblem, loadPolicyDirectory } from '../../../src/policy/load.js';
import { asRuleId, idCollisions, ruleId } from '../../../src/policy/rule-ids.js';
import { makePolicyDir } from '../../helpers/router.js';

const doc = (kind: string, meta: string, spec: string): string => `apiVersion: tokenrouter/v1\nkind: ${kind}\nmetadata:\n${meta}\nspec:\n${spec}\n`;

async function loadWith(files: Record<string, string>) {
  const dir = await makePolicyDir({ files });
  try {
    return await loadPolicyDirectory(dir.dir);
  } finally {
    await dir.cleanup();
  }
}

describe('rules API ids and timestamps', () => {
  it('an id is a safe positive integer that depends on the name only', () => {
    const names = ['code-to-claude', 'code-to-claude ', 'Code-to-claude', 'a', 'b', '42'];
    const ids = names.map(ruleId);
    for (const id of ids) expect(Number.isSafeInteger(id) && id > 0, String(id)).to.equal(true);
    expect(new Set(ids).size).to.equal(names.length);
    expect(names.map(ruleId)).to.deep.equal(ids);
  });

  it('a path segment is an id only when it is a plain positive decimal', () => {
    expect(asRuleId('123')).to.equal(123);
    for (const s of ['0', '012', '-5', '1e3', '12a', '', '99999999999999999', 'code-to-claude']) expect(asRuleId(s), s).to.equal(undefined);
  });

  it('colliding names are reported with both names (forced with a coarse id function)', () => {
    const rules = [{ name: 'ab' }, { name: 'xyz' }, { name: 'cd' }, { name: 'ab' }];
    const found = idCollisions(rules, (n) => n.length);
    // "ab" twice is a duplicate name (reported elsewhere), not an id collision.
    expect(found.map((c) => [c.item.name, c.first.name, c.id])).to.deep.equal([['cd', 'ab', 2]]);
    expect(idCollisions(rules.slice(0, 3))).to.deep.equal([]);
  });

  it('ids are the same across two loads; timestamps come from metadata, else the load time', async () => {
    const rules = doc(
      'RoutingRules',
      '  name: dated\n  createdAt: "2026-01-05T10:00:00Z"\n  updatedAt: 2026-03-01T12:30:00+02:00',
      '  rules:\n    - name: dated-rule\n      match: { task: dated }\n      action: { set_mode: cost }',
    );
    const undated = doc('FirewallRules', '  name: undated', '  rules:\n    - { name: undated-rule, scope: prompt, type: substring, pattern: zzz, action: warn }');
    const before = Date.now();
    const a = await loadWith({ 'dated.yaml': rules, 'undated.yaml': undated });
    const b = await loadWith({ 'dated.yaml': rules, 'undated.yaml': undated });
    if (!a.ok || !b.ok) throw new Error('did not load');
    const ra = a.set.routingRules.find((r) => r.name === 'dated-rule')!;
    const rb = b.set.routingRules.find((r) => r.name === 'dated-rule')!;
    expect(ra.id).to.equal(rb.id);
    expect(a.set.routingRules.map((r) => r.id)).to.deep.equal(b.set.routingRules.map((r) => r.id));
    expect(ra.createdAt).to.equal('2026-01-05T10:00:00.000Z');
    expect(ra.updatedAt).to.equal('2026-03-01T10:30:00.000Z');
    const f = a.set.firewallRules.find((r) => r.name === 'undated-rule')!;
    expect(f.updatedAt).to.equal(a.set.loadedAt.toISOString());
    expect(f.createdAt).to.equal(f.updatedAt);
    expect(Date.parse(f.updatedAt)).to.be.at.least(before - 1);
  });

  it('impossible, reversed or malformed dates are rejected, each once', async () => {
    const spec = '  rules:\n    - name: r1\n      match: { task: t }\n      action: { set_mode: cost }';
    const r = await loadWith({ 'x.yaml': doc('RoutingRules', '  name: x\n  createdAt: "2026-02-30"\n  updatedAt: "2025-01-01"', spec) });
    expect(r.ok).to.equal(false);
    const msgs = r.ok ? [] : r.problems.map(formatProblem);
    expect(msgs).to.include('x.yaml:5:14: /metadata/createdAt "2026-02-30" is not a real date');
    const rev = await loadWith({ 'x.yaml': doc('RoutingRules', '  name: x\n  createdAt: "2026-02-01"\n  updatedAt: "2025-01-01"', spec) });
    expect(rev.ok ? [] : rev.problems.map(formatProblem)).to.deep.equal(['x.yaml:5:14: /metadata/createdAt createdAt is later than updatedAt']);
    const bad = await loadWith({ 'x.yaml': doc('RoutingRules', '  name: x\n  updatedAt: yesterday', spec) });
    expect(bad.ok ? [] : bad.problems.map((p) => p.pointer)).to.deep.equal(['/metadata/updatedAt']);
  });
});

describe('policy files accept the request mode aliases', () => {
  it('balanced / fast in match.mode, set_mode and Settings.defaultMode compile to balance / latency', async () => {
    const rules = doc(
      'RoutingRules',
      '  name: aliases',
      [
        '  rules:',
        '    - name: fast-when-balanced',
        '      match: { mode: balanced }',
        '      action: { set_mode: fast }',
        '    - name: quality-stays',
        '      match: { mode: quality, task: q }',
        '      action: { set_mode: quality }',
      ].join('\n'),
    );
    const dir = await makePolicyDir({ settings: { defaultMode: 'fast' as never }, files: { 'aliases.yaml': rules } });
    try {
      const r = await loadPolicyDirectory(dir.dir);
      if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
      expect(r.set.settings.defaultMode).to.equal('latency');
      const rule = r.set.routingRules.find((x) => x.name === 'fast-when-balanced')!;
      expect(rule.spec.match).to.deep.equal({ mode: 'balance' });
      expect(rule.spec.action).to.deep.equal({ set_mode: 'latency' });
      expect(JSON.stringify(rule.definition.conditions)).to.include('"value":"balance"');
      const plain = r.set.routingRules.find((x) => x.name === 'quality-stays')!;
      expect(plain.spec.match).to.deep.equal({ mode: 'quality', task: 'q' });
    } finally {
      await dir.cleanup();
    }
  });

  it('a mode that is neither a mode nor an alias is still rejected', async () => {
    const r = await loadWith({
      'bad.yaml': doc('RoutingRules', '  name: bad', '  rules:\n    - name: speedy\n      match: { mode: speedy }\n      action: { set_mode: cost }'),
    });
    expect(r.ok ? [] : r.problems.map((p) => `${p.pointer} ${p.message}`)).to.deep.equal([
      '/spec/rules/0/match/mode must be one of: balance, cost, quality, latency, balanced, fast',
    ]);
  });
});
