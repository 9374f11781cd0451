// The policy fields behind live routing state: provider `limits`, API key
// `allowedProviders` / `allowedModels` (validated against the catalog, with
// file:line:col) and Settings `priceSources` (URL checked like a baseUrl);
// and the compiled `scopes` map the api_key_scope filter reads.
import { expect } from 'chai';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { formatProblem, loadPolicyDirectory } from '../../../src/policy/load.js';
import { FIXTURES } from '../../helpers/paths.js';

const HASH = (c: string) => c.repeat(64);

async function load(files: Record<string, string>) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tokenrouter-fields-'));
  try {
    await cp(path.join(FIXTURES, 'policies', 'valid', 'minimal'), dir, { recursive: true });
    for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
    return await loadPolicyDirectory(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const keys = (body: string) => `apiVersion: tokenrouter/v1
kind: ApiKeys
metadata:
  name: keys
spec:
  keys:
${body}`;

const settings = (body: string) => `apiVersion: tokenrouter/v1
kind: Settings
metadata:
  name: settings
spec:
${body}`;

describe('policy fields for live routing', () => {
  it('valid limits, scopes and price sources load; scopes resolve to catalog keys', async () => {
    const r = await load({
      'providers.yaml': `apiVersion: tokenrouter/v1
kind: Providers
metadata:
  name: providers
spec:
  providers:
    - { name: alpha, type: openai, baseUrl: "http://127.0.0.1:9/v1", limits: { rpm: 60, tpm: 100000, maxConcurrency: 4, dailyBudgetUsd: 25.5 } }
    - { name: beta, type: anthropic, baseUrl: "http://127.0.0.1:9/v1" }
`,
      'keys.yaml': keys(`    - { name: alpha-only, sha256: "${HASH('a')}", allowedProviders: [alpha] }
    - { name: big-anywhere, sha256: "${HASH('b')}", allowedModels: [big] }
    - { name: both, sha256: "${HASH('c')}", allowedProviders: [alpha, beta], allowedModels: [alpha/small] }
    - { name: free, sha256: "${HASH('d')}" }
    - { name: off, sha256: "${HASH('e')}", enabled: false, allowedProviders: [beta] }
`),
      'settings.yaml': settings(`  priceSources:
    - { url: "https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json", format: litellm }
    - { url: "https://openrouter.ai/api/v1/models", format: openrouter, refreshSeconds: 600 }
`),
    });
    if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
    expect(r.set.providers.get('alpha')!.limits).to.deep.equal({ rpm: 60, tpm: 100000, maxConcurrency: 4, dailyBudgetUsd: 25.5 });
    expect([...r.set.scopes.keys()].sort()).to.deep.equal(['alpha-only', 'big-anywhere', 'both']);
    expect([...r.set.scopes.get('alpha-only')!.providers!]).to.deep.equal(['alpha']);
    expect(r.set.scopes.get('alpha-only')!.models).to.equal(undefined);
    expect([...r.set.scopes.get('big-anywhere')!.models!]).to.deep.equal(['beta/big']);
    expect([...r.set.scopes.get('both')!.models!]).to.deep.equal(['alpha/small']);
    expect(r.set.settings.priceSources).to.have.length(2);
    expect(Object.isFrozen(r.set.settings.priceSources)).to.equal(true);
  });

  it('reports unknown providers and models in a key scope, an empty scope, and unsafe price source URLs, with file:line:col', async () => {
    const r = await load({
      'keys.yaml': keys(`    - name: typo
      sha256: "${HASH('a')}"
      allowedProviders: [alpah]
      allowedModels: [alpha/huge, gamma/small, huge]
    - name: nothing-left
      sha256: "${HASH('b')}"
      allowedProviders: [alpha]
      allowedModels: [big]
`),
      'settings.yaml': settings(`  priceSources:
    - { url: "http://169.254.169.254/latest/meta-data", format: litellm }
    - { url: "https://user:pw@prices.example.com/p.json", format: openrouter }
    - { url: "https://prices.example.com/p.json", format: litellm, refreshSeconds: 5 }
    - { url: "https://prices.example.com/p.json", format: litellm }
    - { url: "ftp://prices.example.com/p.json", format: csv }
`),
    });
    expect(r.ok).to.equal(false);
    const got = r.ok ? [] : r.problems.map(formatProblem);
    expect(got).to.deep.equal([
      'keys.yaml:9:26: /spec/keys/0/allowedProviders/0 unknown provider "alpah" (known: alpha, beta)',
      'keys.yaml:10:23: /spec/keys/0/allowedModels/0 unknown model "alpha/huge" (no such model in Models; expected provider/model or a model name)',
      'keys.yaml:10:35: /spec/keys/0/allowedModels/1 unknown model "gamma/small" (unknown provider "gamma"; expected provider/model or a model name)',
      'keys.yaml:10:48: /spec/keys/0/allowedModels/2 unknown model "huge" (no such model in Models; expected provider/model or a model name)',
      'keys.yaml:14:22: /spec/keys/1/allowedModels allowedProviders and allowedModels together leave this key no model to use',
      'settings.yaml:7:14: /spec/priceSources/0/url url points at a link-local/metadata address (169.254.169.254)',
      'settings.yaml:8:14: /spec/priceSources/1/url url must not carry credentials',
      'settings.yaml:9:84: /spec/priceSources/2/refreshSeconds must be >= 60',
      'settings.yaml:10:14: /spec/priceSources/3/url price source "https://prices.example.com/p.json" (litellm) is listed twice',
      'settings.yaml:11:14: /spec/priceSources/4/url url must use http or https, not ftp',
      'settings.yaml:11:57: /spec/priceSources/4/format must be one of: litellm, openrouter',
    ]);
  });

  it('rejects limits that are not positive, and unknown limit fields', async () => {
    const r = await load({
      'providers.yaml': `apiVersion: tokenrouter/v1
kind: Providers
metadata:
  name: providers
spec:
  providers:
    - { name: alpha, type: openai, baseUrl: "http://127.0.0.1:9/v1", limits: { rpm: 0, dailyBudgetUsd: 0, rps: 3 } }
    - { name: beta, type: anthropic, baseUrl: "http://127.0.0.1:9/v1" }
`,
    });
    expect(r.ok).to.equal(false);
    const got = r.ok ? [] : r.problems.map(formatProblem).join('\n');
    expect(got).to.match(/limits\/rpm must be >= 1/);
    expect(got).to.match(/limits\/dailyBudgetUsd must be > 0/);
    expect(got).to.match(/limits\/rps unknown property "rps"/);
  });
});
