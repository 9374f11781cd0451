// Finding 8: a reload that removed the ApiKeys document silently turned on
// anonymous access. Now, on loopback it is allowed but logged as a warning;
// on a non-loopback listener without Settings.allowAnonymous it is rejected
// like an invalid set, and the last good set (with its keys) keeps serving.
import { expect } from 'chai';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { startTestRouter, type TestRouter } from '../helpers/router.js';
import { capturingLogger } from '../integration/shared-state-stack.js';

const KEY = { name: 'team-a', key: 'sk-reload-keys-1' };

async function status(url: string, key?: string): Promise<number> {
  const r = await fetch(`${url}/v1/policies`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  await r.arrayBuffer();
  return r.status;
}

describe('security: a reload that removes every client key', function () {
  this.timeout(20_000);
  let t: TestRouter | undefined;
  afterEach(async () => {
    await t?.cleanup();
    t = undefined;
  });

  it('on loopback: anonymous access turns on, and a warning says so', async () => {
    const { logger, lines } = capturingLogger();
    t = await startTestRouter({ apiKeys: [KEY], start: { logger } });
    expect(await status(t.url)).to.equal(401);
    await rm(path.join(t.dir, 'api-keys.yaml'));
    await t.router.reloader.reload();
    expect(t.router.store.current()!.apiKeys).to.have.length(0);
    expect(await status(t.url)).to.equal(200);
    const warning = lines.find((l) => l.level === 40 && /removed every client key/.test(String(l.msg)));
    expect(warning, JSON.stringify(lines.map((l) => l.msg))).to.exist;
    expect(String(warning!.msg)).to.include('anonymous access is now on');
  });

  it('on a non-loopback listener: the reload is rejected and the keyed set keeps serving', async () => {
    const { logger, lines } = capturingLogger();
    t = await startTestRouter({ apiKeys: [KEY], host: '0.0.0.0', start: { logger } });
    const url = `http://127.0.0.1:${t.router.port}`;
    const version = t.router.store.current()!.version;
    await rm(path.join(t.dir, 'api-keys.yaml'));
    await t.router.reloader.reload();
    expect(t.router.store.current()!.version, 'the last good set stays live').to.equal(version);
    expect(await status(url)).to.equal(401);
    expect(await status(url, KEY.key)).to.equal(200);
    const error = lines.find((l) => l.level === 50 && /policy load failed/.test(String(l.msg)));
    expect(JSON.stringify(error?.errors)).to.include('no API keys');
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).to.match(/tokenrouter_policy_reload_total\{result="error"\} 1/);
  });
});
