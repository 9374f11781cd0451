// process.env's write counter (src/upstream/env-generation.ts) and the provider
// keys kept by it (credentials.ts): a key set, changed or unset in-process is
// seen on the very next call, and an unchanged environment reuses its answer.
import { expect } from 'chai';
import type { ProviderSpec } from '../../../src/policy/types.js';
import { hasCredentials, providerKeys } from '../../../src/upstream/credentials.js';
import { envGeneration } from '../../../src/upstream/env-generation.js';

const NAME = 'TR_ENVGEN_TEST_KEY';
const provider: ProviderSpec = { name: 'envgen', type: 'openai', baseUrl: 'http://127.0.0.1:1/v1', apiKeyEnv: NAME };

describe('env generation', () => {
  afterEach(() => {
    delete process.env[NAME];
  });

  it('moves on set, delete and Object.assign, and stands still on reads', () => {
    const g0 = envGeneration();
    void process.env[NAME];
    expect(envGeneration()).to.equal(g0);
    process.env[NAME] = 'one';
    const g1 = envGeneration();
    expect(g1).to.be.greaterThan(g0);
    Object.assign(process.env, { [NAME]: 'two' });
    const g2 = envGeneration();
    expect(g2).to.be.greaterThan(g1);
    delete process.env[NAME];
    expect(envGeneration()).to.be.greaterThan(g2);
  });

  it('keeps process.env itself working (values, keys, coercion)', () => {
    envGeneration();
    process.env[NAME] = 42 as unknown as string;
    expect(process.env[NAME]).to.equal('42');
    expect(Object.keys(process.env)).to.include(NAME);
    expect({ ...process.env }[NAME]).to.equal('42');
  });

  it('provider keys follow in-process changes at once and are reused while nothing changed', () => {
    expect(providerKeys(provider)).to.deep.equal([]);
    expect(hasCredentials(provider)).to.equal(false);
    process.env[NAME] = 'first';
    const a = providerKeys(provider);
    expect(a.map((k) => k.value)).to.deep.equal(['first']);
    expect(providerKeys(provider)).to.equal(a); // the same array: no re-read
    process.env[NAME] = 'second';
    expect(providerKeys(provider).map((k) => k.value)).to.deep.equal(['second']);
    expect(hasCredentials(provider)).to.equal(true);
    delete process.env[NAME];
    expect(providerKeys(provider)).to.deep.equal([]);
    expect(hasCredentials(provider)).to.equal(false);
  });

  it('wraps a replaced process.env too', () => {
    const saved = process.env;
    try {
      process.env = { ...saved };
      const g = envGeneration();
      process.env[NAME] = 'replaced';
      expect(envGeneration()).to.be.greaterThan(g);
      expect(providerKeys(provider).map((k) => k.value)).to.deep.equal(['replaced']);
    } finally {
      process.env = saved;
    }
  });
});
