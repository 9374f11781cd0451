// Settings.state.redis: the Sentinel and Cluster shapes load; what the schema
// and the topology checks refuse is reported at file:line:col (nodes missing or
// not host:port, a sentinel set without its name, credentials in a node, db in
// a cluster); resolveStateConfig turns the shape plus REDIS_PASSWORD* into what
// connectRedis takes, REDIS_URL still winning for standalone; a router started
// with a Redis password masks it from every log line.
import { expect } from 'chai';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { formatProblem, loadPolicyDirectory } from '../../../src/policy/load.js';
import { startRouter } from '../../../src/server/start.js';
import { resolveStateConfig, stateTarget, StateConfigError } from '../../../src/state/backend.js';
import { createLogger } from '../../../src/telemetry/log.js';
import { secretsFor } from '../../../src/upstream/secrets.js';
import { FIXTURES } from '../../helpers/paths.js';

const settings = (state: string): string => `apiVersion: tokenrouter/v1\nkind: Settings\nmetadata:\n  name: settings\nspec:\n  state:\n${state}`;

async function withPolicies<T>(files: Record<string, string>, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tokenrouter-redis-config-'));
  try {
    await cp(path.join(FIXTURES, 'policies', 'valid', 'minimal'), dir, { recursive: true });
    for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function problems(state: string): Promise<string> {
  const r = await withPolicies({ 'settings.yaml': settings(state) }, (dir) => loadPolicyDirectory(dir));
  return r.ok ? '' : r.problems.map(formatProblem).join('\n');
}

describe('Settings.state.redis: Sentinel and Cluster connection shapes', () => {
  it('a sentinel and a cluster shape load and compile (frozen, as written)', async () => {
    for (const state of [
      '    redis: { mode: sentinel, nodes: ["s1:26379", "s2:26379", "10.0.0.3:26379"], sentinelName: mymaster, tls: true }\n',
      '    redis: { mode: cluster, nodes: ["redis-0.redis:6379", "[::1]:7000"] }\n',
      '    redis: { mode: standalone, nodes: ["redis:6379"], db: 2 }\n',
    ]) {
      const r = await withPolicies({ 'settings.yaml': settings(state) }, (dir) => loadPolicyDirectory(dir));
      expect(r.ok, r.ok ? '' : r.problems.map(formatProblem).join('\n')).to.equal(true);
      if (r.ok) expect(Object.isFrozen(r.set.settings.state!.redis)).to.equal(true);
    }
  });

  it('what is wrong is reported at file:line:col: nodes missing or not host:port, no sentinelName, credentials in a node, db in a cluster', async () => {
    const sentinel = await problems('    onUnavailable: fail_closed\n    redis:\n      mode: sentinel\n      tls: yes-please\n');
    expect(sentinel).to.match(/settings\.yaml:9:7: \/spec\/state\/redis redis\.nodes is required in sentinel mode/);
    expect(sentinel).to.match(/settings\.yaml:9:7: \/spec\/state\/redis redis\.sentinelName is required in sentinel mode/);
    expect(sentinel).to.match(/settings\.yaml:\d+:\d+: \/spec\/state\/redis\/tls must be boolean/);

    const cluster = await problems('    redis:\n      mode: cluster\n      db: 3\n      sentinelName: nope\n      nodes:\n        - "redis-0:6379"\n        - ":pw-fake@redis-1:6379"\n        - "redis://redis-2:6379"\n        - "redis-3"\n        - "redis-4:99999"\n');
    expect(cluster).to.match(/settings\.yaml:13:11: \/spec\/state\/redis\/nodes\/1 a Redis node must not contain credentials: set REDIS_PASSWORD/);
    expect(cluster, 'the password is not echoed').to.not.include('pw-fake');
    expect(cluster).to.match(/settings\.yaml:14:11: \/spec\/state\/redis\/nodes\/2 "redis:\/\/redis-2:6379" is not host:port/);
    expect(cluster).to.match(/\/spec\/state\/redis\/nodes\/3 "redis-3" is not host:port/);
    expect(cluster).to.match(/\/spec\/state\/redis\/nodes\/4 "redis-4:99999" is not host:port/);
    expect(cluster).to.match(/settings\.yaml:\d+:\d+: \/spec\/state\/redis\/db a Redis Cluster has only database 0/);
    expect(cluster).to.match(/\/spec\/state\/redis\/sentinelName sentinelName applies to sentinel mode only/);
    expect(cluster).to.not.match(/nodes\/0 /);

    const unknown = await problems('    redis: { mode: replicated, nodes: [], password: x }\n');
    expect(unknown).to.match(/\/spec\/state\/redis\/mode/);
    expect(unknown).to.match(/\/spec\/state\/redis\/nodes must NOT have fewer than 1 items/);
    expect(unknown, 'no password field exists in policy').to.match(/\/spec\/state\/redis.*password/);
  });

  it('resolveStateConfig: the shape plus the credentials from the environment; REDIS_URL wins for standalone and contradicts a sentinel/cluster shape', async () => {
    const sentinel = { redis: { mode: 'sentinel' as const, nodes: ['s1:26379', 's2:26379'], sentinelName: 'mymaster' } };
    expect(resolveStateConfig(sentinel, undefined, { REDIS_PASSWORD: 'pw-a', REDIS_USERNAME: 'router', REDIS_SENTINEL_PASSWORD: 'pw-s' })).to.deep.equal({
      backend: 'redis',
      redis: { mode: 'sentinel', nodes: ['s1:26379', 's2:26379'], sentinelName: 'mymaster', username: 'router', password: 'pw-a', sentinelPassword: 'pw-s' },
      keyPrefix: 'tokenrouter:',
    });
    const cluster = { redis: { mode: 'cluster' as const, nodes: ['c1:6379'], tls: true }, keyPrefix: 'fleet:' };
    const cfg = resolveStateConfig(cluster, undefined, { REDIS_SENTINEL_PASSWORD: 'ignored-outside-sentinel' });
    expect(cfg).to.deep.equal({ backend: 'redis', redis: { mode: 'cluster', nodes: ['c1:6379'], tls: true }, keyPrefix: 'fleet:' });
    expect(stateTarget(cfg)).to.equal('cluster://c1:6379 (tls)');
    expect(stateTarget(resolveStateConfig(sentinel, undefined, { REDIS_PASSWORD: 'pw-a' })), 'the target never shows a password').to.equal('sentinel://s1:26379,s2:26379/mymaster');

    expect(() => resolveStateConfig(cluster, 'redis://r:6379')).to.throw(StateConfigError, /REDIS_URL names one standalone Redis, but Settings\.state\.redis\.mode is cluster/);
    const standalone = { redis: { mode: 'standalone' as const, nodes: ['r1:6379'], db: 2 } };
    expect(resolveStateConfig(standalone, 'redis://r2:6379')).to.deep.equal({ backend: 'redis', redisUrl: 'redis://r2:6379', keyPrefix: 'tokenrouter:' });
    expect(resolveStateConfig(standalone)).to.deep.equal({ backend: 'redis', redis: { mode: 'standalone', nodes: ['r1:6379'], db: 2 }, keyPrefix: 'tokenrouter:' });
    expect(resolveStateConfig({ ...cluster, backend: 'memory' })).to.deep.equal({ backend: 'memory', keyPrefix: 'fleet:' });
  });

  it('REDIS_PASSWORD_FILE is read at start (trailing newline dropped; REDIS_PASSWORD wins); an unreadable file is a start error', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tokenrouter-redis-pw-'));
    try {
      const file = path.join(dir, 'password');
      await writeFile(file, 'pw-from-file\n');
      const spec = { redis: { mode: 'cluster' as const, nodes: ['c1:6379'] } };
      expect(resolveStateConfig(spec, undefined, { REDIS_PASSWORD_FILE: file }).redis!.password).to.equal('pw-from-file');
      expect(resolveStateConfig(spec, undefined, { REDIS_PASSWORD_FILE: file, REDIS_PASSWORD: 'pw-env' }).redis!.password).to.equal('pw-env');
      expect(() => resolveStateConfig(spec, undefined, { REDIS_PASSWORD_FILE: path.join(dir, 'missing') })).to.throw(StateConfigError, /REDIS_PASSWORD_FILE .* cannot be read: ENOENT/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a router started with Redis passwords masks them from every scrubbed line', async () => {
    const password = 'fake-redis-topology-password';
    const sentinelPassword = 'fake-redis-sentinel-password';
    // Nothing listens on port 1: the router starts anyway and reconnects in the background.
    await withPolicies({ 'settings.yaml': settings('    redis: { mode: sentinel, nodes: ["127.0.0.1:1"], sentinelName: nobody }\n') }, async (dir) => {
      const router = await startRouter({ policies: dir, port: 0, logger: createLogger({ level: 'silent' }), redisEnv: { REDIS_PASSWORD: password, REDIS_SENTINEL_PASSWORD: sentinelPassword } });
      try {
        expect(router.state.kind).to.equal('redis');
        expect(router.state.up()).to.equal(false);
        const line = secretsFor(router.store.current()).scrub(`auth failed for ${password} and ${sentinelPassword}`);
        expect(line).to.not.include(password).and.not.include(sentinelPassword);
      } finally {
        await router.stop();
      }
    });
  });
});
