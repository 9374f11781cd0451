// The AWS and Google SDKs are not loaded with the router's modules, only when
// a live set can route to a bedrock / vertex provider (upstream/preload-sdks.ts). Each
// case runs in a fresh Node process: a module, once loaded, stays loaded.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../helpers/paths.js';

const DIST = path.join(REPO_ROOT, 'dist', 'src');
const url = (rel: string): string => pathToFileURL(path.join(DIST, rel)).href;

interface Loaded {
  aws: boolean;
  google: boolean;
}

/** In a child: imports the router's composition root, then preloads for `providers`; reports what was loaded before and after. */
async function run(providers: { name: string; type: string; credentialsFile?: string }[], env: Record<string, string>): Promise<{ atStart: Loaded; after: Loaded; flags: Loaded }> {
  const script = `
    import { createRequire } from 'node:module';
    await import(${JSON.stringify(url('server/start.js'))});
    const { preloadCloudSdks } = await import(${JSON.stringify(url('upstream/preload-sdks.js'))});
    const { cloudSdksLoaded } = await import(${JSON.stringify(url('providers/cloud-sdks.js'))});
    const cache = createRequire(import.meta.url).cache;
    const loaded = () => {
      const keys = Object.keys(cache);
      return { aws: keys.some((k) => /@aws-sdk[\\/]credential-provider-node|@smithy[\\/]signature-v4/.test(k)), google: keys.some((k) => /google-auth-library/.test(k)) };
    };
    const atStart = loaded();
    await preloadCloudSdks({ providers: new Map(${JSON.stringify(providers.map((p) => [p.name, p]))}) });
    console.log(JSON.stringify({ atStart, after: loaded(), flags: cloudSdksLoaded() }));
  `;
  const home = mkdtempSync(path.join(os.tmpdir(), 'tr-sdk-home-')); // no ~/.aws here
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_') && k !== 'GOOGLE_APPLICATION_CREDENTIALS'));
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO_ROOT, env: { ...clean, HOME: home, ...env } });
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

describe('cloud SDKs load with a set that can use them', () => {
  it('the router starts without either SDK, and a set without bedrock or vertex loads neither', async () => {
    const r = await run([{ name: 'openai', type: 'openai' }], { AWS_ACCESS_KEY_ID: 'fake-id', AWS_SECRET_ACCESS_KEY: 'fake-secret' });
    expect(r.atStart).to.deep.equal({ aws: false, google: false });
    expect(r.after).to.deep.equal({ aws: false, google: false });
    expect(r.flags).to.deep.equal({ aws: false, google: false });
  });

  it('a bedrock provider with AWS credentials loads the AWS signer and chain, not Google', async () => {
    const r = await run([{ name: 'aws', type: 'bedrock' }], { AWS_ACCESS_KEY_ID: 'fake-id', AWS_SECRET_ACCESS_KEY: 'fake-secret' });
    expect(r.atStart).to.deep.equal({ aws: false, google: false });
    expect(r.after).to.deep.equal({ aws: true, google: false });
  });

  it('a bedrock provider routing cannot choose (no AWS credentials) loads nothing', async () => {
    const r = await run([{ name: 'aws', type: 'bedrock' }], {});
    expect(r.after).to.deep.equal({ aws: false, google: false });
  });

  it('a vertex provider loads google-auth-library when its key file exists, not when it is missing', async () => {
    const missing = await run([{ name: 'vertex', type: 'vertex', credentialsFile: path.join(os.tmpdir(), 'tr-no-such-key.json') }], {});
    expect(missing.after).to.deep.equal({ aws: false, google: false });
    const present = await run([{ name: 'vertex', type: 'vertex', credentialsFile: path.join(REPO_ROOT, 'package.json') }], {});
    expect(present.after).to.deep.equal({ aws: false, google: true });
  });
});
