// Key pools (src/upstream/key-pool.ts) and reading them (credentials.ts):
// round-robin, a 429'd key sitting out for its retry-after or the default, and
// the whole pool cooling down.
import { expect } from 'chai';
import type { ProviderSpec } from '../../../src/policy/types.js';
import { providerKey, providerKeys } from '../../../src/upstream/credentials.js';
import { DEFAULT_KEY_COOLDOWN_MS, KeyPools } from '../../../src/upstream/key-pool.js';

const provider = (apiKeyEnv: string | string[]): ProviderSpec => ({ name: 'p', type: 'openai', baseUrl: 'http://127.0.0.1:1/v1', apiKeyEnv });
const env = { POOL_A: 'pool-key-a', POOL_B: ' pool-key-b ', POOL_C: 'pool-key-c' };

describe('key pools', () => {
  it('apiKeyEnv as a list reads every set variable, indexed by its position; one string is a pool of one', () => {
    const keys = providerKeys(provider(['POOL_A', 'POOL_UNSET', 'POOL_B']), env);
    expect(keys.map((k) => [k.index, k.env, k.value])).to.deep.equal([
      [0, 'POOL_A', 'pool-key-a'],
      [2, 'POOL_B', 'pool-key-b'],
    ]);
    expect(providerKey(provider(['POOL_UNSET', 'POOL_C']), env)).to.equal('pool-key-c');
    expect(providerKeys(provider('POOL_B'), env).map((k) => k.value)).to.deep.equal(['pool-key-b']);
  });

  it('spreads picks round-robin; a cooled key sits out for its retry-after, then comes back', () => {
    let now = 1_000_000;
    const pools = new KeyPools(() => now);
    const keys = providerKeys(provider(['POOL_A', 'POOL_B', 'POOL_C']), env);
    const next = (): number => {
      const p = pools.pick('p', keys);
      if (!p.key) throw new Error('no key');
      return p.key.index;
    };
    expect(Array.from({ length: 6 }, next)).to.deep.equal([0, 1, 2, 0, 1, 2]);
    expect(pools.coolDown('p', 1, 5_000)).to.equal(5_000);
    expect(Array.from({ length: 4 }, next)).to.deep.equal([0, 2, 0, 2]);
    now += 5_001;
    expect(pools.coolingFor('p', 1)).to.equal(0);
    expect(new Set(Array.from({ length: 3 }, next))).to.deep.equal(new Set([0, 1, 2]));
  });

  it('without a retry-after a key sits out the default; with all keys out, the pick says how long until the first returns', () => {
    let now = 0;
    const pools = new KeyPools(() => now);
    const keys = providerKeys(provider(['POOL_A', 'POOL_B']), env);
    pools.coolDown('p', 0, undefined);
    expect(pools.coolingFor('p', 0)).to.equal(DEFAULT_KEY_COOLDOWN_MS);
    pools.coolDown('p', 1, 2_000);
    const p = pools.pick('p', keys);
    expect(p.key).to.equal(undefined);
    expect(p).to.deep.equal({ retryAfterMs: 2_000 });
    now += 2_000;
    expect(pools.pick('p', keys).key?.index).to.equal(1);
  });

  it('skips the keys this request already tried; other providers are independent', () => {
    const pools = new KeyPools();
    const keys = providerKeys(provider(['POOL_A', 'POOL_B']), env);
    expect(pools.pick('p', keys, new Set([0])).key?.index).to.equal(1);
    expect(pools.pick('p', keys, new Set([0, 1])).key).to.equal(undefined);
    pools.coolDown('p', 0, 60_000);
    expect(pools.pick('q', keys).key?.index).to.equal(0);
  });
});
