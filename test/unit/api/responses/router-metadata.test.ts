// The router's metadata values (docs/clients/hosted-contract.md#metadata): strings, as OpenAI's
// schema requires; routing_confidence a two-digit decimal; warnings a JSON array within OpenAI's
// 512 characters per value, truncated by whole entries so it stays valid JSON; the router's keys
// win over the caller's. And Settings.errors.includeRaw is validated by the policy schema.
import { expect } from 'chai';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { confidenceMetadata, METADATA_VALUE_MAX, warningsMetadata } from '../../../../src/api/responses/metadata.js';
import { responseMetadata } from '../../../../src/api/responses/shapes.js';
import type { CanonicalRequest } from '../../../../src/canonical/types.js';
import { loadPolicyDirectory } from '../../../../src/policy/load.js';
import { SHIPPED_POLICIES } from '../../../helpers/paths.js';
import { settingsYaml } from '../../../helpers/router.js';

describe('router metadata values', () => {
  it('routing_confidence is a decimal string with two digits', () => {
    expect(confidenceMetadata(0.85)).to.equal('0.85');
    expect(confidenceMetadata(1)).to.equal('1.00');
    expect(confidenceMetadata(0.333333)).to.equal('0.33');
    expect(confidenceMetadata(Number.NaN)).to.equal('0.00');
  });

  it('warnings: a JSON array as a string, whole when it fits', () => {
    const w = ['first "quoted" warning', 'second | with a bar'];
    expect(JSON.parse(warningsMetadata(w))).to.deep.equal(w);
  });

  it('warnings past 512 characters drop whole entries from the end and say how many, staying valid JSON', () => {
    const w = Array.from({ length: 12 }, (_, i) => `warning number ${i}: ${'x'.repeat(60)}`);
    const text = warningsMetadata(w);
    expect(text.length).to.be.at.most(METADATA_VALUE_MAX);
    const list = JSON.parse(text) as string[];
    const kept = list.slice(0, -1);
    expect(kept, 'a prefix of the warnings, each whole').to.deep.equal(w.slice(0, kept.length));
    expect(kept.length).to.be.greaterThan(0);
    expect(list.at(-1)).to.equal(`…and ${w.length - kept.length} more`);
    // One more kept entry would not have fitted.
    expect(JSON.stringify([...w.slice(0, kept.length + 1), `…and ${w.length - kept.length - 1} more`]).length).to.be.greaterThan(METADATA_VALUE_MAX);
  });

  it('one warning longer than the limit leaves only the count', () => {
    const text = warningsMetadata(['y'.repeat(600)]);
    expect(JSON.parse(text)).to.deep.equal(['…and 1 more']);
  });

  it("the router's keys win over the caller's; other caller keys stay", () => {
    const request = { api: 'responses', model: 'auto', items: [], tools: [], metadata: { provider: 'spoof', request_id: 'req_fake', tenant: 't1' } } as unknown as CanonicalRequest;
    const m = responseMetadata({ request, routerMetadata: { provider: 'openai', routing_mode: 'balance', request_id: 'req_real', routing_confidence: '0.90' } });
    expect(m).to.deep.equal({ provider: 'openai', request_id: 'req_real', tenant: 't1', routing_mode: 'balance', routing_confidence: '0.90' });
  });
});

describe('Settings.errors.includeRaw in the policy schema', () => {
  async function loadWith(settings: string): Promise<{ ok: boolean; text: string; raw?: boolean }> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tokenrouter-errors-setting-'));
    try {
      for (const name of await readdir(SHIPPED_POLICIES)) if (/\.ya?ml$/.test(name)) await copyFile(path.join(SHIPPED_POLICIES, name), path.join(dir, name));
      for (const name of await readdir(dir)) {
        // The shipped Settings document makes way for the one under test (one Settings per set).
        if ((await readFile(path.join(dir, name), 'utf8')).includes('kind: Settings')) await rm(path.join(dir, name));
      }
      await writeFile(path.join(dir, 'settings.yaml'), settings);
      const r = await loadPolicyDirectory(dir);
      return r.ok ? { ok: true, text: '', ...(r.set.settings.errors?.includeRaw !== undefined ? { raw: r.set.settings.errors.includeRaw } : {}) } : { ok: false, text: r.problems.map((p) => p.message).join('\n') };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it('accepts a boolean and compiles it into the set', async () => {
    const r = await loadWith(settingsYaml({ errors: { includeRaw: true } } as never));
    expect(r.ok, r.text).to.equal(true);
    expect(r.raw).to.equal(true);
  });

  it('refuses a non-boolean and an unknown key', async () => {
    expect((await loadWith(settingsYaml({ errors: { includeRaw: 'yes' } } as never))).ok).to.equal(false);
    expect((await loadWith(settingsYaml({ errors: { rawBody: true } } as never))).ok).to.equal(false);
  });
});
