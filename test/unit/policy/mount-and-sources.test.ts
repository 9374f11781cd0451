import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { checkPriceSources } from '../../../src/prices/check-sources.js';
import { loadPolicyDirectory } from '../../../src/policy/load.js';
import { mountWarnings } from '../../../src/policy/mount-check.js';
import type { PolicySet } from '../../../src/policy/types.js';
import { FIXTURES } from '../../helpers/paths.js';

describe('validate --check-sources and mount warnings', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tr-mount-'));
    await cp(path.join(FIXTURES, 'policies', 'valid', 'minimal'), dir, { recursive: true });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('warns when the policy path is a single file; a plain directory or a ConfigMap volume gets no warning', async () => {
    expect(await mountWarnings(dir)).to.deep.equal([]);
    const file = path.join(dir, 'models.yaml');
    const w = await mountWarnings(file);
    expect(w).to.have.length(1);
    expect(w[0]).to.match(/is a file: point it at the directory/);
  });

  it('price sources: a reachable, parseable source passes; a broken one is a warning naming the source', async () => {
    const server: Server = createServer((req, res) => {
      if (req.url === '/ok') res.end(JSON.stringify({ data: [{ id: 'alpha/small', pricing: { prompt: '0.0000001', completion: '0.0000004' } }] }));
      else {
        res.statusCode = 404;
        res.end('{}');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await writeFile(
        path.join(dir, 'settings.yaml'),
        `apiVersion: tokenrouter/v1\nkind: Settings\nmetadata: { name: s }\nspec:\n  priceSources:\n    - { url: "${base}/ok", format: openrouter }\n    - { url: "${base}/missing", format: litellm }\n`,
      );
      const r = await loadPolicyDirectory(dir);
      if (!r.ok) throw new Error(JSON.stringify(r.problems));
      const warnings = await checkPriceSources(r.set as PolicySet, 2000);
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.match(/priceSources\/1 .*unusable: HTTP 404/);

    } finally {
      server.close();
    }
  });
});
