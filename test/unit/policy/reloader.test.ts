import { expect } from 'chai';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Reloader } from '../../../src/policy/reloader.js';
import { PolicyStore, type ReloadRecord } from '../../../src/policy/store.js';
import { FIXTURES } from '../../helpers/paths.js';

describe('policy reloader', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tr-reloader-'));
    await cp(path.join(FIXTURES, 'policies', 'valid', 'minimal'), dir, { recursive: true });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('builds once per content change; unchanged content costs no build', async () => {
    const store = new PolicyStore();
    const results: string[] = [];
    store.onReload((r: ReloadRecord) => results.push(r.result));
    const reloader = new Reloader({ directory: dir, store });
    await reloader.reload();
    await reloader.reload();
    expect(reloader.builds).to.equal(1);
    expect(results).to.deep.equal(['success', 'unchanged']);
  });

  it('the same broken content is reported and counted once, not on every resync', async () => {
    const store = new PolicyStore();
    const results: string[] = [];
    store.onReload((r: ReloadRecord) => results.push(r.result));
    const problems: number[] = [];
    const reloader = new Reloader({ directory: dir, store, onProblems: (p) => problems.push(p.length) });
    await reloader.reload();
    const good = store.current()!.version;
    await writeFile(path.join(dir, 'broken.yaml'), 'apiVersion: tokenrouter/v1\nkind: Settings\nmetadata: { name: s }\nspec: { defaultMode: fastest }\n');
    await reloader.reload();
    await reloader.reload();
    await reloader.reload();
    expect(results).to.deep.equal(['success', 'error']);
    expect(problems).to.deep.equal([1]);
    expect(store.current()!.version).to.equal(good);
    // a different broken content is a new failure
    await writeFile(path.join(dir, 'broken.yaml'), 'kind: [\n');
    await reloader.reload();
    expect(results).to.deep.equal(['success', 'error', 'error']);
    // fixing it goes live
    await rm(path.join(dir, 'broken.yaml'));
    await reloader.reload();
    expect(results.at(-1)).to.equal('unchanged'); // back to the live content
    expect(store.current()!.version).to.equal(good);
  });

  it('concurrent triggers collapse into at most one extra build', async () => {
    const store = new PolicyStore();
    const reloader = new Reloader({ directory: dir, store });
    await reloader.reload();
    const before = reloader.builds;
    await writeFile(path.join(dir, 'extra.yaml'), 'apiVersion: tokenrouter/v1\nkind: Settings\nmetadata: { name: s }\nspec: { maxBodyBytes: 2019 }\n');
    // 20 triggers while the first is still running: one build now, at most one trailing build.
    await Promise.all(Array.from({ length: 20 }, () => reloader.reload()));
    expect(reloader.builds - before).to.be.within(1, 2);
    expect(store.current()!.settings.maxBodyBytes).to.equal(2019);
  });
});
