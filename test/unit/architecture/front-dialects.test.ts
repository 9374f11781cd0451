// Issue 18, deliverable 5: front dialects are one idea. Each lives in its own folder of src/api/
// with its normalize and render and is listed in src/api/dialects.ts; the stages ask that list and
// never import a dialect's folder, so adding a dialect touches no stage. The exceptions are named:
// the embeddings forwarder (not a dialect: a pass-through with its own stages) and the stream-format
// switch (a router header read before any dialect renders).
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { dialectOf } from '../../../src/api/dialects.js';
import { REPO_ROOT } from '../../helpers/paths.js';
import { runtimeImports } from './import-cycles.test.js';

const ALLOWED = new Set(['api/dialect.js', 'api/dialects.js', 'api/embeddings/request.js', 'api/tokenrouter/format.js', 'api/ids.js']);

describe('architecture: front dialects', () => {
  it('the stages and the pipeline import no dialect folder, only the dialect list', () => {
    const dir = path.join(REPO_ROOT, 'src', 'stages');
    const files = [...readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => path.join(dir, f)), path.join(REPO_ROOT, 'src', 'pipeline.ts')];
    const offending: string[] = [];
    for (const file of files) {
      for (const spec of runtimeImports(file, readFileSync(file, 'utf8'))) {
        const m = /(?:^|\/)(api\/.*)$/.exec(spec);
        if (m && !ALLOWED.has(m[1]!)) offending.push(`${path.relative(REPO_ROOT, file)} → ${m[1]}`);
      }
    }
    expect(offending).to.deep.equal([]);
  });

  it('every API has a dialect with its own folder', () => {
    for (const api of ['responses', 'chat', 'messages'] as const) {
      const d = dialectOf(api);
      expect(d.api).to.equal(api);
      expect(readdirSync(path.join(REPO_ROOT, 'src', 'api', api))).to.include.members(['normalize.ts', 'dialect.ts']);
    }
  });
});
