import { expect } from 'chai';
import path from 'node:path';
import { loadPolicyDirectory } from '../../../src/policy/load.js';
import type { PolicySet } from '../../../src/policy/types.js';
import { FIXTURES, SHIPPED_POLICIES } from '../../helpers/paths.js';

async function load(dir: string): Promise<PolicySet> {
  const r = await loadPolicyDirectory(dir);
  if (!r.ok) throw new Error(r.problems.map((p) => p.message).join('\n'));
  return r.set;
}

describe('policy compile: the immutable PolicySet', () => {
  it('the shipped policies/ directory is valid and covers every seed model', async () => {
    const set = await load(SHIPPED_POLICIES);
    const names = [...set.models.values()].map((m) => m.name);
    for (const seed of [
      'gpt-4o',
      'gpt-4-turbo',
      'gpt-3.5-turbo',
      'claude-3-7-sonnet',
      'claude-3-opus',
      'claude-3-haiku',
      'gemini-1.5-pro',
      'gemini-1.5-flash',
      'mistral-large',
      'mistral-medium',
      'deepseek-v3',
      'llama-4-maverick',
    ]) {
      expect(names, seed).to.include(seed);
    }
    expect([...set.providers.keys()].sort()).to.deep.equal(['anthropic', 'bedrock', 'deepseek', 'gemini', 'mistral', 'openai', 'together', 'vertex']);
    // Shipped disabled: the set must work without an AWS or a Google Cloud account; the endpoints follow from region / location.
    expect(set.providers.get('bedrock')).to.include({ type: 'bedrock', region: 'us-east-1', enabled: false, baseUrl: 'https://bedrock-runtime.us-east-1.amazonaws.com' });
    expect(set.providers.get('vertex')).to.include({ type: 'vertex', project: 'my-gcp-project', location: 'us-east5', enabled: false, baseUrl: 'https://us-east5-aiplatform.googleapis.com' });
    for (const m of set.models.values()) {
      expect(m.pricing.input, m.name).to.be.greaterThan(0);
      expect(m.contextWindow, m.name).to.be.greaterThan(1000);
    }
  });

  it('is deeply frozen: a request cannot change the snapshot it reads', async () => {
    const set = await load(path.join(FIXTURES, 'policies', 'valid', 'minimal'));
    expect(Object.isFrozen(set)).to.equal(true);
    expect(Object.isFrozen(set.routingRules)).to.equal(true);
    const rule = set.routingRules[0]!;
    expect(Object.isFrozen(rule.definition.conditions)).to.equal(true);
    expect(() => {
      (rule.spec.action as { set_model?: string }).set_model = 'other';
    }).to.throw(TypeError);
    expect(() => {
      (set.settings as { defaultMode: string }).defaultMode = 'cost';
    }).to.throw(TypeError);
  });

  it('same files give the same version; the version is the content hash', async () => {
    const a = await load(path.join(FIXTURES, 'policies', 'valid', 'minimal'));
    const b = await load(path.join(FIXTURES, 'policies', 'valid', 'minimal'));
    expect(a.version).to.match(/^[0-9a-f]{16}$/);
    expect(a.version).to.equal(b.version);
  });

  it('applies Settings defaults when there is no Settings document', async () => {
    const set = await load(path.join(FIXTURES, 'policies', 'valid', 'minimal'));
    expect(set.settings).to.deep.equal({ defaultMode: 'balance', allowAnonymous: false, maxBodyBytes: 20 * 1024 * 1024 });
  });

  it('compiles match sugar to json-rules-engine definitions with engine priorities >= 1', async () => {
    const set = await load(SHIPPED_POLICIES);
    const rule = set.routingRules.find((r) => r.name === 'code-to-claude')!;
    expect(rule.definition.priority).to.equal(100 + 1001);
    expect(rule.definition.conditions).to.deep.equal({
      all: [{ fact: 'text', operator: 'containsText', value: ['code', 'function', 'refactor', 'stack trace'] }],
    });
    const enterprise = set.routingRules.find((r) => r.name === 'enterprise-quality')!;
    expect((enterprise.definition.conditions as { all: unknown[] }).all).to.have.length(1);
  });

  it('sorts rules into evaluation order: priority desc, then declared order', async () => {
    const set = await load(SHIPPED_POLICIES);
    const prios = set.routingRules.map((r) => r.priority);
    expect(prios).to.deep.equal([...prios].sort((x, y) => y - x));
    const fw = set.firewallRules.map((r) => [r.priority, r.order] as const);
    for (let i = 1; i < fw.length; i++) {
      const [p0, o0] = fw[i - 1]!;
      const [p1, o1] = fw[i]!;
      expect(p0 > p1 || (p0 === p1 && o0 < o1), `firewall rule ${i}`).to.equal(true);
    }
  });

  it('compiles firewall patterns once: delimited /x/flags and bare (case-insensitive)', async () => {
    const set = await load(SHIPPED_POLICIES);
    const aws = set.firewallRules.find((r) => r.name === 'mask-aws-keys-in-responses')!;
    // /AKIA…/ has no i flag: case-sensitive; a bare pattern is case-insensitive.
    expect(aws.regex!.test('key AKIAABCDEFGHIJKLMNOP')).to.equal(true);
    expect(aws.regex!.test('key akiaabcdefghijklmnop')).to.equal(false);
    const emails = set.firewallRules.find((r) => r.name === 'mask-emails')!;
    expect(emails.regex!.test('JANE.DOE@EXAMPLE.ORG')).to.equal(true);
    const card = set.firewallRules.find((r) => r.name === 'block-credit-cards')!;
    expect(card.regex!.test('4111 1111 1111 1111')).to.equal(true);
    const host = set.firewallRules.find((r) => r.name === 'warn-internal-hosts')!;
    expect(host.needle).to.equal('.internal.example.com');
    expect(set.firewallRules.find((r) => r.name === 'mask-emails')!.replacement).to.equal('[EMAIL]');
  });
});
