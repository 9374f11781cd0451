import { expect } from 'chai';
import { mkdtemp, mkdir, rm, symlink, writeFile, rename } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readPolicySource } from '../../../src/policy/source.js';
import { loadPolicyDirectory } from '../../../src/policy/load.js';

describe('policy source: reading one directory snapshot', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tr-source-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads only top-level, non-hidden *.yaml/*.yml files, sorted', async () => {
    await writeFile(path.join(dir, 'b.yml'), 'x: 1\n');
    await writeFile(path.join(dir, 'a.yaml'), 'x: 2\n');
    await writeFile(path.join(dir, '.hidden.yaml'), 'x: 3\n');
    await writeFile(path.join(dir, 'notes.txt'), 'x');
    await mkdir(path.join(dir, 'tests'));
    await writeFile(path.join(dir, 'tests', 'case.yaml'), 'x: 4\n');
    const snap = await readPolicySource(dir);
    expect(snap.files.map((f) => f.name)).to.deep.equal(['a.yaml', 'b.yml']);
  });

  it('hashes content: same files, same hash; any change, a new hash', async () => {
    await writeFile(path.join(dir, 'a.yaml'), 'x: 1\n');
    const h1 = (await readPolicySource(dir)).hash;
    expect((await readPolicySource(dir)).hash).to.equal(h1);
    await writeFile(path.join(dir, 'a.yaml'), 'x: 2\n');
    expect((await readPolicySource(dir)).hash).to.not.equal(h1);
  });

  it('rejects a set over the size limit before parsing it', async () => {
    await writeFile(path.join(dir, 'big.yaml'), '# ' + 'x'.repeat(2048) + '\n');
    const result = await loadPolicyDirectory(dir, { maxBytes: 1024 });
    expect(result.ok).to.equal(false);
    if (!result.ok) expect(result.problems[0]!.message).to.match(/exceeds 1024 bytes/);
  });

  it('the default limit is the ConfigMap limit of 1 MiB', async () => {
    await writeFile(path.join(dir, 'big.yaml'), '# ' + 'x'.repeat(1024 * 1024) + '\n');
    const result = await loadPolicyDirectory(dir);
    expect(result.ok).to.equal(false);
    if (!result.ok) expect(result.problems[0]!.message).to.match(/exceeds 1048576 bytes/);
  });

  it('on a ConfigMap mount, reads through the ..data link (one version, no duplicates)', async () => {
    const v1 = path.join(dir, '..2026_01_01_00_00_00.1');
    await mkdir(v1);
    await writeFile(path.join(v1, 'a.yaml'), 'x: 1\n');
    await symlink('..2026_01_01_00_00_00.1', path.join(dir, '..data'));
    await symlink('..data/a.yaml', path.join(dir, 'a.yaml'));
    const snap = await readPolicySource(dir);
    expect(snap.resolvedDirectory).to.equal(v1);
    expect(snap.files.map((f) => f.name)).to.deep.equal(['a.yaml']);
    // swap to a new version atomically
    const v2 = path.join(dir, '..2026_01_01_00_00_01.2');
    await mkdir(v2);
    await writeFile(path.join(v2, 'a.yaml'), 'x: 2\n');
    await symlink('..2026_01_01_00_00_01.2', path.join(dir, '..data_tmp'));
    await rename(path.join(dir, '..data_tmp'), path.join(dir, '..data'));
    const snap2 = await readPolicySource(dir);
    expect(snap2.files[0]!.text).to.equal('x: 2\n');
  });

  it('a missing directory is a load problem, not a crash', async () => {
    const result = await loadPolicyDirectory(path.join(dir, 'nope'));
    expect(result.ok).to.equal(false);
    if (!result.ok) expect(result.problems[0]!.message).to.match(/cannot read policy directory: ENOENT/);
  });
});
