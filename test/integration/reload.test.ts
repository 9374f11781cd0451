// Hot reload of the policy set, end to end: a real router (startRouter) on an
// ephemeral port, a real chokidar watcher, and policy directories that change
// underneath it — plain directories and simulated Kubernetes ConfigMap mounts
// (see test/helpers/atomic-writer.ts).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { hashFiles, readPolicySource } from '../../src/policy/source.js';
import type { ReloadRecord } from '../../src/policy/store.js';
import { startRouter, type RunningRouter, type StartOptions } from '../../src/server/start.js';
import { silentLogger } from '../../src/telemetry/log.js';
import { createMetrics } from '../../src/telemetry/metrics.js';
import { atomicWrite, DATA_DIR, DATA_TMP, mountedKeys, type AtomicStep, type Payload } from '../helpers/atomic-writer.js';
import {
  BASE_RULE,
  brokenProvidersYaml,
  cleanupPolicyDirs,
  extraRulesFile,
  makePolicyDir,
  makeTempDir,
  routingYaml,
  typoRulesFile,
  validPolicyFiles,
  withRoutingRule,
  writeFileAtomic,
  type PolicyFiles,
} from '../helpers/policy-dir.js';

const DEBOUNCE_MS = 100;
/** How long a change may take to go live through the watcher. */
const LIVE_WITHIN_MS = DEBOUNCE_MS + 1500;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs: number, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

interface JsonResponse {
  status: number;
  headers: Headers;
  body: any;
}

async function getJson(url: string): Promise<JsonResponse> {
  const res = await fetch(url);
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, headers: res.headers, body };
}

async function metricsText(router: RunningRouter): Promise<string> {
  const res = await fetch(`${router.url}/metrics`);
  expect(res.status).to.equal(200);
  return res.text();
}

/** Every sample line of metric `name` (exact name, with or without labels). */
function samples(text: string, name: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
}

/** The value of `name{labels}`; throws when the series is absent. */
function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of samples(text, name)) {
    const m = /^[^{ ]+(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const got = m[1] ? m[1].split(',') : [];
    if (got.length === want.length && want.every((w) => got.includes(w))) return Number(m[2]);
  }
  throw new Error(`metric ${name}${JSON.stringify(labels)} not found`);
}

async function ruleNames(router: RunningRouter): Promise<string[]> {
  const r = await getJson(`${router.url}/v1/routing-rules`);
  expect(r.status, 'GET /v1/routing-rules').to.equal(200);
  return (r.body.data as { name: string }[]).map((x) => x.name);
}

const routers: RunningRouter[] = [];

async function start(dir: string, opts: Partial<StartOptions> = {}): Promise<RunningRouter> {
  const router = await startRouter({
    policies: dir,
    port: 0,
    host: '127.0.0.1',
    logger: silentLogger(),
    metrics: createMetrics({ defaultMetrics: false }),
    debounceMs: DEBOUNCE_MS,
    resyncMs: 0,
    drainMs: 1000,
    ...opts,
  });
  routers.push(router);
  return router;
}

/** Records every reload outcome of a router from now on. */
function recordReloads(router: RunningRouter): ReloadRecord[] {
  const records: ReloadRecord[] = [];
  router.store.onReload((r) => records.push(r));
  return records;
}

/**
 * The set now on disk (hashed independently of the router) must become live
 * through the watcher, in the store and in GET /v1/policies.
 */
async function expectGoesLive(router: RunningRouter, dir: string, previous: string | undefined): Promise<string> {
  const expected = (await readPolicySource(dir)).hash;
  expect(expected, 'the new content must hash differently from the live set').to.not.equal(previous);
  await waitFor(() => router.store.current()?.version === expected, LIVE_WITHIN_MS, `version ${expected} to go live`);
  const status = await getJson(`${router.url}/v1/policies`);
  expect(status.status).to.equal(200);
  expect(status.body.version).to.equal(expected);
  return expected;
}

describe('policy hot reload (integration)', function () {
  afterEach(async () => {
    for (const r of routers.splice(0)) await r.stop();
    await cleanupPolicyDirs();
  });

  describe('the Kubernetes AtomicWriter simulation itself', () => {
    it('lays out ..data, a hidden ts dir and user-visible links, and cleans up the previous version', async () => {
      const dir = await makeTempDir();
      await atomicWrite(dir, { 'a.yaml': 'A1', 'b.yaml': 'B1' }, { stepDelayMs: 0 });
      const firstTs = await fs.readlink(path.join(dir, DATA_DIR));
      expect(firstTs).to.match(/^\.\.2026_11_27_10_00_00\.\d+$/);
      expect(await fs.readlink(path.join(dir, 'a.yaml'))).to.equal(path.join(DATA_DIR, 'a.yaml'));
      expect(await fs.readFile(path.join(dir, 'b.yaml'), 'utf8')).to.equal('B1');

      const seen: AtomicStep[] = [];
      await atomicWrite(dir, { 'a.yaml': 'A2', 'c.yaml': 'C2' }, {
        stepDelayMs: 0,
        onStep: async (step) => {
          seen.push(step);
          if (step === 'new-links-created') {
            // The new key's link exists but dangles until the swap.
            await fs.lstat(path.join(dir, 'c.yaml'));
            let dangling = false;
            await fs.stat(path.join(dir, 'c.yaml')).catch(() => (dangling = true));
            expect(dangling, 'c.yaml dangles before the ..data swap').to.equal(true);
          }
          if (step === 'data-tmp-linked') expect(await fs.readlink(path.join(dir, DATA_DIR))).to.equal(firstTs);
        },
      });
      expect(seen).to.deep.equal(['payload-written', 'new-links-created', 'data-tmp-linked', 'data-swapped', 'old-links-removed', 'old-dir-removed']);
      const entries = (await fs.readdir(dir)).sort();
      const ts = await fs.readlink(path.join(dir, DATA_DIR));
      expect(ts).to.not.equal(firstTs);
      expect(entries).to.deep.equal([ts, DATA_DIR, 'a.yaml', 'c.yaml'].sort());
      expect(entries).to.not.include(DATA_TMP);
      expect(await fs.readFile(path.join(dir, 'a.yaml'), 'utf8')).to.equal('A2');
      expect(await mountedKeys(dir)).to.deep.equal(['a.yaml', 'c.yaml']);
    });
  });

  describe('ConfigMap mount (kubelet AtomicWriter, 50 ms between steps)', () => {
    async function mount(payload: Payload): Promise<string> {
      const dir = await makeTempDir('tokenrouter-cm-');
      await atomicWrite(dir, payload, { stepDelayMs: 0 });
      return dir;
    }

    it('(a) a changed key goes live', async () => {
      const dir = await mount(validPolicyFiles());
      const router = await start(dir);
      const v0 = router.store.current()?.version;
      expect(v0).to.be.a('string');
      const reloads = recordReloads(router);

      await atomicWrite(dir, validPolicyFiles(['cm-changed']));
      await expectGoesLive(router, dir, v0);
      expect(await ruleNames(router)).to.deep.equal([BASE_RULE, 'cm-changed']);
      expect(reloads.filter((r) => r.result === 'error'), 'no reload may see a torn ConfigMap').to.deep.equal([]);
    });

    it('(b) an added key goes live', async () => {
      const dir = await mount(validPolicyFiles());
      const router = await start(dir);
      const v0 = router.store.current()?.version;
      const reloads = recordReloads(router);

      await atomicWrite(dir, { ...validPolicyFiles(), 'extra.yaml': extraRulesFile('cm-added') });
      await expectGoesLive(router, dir, v0);
      expect(await ruleNames(router)).to.have.members([BASE_RULE, 'cm-added']);
      expect((await getJson(`${router.url}/v1/policies`)).body.files).to.include('extra.yaml');
      expect(reloads.filter((r) => r.result === 'error')).to.deep.equal([]);
    });

    it('(c) a change to only the newly added key goes live', async () => {
      const dir = await mount(validPolicyFiles());
      const router = await start(dir);
      const v0 = router.store.current()?.version;

      await atomicWrite(dir, { ...validPolicyFiles(), 'extra.yaml': extraRulesFile('cm-added', 'extra') });
      const v1 = await expectGoesLive(router, dir, v0);
      const reloads = recordReloads(router);

      // Only extra.yaml changes; its user-visible link already exists and stays as it is.
      const linkBefore = await fs.lstat(path.join(dir, 'extra.yaml'));
      await atomicWrite(dir, { ...validPolicyFiles(), 'extra.yaml': extraRulesFile('cm-renamed', 'extra') });
      const linkAfter = await fs.lstat(path.join(dir, 'extra.yaml'));
      expect(linkAfter.ino, 'the user-visible link is untouched').to.equal(linkBefore.ino);
      await expectGoesLive(router, dir, v1);
      const names = await ruleNames(router);
      expect(names).to.have.members([BASE_RULE, 'cm-renamed']);
      expect(names).to.not.include('cm-added');
      expect(reloads.filter((r) => r.result === 'error')).to.deep.equal([]);
    });

    it('(d) a removed key goes away', async () => {
      const dir = await mount({ ...validPolicyFiles(), 'extra.yaml': extraRulesFile('cm-doomed') });
      const router = await start(dir);
      const v0 = router.store.current()?.version;
      expect(await ruleNames(router)).to.include('cm-doomed');
      const reloads = recordReloads(router);

      await atomicWrite(dir, validPolicyFiles(['cm-survivor']));
      await expectGoesLive(router, dir, v0);
      const names = await ruleNames(router);
      expect(names).to.deep.equal([BASE_RULE, 'cm-survivor']);
      expect((await getJson(`${router.url}/v1/policies`)).body.files).to.deep.equal(['models.yaml', 'providers.yaml', 'routing.yaml']);
      expect(await fs.readdir(dir)).to.not.include('extra.yaml');
      expect(reloads.filter((r) => r.result === 'error')).to.deep.equal([]);
    });

    it('(e) a zero-key ConfigMap is not ready, then becomes ready when it gains keys', async () => {
      const dir = await mount({});
      expect(await mountedKeys(dir)).to.deep.equal([]);
      const router = await start(dir);
      expect(router.store.current()).to.equal(undefined);
      const notReady = await getJson(`${router.url}/readyz`);
      expect(notReady.status).to.equal(503);
      expect(notReady.body.status).to.equal('not_ready');

      await atomicWrite(dir, validPolicyFiles(['cm-first']));
      const v1 = await expectGoesLive(router, dir, undefined);
      const ready = await getJson(`${router.url}/readyz`);
      expect(ready.status).to.equal(200);
      expect(ready.body).to.deep.equal({ status: 'ready', policy_version: v1 });
      expect(await ruleNames(router)).to.deep.equal([BASE_RULE, 'cm-first']);
    });

    it('a reload between any two kubelet steps sees the whole old or the whole new set, never a mix', async () => {
      // Old: base + extra.yaml (rule cm-old). New: extra.yaml removed, other.yaml added,
      // routing.yaml changed — so the dangling-link and removed-key windows both occur.
      const before: PolicyFiles = { ...validPolicyFiles(), 'extra.yaml': extraRulesFile('cm-old') };
      const after: PolicyFiles = { ...validPolicyFiles(['cm-routing']), 'other.yaml': extraRulesFile('cm-new') };
      const dir = await mount(before);
      const router = await start(dir);
      const vOld = router.store.current()!.version;
      const vNew = hashFiles(Object.keys(after).sort().map((name) => ({ name, text: after[name]! })));
      const seen: { step: AtomicStep; result: string | undefined; version: string | undefined }[] = [];
      await atomicWrite(dir, after, {
        stepDelayMs: 0,
        onStep: async (step) => {
          await router.reloader.reload();
          seen.push({ step, result: router.store.lastReload()?.result, version: router.store.current()?.version });
        },
      });
      const expected: { step: AtomicStep; version: string }[] = [
        ...(['payload-written', 'new-links-created', 'data-tmp-linked'] as const).map((step) => ({ step, version: vOld })),
        ...(['data-swapped', 'old-links-removed', 'old-dir-removed'] as const).map((step) => ({ step, version: vNew })),
      ];
      expect(seen.map(({ step, version }) => ({ step, version }))).to.deep.equal(expected);
      expect(seen.filter((s) => s.result === 'error'), 'no forced reload may fail').to.deep.equal([]);
      expect(vNew).to.equal((await readPolicySource(dir)).hash);
      expect(await ruleNames(router)).to.have.members([BASE_RULE, 'cm-routing', 'cm-new']);
    });
  });

  describe('plain directory', () => {
    it('20 rewrites within one second cost at most a few rebuilds, and the last one wins', async () => {
      // A debounce well above the 50 ms write interval, so only a stalled machine can split the burst.
      const debounceMs = 250;
      const dir = await makePolicyDir();
      const router = await start(dir, { debounceMs });
      const v0 = router.store.current()?.version;
      const buildsBefore = router.reloader.builds;
      const writtenAt: number[] = [];
      for (let i = 0; i < 20; i++) {
        await fs.writeFile(path.join(dir, 'routing.yaml'), routingYaml([BASE_RULE, `burst-${i}`]));
        writtenAt.push(Date.now());
        if (i < 19) await sleep(50);
      }
      await expectGoesLive(router, dir, v0);
      await sleep(debounceMs * 2); // let any straggling event fire
      const builds = router.reloader.builds - buildsBefore;
      // Each gap the debounce could fire in (only when the event loop stalled) may add one build.
      const longGaps = writtenAt.slice(1).filter((t, i) => t - writtenAt[i]! >= debounceMs - 50).length;
      expect(builds, `builds during the burst (gaps that could split it: ${longGaps})`).to.be.within(1, 3 + longGaps);
      expect(await ruleNames(router)).to.deep.equal([BASE_RULE, 'burst-19']);
      expect(router.store.current()?.version).to.equal((await readPolicySource(dir)).hash);
    });

    it('an invalid file never goes live under load, is reported, and the fixed file then goes live', async () => {
      const dir = await makePolicyDir();
      const router = await start(dir);
      const v0 = router.store.current()!.version;
      const lastSuccessAt0 = (await getJson(`${router.url}/v1/policies`)).body.last_success_at as string;
      expect(lastSuccessAt0).to.be.a('string');
      const m0 = await metricsText(router);
      const errors0 = metricValue(m0, 'tokenrouter_policy_reload_total', { result: 'error' });
      const success0 = metricValue(m0, 'tokenrouter_policy_reload_total', { result: 'success' });
      const lastSuccess0 = metricValue(m0, 'tokenrouter_policy_last_reload_success_timestamp_seconds');
      expect(success0).to.equal(1);
      expect(lastSuccess0).to.be.greaterThan(0);

      // 20 concurrent clients hammer the rules API for ~1.5 s while the bad file lands.
      let stop = false;
      let total = 0;
      let failures = 0;
      const badBodies: string[] = [];
      const versions = new Set<string | undefined>();
      const worker = async (): Promise<void> => {
        while (!stop) {
          try {
            const res = await fetch(`${router.url}/v1/routing-rules`);
            const body = (await res.json()) as { data?: { name: string }[] };
            total++;
            if (res.status !== 200) failures++;
            const ids = (body.data ?? []).map((r) => r.name).join(',');
            if (ids !== BASE_RULE) badBodies.push(ids);
          } catch {
            total++;
            failures++;
          }
          versions.add(router.store.current()?.version);
        }
      };
      const loadStart = Date.now();
      const workers = Array.from({ length: 20 }, () => worker());
      await sleep(200);
      const bad = typoRulesFile('typo-rule');
      await writeFileAtomic(dir, 'broken.yaml', bad.text);
      // The clients share this process's event loop with the router and the watcher,
      // so allow more than LIVE_WITHIN_MS here; the load keeps running meanwhile.
      await waitFor(() => router.store.lastReload()?.result === 'error', 5000, 'the broken file to be rejected');
      await sleep(Math.max(200, 1500 - (Date.now() - loadStart)));
      stop = true;
      await Promise.all(workers);

      expect(total, 'requests made under load').to.be.greaterThan(100);
      expect(failures, `failed requests out of ${total}`).to.equal(0);
      expect(badBodies, 'responses with a rule list other than the last good set').to.deep.equal([]);
      expect([...versions]).to.deep.equal([v0]);
      expect(router.store.current()!.version).to.equal(v0);

      const m1 = await metricsText(router);
      expect(metricValue(m1, 'tokenrouter_policy_reload_total', { result: 'error' })).to.be.greaterThan(errors0);
      expect(metricValue(m1, 'tokenrouter_policy_reload_total', { result: 'success' })).to.equal(success0);
      expect(metricValue(m1, 'tokenrouter_policy_last_reload_success_timestamp_seconds')).to.equal(lastSuccess0);
      expect(samples(m1, 'tokenrouter_policy_info')).to.deep.equal([`tokenrouter_policy_info{version="${v0}"} 1`]);

      const status = await getJson(`${router.url}/v1/policies`);
      expect(status.status).to.equal(200);
      expect(status.body.version).to.equal(v0);
      expect(status.body.files).to.not.include('broken.yaml');
      expect(status.body.last_reload.result).to.equal('error');
      expect(status.body.last_reload.version).to.equal(null);
      expect(status.body.last_success_at).to.equal(lastSuccessAt0);
      const errors = status.body.last_reload.errors as string[];
      for (const e of errors) expect(e).to.match(/^broken\.yaml:\d+:\d+: \/\S* \S.*$/);
      expect(errors).to.deep.equal([`broken.yaml:${bad.line}:${bad.col}: ${bad.pointer} unknown property "${bad.typo}" (did you mean "priority"?)`]);

      // Fix the typo: the new set goes live.
      await writeFileAtomic(dir, 'broken.yaml', extraRulesFile('typo-rule'));
      const v1 = await expectGoesLive(router, dir, v0);
      expect(await ruleNames(router)).to.have.members([BASE_RULE, 'typo-rule']);
      const fixed = await getJson(`${router.url}/v1/policies`);
      expect(fixed.body.last_reload.result).to.equal('success');
      expect(fixed.body.last_reload.version).to.equal(v1);
      expect(fixed.body.last_reload.errors).to.deep.equal([]);
      expect(fixed.body.files).to.include('broken.yaml');
      expect(Date.parse(fixed.body.last_success_at)).to.be.greaterThan(Date.parse(lastSuccessAt0));
      const m2 = await metricsText(router);
      expect(metricValue(m2, 'tokenrouter_policy_reload_total', { result: 'success' })).to.equal(success0 + 1);
      expect(metricValue(m2, 'tokenrouter_policy_last_reload_success_timestamp_seconds')).to.be.greaterThan(lastSuccess0);
      expect(samples(m2, 'tokenrouter_policy_info')).to.deep.equal([`tokenrouter_policy_info{version="${v1}"} 1`]);
    });

    it('an invalid first load: alive but not ready, and the API answers 503 policy_not_loaded', async () => {
      const dir = await makePolicyDir({ 'providers.yaml': brokenProvidersYaml() });
      const router = await start(dir);
      expect(router.store.current()).to.equal(undefined);
      expect(router.store.lastReload()?.result).to.equal('error');

      const health = await getJson(`${router.url}/healthz`);
      expect(health.status).to.equal(200);
      expect(health.body).to.deep.equal({ status: 'ok' });
      const ready = await getJson(`${router.url}/readyz`);
      expect(ready.status).to.equal(503);
      expect(ready.body).to.deep.include({ status: 'not_ready', last_reload: 'error' });

      const policies = await getJson(`${router.url}/v1/policies`);
      expect(policies.status).to.equal(503);
      expect(Object.keys(policies.body)).to.deep.equal(['error']);
      expect(Object.keys(policies.body.error).sort()).to.deep.equal(['code', 'http_status', 'message', 'param', 'provider', 'type']);
      expect(policies.body.error).to.include({ provider: null, http_status: 503 });
      expect(policies.body.error.code).to.equal('policy_not_loaded');
      expect(policies.body.error.type).to.equal('service_unavailable_error');
      expect(policies.body.error.param).to.equal(null);
      expect(policies.body.error.message).to.be.a('string').and.not.empty;
      const rules = await getJson(`${router.url}/v1/routing-rules`);
      expect(rules.status).to.equal(503);
      expect(rules.body.error.code).to.equal('policy_not_loaded');

      const m = await metricsText(router);
      expect(metricValue(m, 'tokenrouter_policy_reload_total', { result: 'error' })).to.equal(1);
      expect(samples(m, 'tokenrouter_policy_info')).to.deep.equal([]);
    });

    it('with file events paused and no resync, a change is NOT picked up (control for the resync test)', async () => {
      const dir = await makePolicyDir();
      const router = await start(dir, { resyncMs: 0 });
      router.watcher.pauseEvents(true);
      const v0 = router.store.current()?.version;
      await writeFileAtomic(dir, 'routing.yaml', routingYaml([BASE_RULE, 'unseen']));
      await sleep(DEBOUNCE_MS + 600);
      expect(router.store.current()?.version).to.equal(v0);
    });

    it('the periodic resync picks up a change the watcher missed', async () => {
      const dir = await makePolicyDir();
      const router = await start(dir, { resyncMs: 300 });
      router.watcher.pauseEvents(true);
      const v0 = router.store.current()?.version;
      await writeFileAtomic(dir, 'routing.yaml', routingYaml([BASE_RULE, 'resynced']));
      const expected = (await readPolicySource(dir)).hash;
      expect(expected).to.not.equal(v0);
      await waitFor(() => router.store.current()?.version === expected, 1000, 'the resync to load the change');
      expect(await ruleNames(router)).to.deep.equal([BASE_RULE, 'resynced']);
    });

    it("a request's snapshot stays constant across a swap", async () => {
      const dir = await makePolicyDir();
      const router = await start(dir);
      const snap = router.store.current()!;
      const before = { version: snap.version, rules: snap.routingRules.map((r) => r.name), loadedAt: snap.loadedAt.getTime() };

      await writeFileAtomic(dir, 'routing.yaml', routingYaml(['swapped-in']));
      await router.reloader.reload();
      const next = router.store.current()!;

      expect(next).to.not.equal(snap);
      expect(next.version).to.not.equal(before.version);
      expect(next.routingRules.map((r) => r.name)).to.deep.equal(['swapped-in']);
      // The old snapshot is exactly what it was, and cannot be changed.
      expect({ version: snap.version, rules: snap.routingRules.map((r) => r.name), loadedAt: snap.loadedAt.getTime() }).to.deep.equal(before);
      expect(Object.isFrozen(snap)).to.equal(true);
      expect(Object.isFrozen(snap.routingRules)).to.equal(true);
      expect(Object.isFrozen(snap.routingRules[0])).to.equal(true);
      expect(Object.isFrozen(snap.routingRules[0]!.spec)).to.equal(true);
      expect(() => {
        (snap as { version: string }).version = 'mutated';
      }).to.throw(TypeError);
      expect(() => {
        (snap.routingRules as unknown as unknown[]).push({});
      }).to.throw(TypeError);
      expect(snap.version).to.equal(before.version);
    });
  });

  it('200 swaps of a ConfigMap set leave the watcher with a stable number of open handles', async function () {
    const dir = await makeTempDir('tokenrouter-cm-');
    const setFor = (i: number): Payload => (i % 3 === 0 ? { ...validPolicyFiles([`swap-${i}`]), 'extra.yaml': extraRulesFile(`x-${i}`) } : validPolicyFiles([`swap-${i}`]));
    await atomicWrite(dir, setFor(-1), { stepDelayMs: 0 });
    const router = await start(dir);
    await sleep(DEBOUNCE_MS * 3);
    const resources = (): string[] => process.getActiveResourcesInfo();
    const fsWatchers = (): number => resources().filter((r) => r === 'FSEventWrap').length;
    const before = resources().length;
    const watchersBefore = fsWatchers();
    expect(watchersBefore, 'the watcher holds at least one fs.watch handle').to.be.greaterThan(0);
    const buildsBefore = router.reloader.builds;

    for (let i = 0; i < 200; i++) {
      const payload = setFor(i);
      await atomicWrite(dir, payload, { stepDelayMs: 0 });
      await router.reloader.reload();
      const want = hashFiles(Object.keys(payload).sort().map((name) => ({ name, text: payload[name]! })));
      if (router.store.current()?.version !== want) throw new Error(`swap ${i}: live version ${router.store.current()?.version}, want ${want}`);
    }
    expect(router.reloader.builds - buildsBefore).to.be.at.least(200);

    // Let the watcher's own debounced reload and its directory re-reads finish.
    await sleep(DEBOUNCE_MS * 4);
    await waitFor(() => Math.abs(resources().length - before) <= 3, 2000, `active resources to settle near ${before}`).catch(() => undefined);
    expect(fsWatchers(), 'fs.watch handles').to.equal(watchersBefore);
    expect(Math.abs(resources().length - before), `active resources: ${before} → ${resources().length} (${resources().join(',')})`).to.be.at.most(3);
    expect(await ruleNames(router)).to.deep.equal([BASE_RULE, 'swap-199']);
    expect(router.store.current()?.version).to.equal((await readPolicySource(dir)).hash);
  });
});
