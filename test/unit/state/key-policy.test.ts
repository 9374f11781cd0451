// The policy side of client key limits and shared state: ApiKeys rpm, tpm,
// budgetUsd and admin load and compile onto the key (keyLimits() finds them
// by name); bad values are schema errors with file:line:col; Settings.state
// loads, and a Redis URL with credentials in a policy file is refused.
// Also resolveStateConfig: which backend a router starts with.
import { expect } from 'chai';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { formatProblem, loadPolicyDirectory } from '../../../src/policy/load.js';
import { resolveStateConfig, StateConfigError } from '../../../src/state/backend.js';
import { keyLimits } from '../../../src/state/key-admission.js';
import { FIXTURES } from '../../helpers/paths.js';

async function load(files: Record<string, string>) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tokenrouter-keys-'));
  try {
    await cp(path.join(FIXTURES, 'policies', 'valid', 'minimal'), dir, { recursive: true });
    for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
    return await loadPolicyDirectory(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const keys = (body: string) => `apiVersion: tokenrouter/v1\nkind: ApiKeys\nmetadata:\n  name: keys\nspec:\n  keys:\n${body}`;
const settings = (body: string) => `apiVersion: tokenrouter/v1\nkind: Settings\nmetadata:\n  name: settings\nspec:\n${body}`;
const HASH = (c: string) => c.repeat(64);

describe('client key limits and Settings.state in policy', () => {
  it('rpm, tpm, budgetUsd and admin compile onto the key; keys without them have none', async () => {
    const r = await load({
      'keys.yaml': keys(`    - { name: limited, sha256: "${HASH('a')}", rpm: 60, tpm: 100000, budgetUsd: { amount: 12.5, period: month } }
    - { name: boss, sha256: "${HASH('b')}", admin: true }
    - { name: plain, sha256: "${HASH('c')}" }
`),
      'settings.yaml': settings('  state: { backend: redis, redisUrl: "redis://redis.internal:6379/2", keyPrefix: "prod:", onUnavailable: fail_closed, conversationTtlSeconds: 86400, maxConversationBytes: 65536 }\n'),
    });
    if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
    expect(keyLimits(r.set, 'limited')).to.deep.equal({ rpm: 60, tpm: 100000, budget: { amountUsd: 12.5, period: 'month' } });
    expect(keyLimits(r.set, 'boss')).to.equal(undefined);
    expect(keyLimits(r.set, 'plain')).to.equal(undefined);
    expect(r.set.apiKeys.find((k) => k.name === 'boss')!.admin).to.equal(true);
    expect(r.set.apiKeys.find((k) => k.name === 'plain')!.admin).to.equal(undefined);
    expect(r.set.settings.state).to.deep.include({ backend: 'redis', onUnavailable: 'fail_closed', keyPrefix: 'prod:' });
    expect(Object.isFrozen(r.set.settings.state)).to.equal(true);
  });

  it('bad limits and a Redis password in a policy file are reported with file:line:col', async () => {
    const r = await load({
      'keys.yaml': keys(`    - { name: a, sha256: "${HASH('a')}", rpm: 0, budgetUsd: { amount: 0, period: week } }
    - { name: b, sha256: "${HASH('b')}", tpm: 1.5, budgetUsd: { amount: 5 } }
`),
      'settings.yaml': settings('  state: { redisUrl: "redis://:hunter2@redis:6379", onUnavailable: maybe }\n'),
    });
    expect(r.ok).to.equal(false);
    const got = r.ok ? '' : r.problems.map(formatProblem).join('\n');
    expect(got).to.match(/keys\.yaml:\d+:\d+: \/spec\/keys\/0\/rpm must be >= 1/);
    expect(got).to.match(/\/spec\/keys\/0\/budgetUsd\/amount must be > 0/);
    expect(got).to.match(/\/spec\/keys\/0\/budgetUsd\/period/);
    expect(got).to.match(/\/spec\/keys\/1\/tpm must be integer/);
    expect(got).to.match(/\/spec\/keys\/1\/budgetUsd missing required property "period"/);
    expect(got).to.match(/settings\.yaml:\d+:\d+: \/spec\/state\/onUnavailable/);
    expect(got).to.match(/\/spec\/state\/redisUrl redisUrl must not contain credentials: set the REDIS_URL environment variable/);
    expect(got, 'the password is not echoed').to.not.include('hunter2');
  });

  it('which backend a router starts with: Settings.state.backend, else redis when a URL is known, else memory', () => {
    expect(resolveStateConfig(undefined)).to.deep.equal({ backend: 'memory', keyPrefix: 'tokenrouter:' });
    expect(resolveStateConfig(undefined, 'redis://:pw@r:6379')).to.deep.equal({ backend: 'redis', redisUrl: 'redis://:pw@r:6379', keyPrefix: 'tokenrouter:' });
    expect(resolveStateConfig({ redisUrl: 'redis://a:1', keyPrefix: 'x:' }, 'redis://b:2')).to.deep.equal({ backend: 'redis', redisUrl: 'redis://b:2', keyPrefix: 'x:' });
    expect(resolveStateConfig({ backend: 'memory' }, 'redis://b:2'), 'an explicit memory backend wins over REDIS_URL').to.deep.equal({ backend: 'memory', keyPrefix: 'tokenrouter:' });
    expect(() => resolveStateConfig({ backend: 'redis' })).to.throw(StateConfigError, /REDIS_URL/);
  });
});
