import { expect } from 'chai';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assetPath, contentType, loadVendorFiles, rewritePreactImport } from '../../../src/console/static-files.js';

describe('console: static files', () => {
  it('rewrites the bare "preact" import of hooks.mjs, and nothing else', () => {
    expect(rewritePreactImport('import{options as n}from"preact";var x="preact";')).to.equal('import{options as n}from"./preact.mjs";var x="preact";');
    expect(rewritePreactImport("import { h } from 'preact'")).to.equal("import { h } from './preact.mjs'");
    expect(rewritePreactImport('import{a}from"preact/hooks"')).to.equal('import{a}from"preact/hooks"');
  });

  it('serves the three vendor modules, hooks.mjs pointing at ./preact.mjs', () => {
    const files = loadVendorFiles();
    expect([...files.keys()].sort()).to.deep.equal(['hooks.mjs', 'htm.mjs', 'preact.mjs']);
    const hooks = files.get('hooks.mjs')!.body.toString('utf8');
    expect(hooks).to.include('from"./preact.mjs"');
    expect(hooks).to.not.match(/from\s*["']preact["']/);
    expect(files.get('preact.mjs')!.type).to.equal('text/javascript; charset=utf-8');
  });

  it('assets: only the directory’s own files of a known type', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'console-assets-'));
    writeFileSync(path.join(dir, 'app.js'), '1');
    writeFileSync(path.join(dir, '.secret.js'), '1');
    writeFileSync(path.join(dir, 'notes.bin'), '1');
    mkdirSync(path.join(dir, 'sub.js'));
    expect(assetPath(dir, 'app.js')).to.equal(path.join(dir, 'app.js'));
    for (const bad of ['.secret.js', 'notes.bin', 'sub.js', '../app.js', '..', 'missing.js', 'a/b.js', '']) expect(assetPath(dir, bad), bad).to.equal(undefined);
    expect(contentType('x.css')).to.equal('text/css; charset=utf-8');
    expect(contentType('x.exe')).to.equal(undefined);
  });
});
