// PolicyTest cases can assert firewall outcomes: which rule blocked
// (blockedBy), which rules acted (firewallRules), the masked prompt
// (maskedPrompt) and the warnings — passing when they hold, with a readable
// diff when they do not.
import { expect } from 'chai';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { formatProblem } from '../../../src/policy/load.js';
import type { PolicyTestCase } from '../../../src/policy/types.js';
import { loadPolicyTests } from '../../../src/authoring/policy-test-load.js';
import { compare, runCase } from '../../../src/authoring/policy-tests.js';
import { modelsYaml, providersYaml } from '../../helpers/policy-dir.js';
import { firewallPolicy } from './helpers.js';

const set = firewallPolicy([
  { name: 'block-cards', priority: 100, scope: 'prompt', type: 'detector', pattern: 'credit_card', action: 'block' },
  { name: 'mask-emails', priority: 50, scope: 'prompt', type: 'detector', pattern: 'email', action: 'mask', replacement: '[EMAIL]' },
  { name: 'warn-drafts', priority: 10, scope: 'prompt', type: 'substring', pattern: 'draft', action: 'warn' },
]);

async function diff(request: Record<string, unknown>, expectation: PolicyTestCase['expect']): Promise<string[]> {
  const c: PolicyTestCase = { name: 'case', request: { model: 'p1/m1', ...request }, expect: expectation };
  return compare(set, c.expect, await runCase(set, c, true));
}

describe('PolicyTest firewall expectations', () => {
  it('blockedBy names the blocking rule', async () => {
    const request = { input: 'card 4111 1111 1111 1111, mail me@example.com' };
    expect(await diff(request, { blockedBy: 'block-cards', firewall: 'block', firewallRules: ['block-cards'], error: 'firewall_blocked' })).to.deep.equal([]);
    expect(await diff(request, { blockedBy: 'mask-emails' })).to.deep.equal(['blockedBy: expected "mask-emails", got "block-cards"']);
    expect(await diff({ input: 'fine' }, { blockedBy: 'block-cards' })).to.deep.equal(['blockedBy: expected "block-cards", got null']);
  });

  it('maskedPrompt is every scanned text after masking, in order', async () => {
    const request = { instructions: 'reply to ops@example.com', input: [{ role: 'user', content: 'a draft for jane@example.org' }] };
    const expectation = {
      firewall: 'mask' as const,
      firewallRules: ['mask-emails', 'warn-drafts'],
      maskedPrompt: ['reply to [EMAIL]', 'a draft for [EMAIL]'],
      warnings: ['firewall rule warn-drafts matched the prompt'],
    };
    expect(await diff(request, expectation)).to.deep.equal([]);
    expect(await diff(request, { maskedPrompt: ['reply to ops@example.com', 'a draft for [EMAIL]'] })).to.deep.equal([
      'maskedPrompt: expected ["reply to ops@example.com","a draft for [EMAIL]"], got ["reply to [EMAIL]","a draft for [EMAIL]"]',
    ]);
    expect(await diff(request, { firewallRules: ['mask-emails'] })).to.deep.equal(['firewallRules: expected ["mask-emails"], got ["mask-emails","warn-drafts"]']);
  });

  it('a suite naming an unknown firewall rule does not load', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tokenrouter-fw-suite-'));
    try {
      const doc = (kind: string, spec: unknown): string => JSON.stringify({ apiVersion: 'tokenrouter/v1', kind, metadata: { name: kind.toLowerCase() }, spec });
      await writeFile(path.join(dir, 'providers.yaml'), providersYaml());
      await writeFile(path.join(dir, 'models.yaml'), modelsYaml());
      await writeFile(path.join(dir, 'firewall.yaml'), doc('FirewallRules', { rules: [{ name: 'warn-x', scope: 'prompt', type: 'substring', pattern: 'x', action: 'warn' }] }));
      await mkdir(path.join(dir, 'tests'));
      await writeFile(path.join(dir, 'tests', 'suite.yaml'), doc('PolicyTest', { cases: [{ name: 'c', request: { input: 'x' }, expect: { blockedBy: 'warn-y', firewallRules: ['warn-x', 'nope'] } }] }));
      const loaded = await loadPolicyTests(dir);
      expect(loaded.ok).to.equal(false);
      const problems = loaded.ok ? [] : loaded.problems.map(formatProblem).map((p) => p.replace(/^.*?: \//, '/'));
      expect(problems).to.deep.equal([
        '/spec/cases/0/expect/blockedBy unknown firewall rule "warn-y" (did you mean "warn-x"?)',
        '/spec/cases/0/expect/firewallRules/1 unknown firewall rule "nope"',
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
