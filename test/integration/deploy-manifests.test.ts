// The container and Kubernetes artefacts reference things that must exist:
// deploy/kubernetes/*.yaml parse (multi-document), the ConfigMap carries the
// shipped policies (and their PolicyTest suites) unchanged and they pass
// `validate` and `test`, every volume / Secret / ConfigMap / port a manifest
// names is defined, the policies are mounted as a directory (never subPath),
// the files the Dockerfile COPYs exist, and the container's start command
// serves outside a container (same args, 127.0.0.1 and a free port, /readyz).
// UPDATE_FIXTURES=1 regenerates the ConfigMap from policies/.
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { loadPolicyDirectory } from '../../src/policy/load.js';
import { REPO_ROOT, SHIPPED_POLICIES, UPDATE_FIXTURES } from '../helpers/paths.js';

const K8S = path.join(REPO_ROOT, 'deploy', 'kubernetes');
const CONFIGMAP = path.join(K8S, 'policies-configmap.yaml');
const CLI = path.join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

type Doc = Record<string, any>;

function manifests(): { file: string; doc: Doc }[] {
  return readdirSync(K8S)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .flatMap((file) =>
      parseAllDocuments(readFileSync(path.join(K8S, file), 'utf8')).map((d) => {
        expect(d.errors.map(String), file).to.deep.equal([]);
        return { file, doc: d.toJS() as Doc };
      }),
    );
}

/** What the ConfigMap must carry: policies/*.yaml, and policies/tests/*.yaml as tests-*.yaml (a ConfigMap is flat). */
function shippedData(): Record<string, string> {
  const data: Record<string, string> = {};
  const yamls = (dir: string): string[] => readdirSync(dir).filter((n) => /\.ya?ml$/.test(n)).sort();
  for (const f of yamls(SHIPPED_POLICIES)) data[f] = readFileSync(path.join(SHIPPED_POLICIES, f), 'utf8');
  for (const f of yamls(path.join(SHIPPED_POLICIES, 'tests'))) data[`tests-${f}`] = readFileSync(path.join(SHIPPED_POLICIES, 'tests', f), 'utf8');
  return data;
}

function byKind(kind: string): Doc[] {
  return manifests().filter((m) => m.doc.kind === kind).map((m) => m.doc);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** The Dockerfile's instructions, continuation lines joined. */
function dockerfile(): { op: string; args: string }[] {
  const text = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  return text
    .split('\n')
    .filter((l) => l.trim() && !l.trim().startsWith('#'))
    .map((l) => {
      const m = /^\s*(\w+)\s+(.*)$/.exec(l)!;
      return { op: m[1]!.toUpperCase(), args: m[2]!.trim() };
    });
}

describe('deploy manifests (deploy/kubernetes, Dockerfile)', function () {
  this.timeout(60_000);

  it('the ConfigMap carries the shipped policies and their tests, unchanged', () => {
    const want = shippedData();
    if (UPDATE_FIXTURES) {
      const head = readFileSync(CONFIGMAP, 'utf8').split('\n').filter((l) => l.startsWith('#')).join('\n') + '\n';
      const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'tokenrouter-policies', labels: { 'app.kubernetes.io/name': 'tokenrouter' } }, data: want };
      writeFileSync(CONFIGMAP, head + stringify(cm, { lineWidth: 0 }));
    }
    const [cm] = byKind('ConfigMap');
    expect(cm?.data).to.deep.equal(want);
  });

  it('the ConfigMap policies pass `validate` and `test`', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tr-cm-'));
    try {
      for (const [name, text] of Object.entries(byKind('ConfigMap')[0]!.data as Record<string, string>)) writeFileSync(path.join(dir, name), text);
      const loaded = await loadPolicyDirectory(dir);
      expect(loaded.ok ? [] : loaded.problems).to.deep.equal([]);
      const validate = spawnSync(process.execPath, [CLI, 'validate', dir], { encoding: 'utf8' });
      expect(validate.status, validate.stdout + validate.stderr).to.equal(0);
      const test = spawnSync(process.execPath, [CLI, 'test', dir], { encoding: 'utf8' });
      expect(test.status, test.stdout + test.stderr).to.equal(0);
      expect(test.stdout).to.match(/[1-9]\d* passed, 0 failed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the sidecar references only volumes, ConfigMaps, Secrets and ports that exist; policies mounted as a directory', () => {
    const [deploy] = byKind('Deployment');
    const pod = deploy!.spec.template.spec;
    const volumes = new Map<string, Doc>(pod.volumes.map((v: Doc) => [v.name, v]));
    const configMaps = new Set(byKind('ConfigMap').map((c) => c.metadata.name));
    const secrets = new Map(byKind('Secret').map((s) => [s.metadata.name, s]));
    for (const v of volumes.values()) {
      if (v.configMap) expect(configMaps, `volume ${v.name}`).to.include(v.configMap.name);
      if (v.secret) expect([...secrets.keys()], `volume ${v.name}`).to.include(v.secret.secretName);
    }
    for (const [k, v] of Object.entries(deploy!.spec.selector.matchLabels)) expect(deploy!.spec.template.metadata.labels[k]).to.equal(v);

    const router = pod.containers.find((c: Doc) => c.name === 'tokenrouter');
    const app = pod.containers.find((c: Doc) => c.name === 'app');
    expect(app.env.find((e: Doc) => e.name === 'OPENAI_BASE_URL').value).to.equal('http://127.0.0.1:8080/v1');
    for (const m of router.volumeMounts) {
      expect(volumes.has(m.name), `mount ${m.name}`).to.equal(true);
      expect(m.subPath, 'a subPath mount never sees ConfigMap updates').to.equal(undefined);
    }
    const policyDir = router.env.find((e: Doc) => e.name === 'TOKENROUTER_POLICIES').value;
    const policyMount = router.volumeMounts.find((m: Doc) => m.mountPath === policyDir);
    expect(volumes.get(policyMount.name)!.configMap, 'TOKENROUTER_POLICIES is the ConfigMap mount').to.not.equal(undefined);
    for (const ref of router.envFrom) expect([...secrets.keys()]).to.include(ref.secretRef.name);

    // Every key in the Secret is a provider key some Provider of the ConfigMap reads.
    const providerText = (byKind('ConfigMap')[0]!.data as Record<string, string>)['providers.yaml']!;
    const envNames = new Set(parseAllDocuments(providerText).flatMap((d) => (d.toJS().spec?.providers ?? []).map((p: Doc) => p.apiKeyEnv)));
    for (const s of secrets.values()) for (const k of Object.keys(s.stringData ?? s.data ?? {})) expect([...envNames], `Secret key ${k}`).to.include(k);

    // Probes: readiness on /readyz, liveness on /healthz, against the loopback port the router listens on.
    // probes and the scrape go to the probe-only listener on the pod IP
    expect(router.readinessProbe.httpGet).to.deep.equal({ path: '/readyz', port: 'probes' });
    expect(router.livenessProbe.httpGet).to.deep.equal({ path: '/healthz', port: 'probes' });
    expect(router.ports.find((p: Doc) => p.name === 'probes').containerPort).to.equal(Number(router.env.find((e: Doc) => e.name === 'TOKENROUTER_PROBE_PORT').value));
    expect(router.args).to.include.members(['--host', '127.0.0.1']);
    expect(router.resources.requests).to.have.keys('cpu', 'memory');

    // Scraping: annotations and the PodMonitor name the router's port and select this pod.
    const ann = deploy!.spec.template.metadata.annotations;
    expect(ann['prometheus.io/port']).to.equal(String(router.ports.find((p: Doc) => p.name === 'probes').containerPort));
    const [pm] = byKind('PodMonitor');
    for (const [k, v] of Object.entries(pm!.spec.selector.matchLabels)) expect(deploy!.spec.template.metadata.labels[k]).to.equal(v);
    expect(router.ports.map((p: Doc) => p.name)).to.include(pm!.spec.podMetricsEndpoints[0].port);
  });

  it('the files the Dockerfile COPYs from the build context exist, and it runs as non-root', () => {
    const ops = dockerfile();
    const copies = ops.filter((o) => o.op === 'COPY' && !o.args.startsWith('--from'));
    expect(copies.length).to.be.greaterThan(0);
    for (const c of copies) {
      const parts = c.args.split(/\s+/);
      for (const src of parts.slice(0, -1)) expect(existsSync(path.join(REPO_ROOT, src)), `COPY ${src}`).to.equal(true);
    }
    const users = ops.filter((o) => o.op === 'USER');
    expect(users.at(-1)?.args).to.not.match(/^(root|0)$/);
    expect(ops.some((o) => o.op === 'HEALTHCHECK' && o.args.includes('/healthz'))).to.equal(true);
    expect(ops.find((o) => o.op === 'ENV' && o.args.includes('TOKENROUTER_POLICIES=/etc/tokenrouter/policies'))).to.not.equal(undefined);
    // The runtime stage installs production dependencies only.
    expect(ops.some((o) => o.op === 'RUN' && /npm ci --omit=dev/.test(o.args))).to.equal(true);
    // What .dockerignore drops must not be something the Dockerfile COPYs from the context.
    const ignored = readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#'));
    for (const c of copies) for (const src of c.args.split(/\s+/).slice(0, -1)) expect(ignored, `COPY ${src}`).to.not.include(src);
  });

  it("the container's start command serves outside a container (127.0.0.1, a free port)", async () => {
    const cmd = JSON.parse(dockerfile().filter((o) => o.op === 'CMD').at(-1)!.args) as string[];
    expect(cmd.slice(0, 3)).to.deep.equal(['node', 'dist/src/cli/main.js', 'serve']);
    const router = byKind('Deployment')[0]!.spec.template.spec.containers.find((c: Doc) => c.name === 'tokenrouter');
    expect(router.args.slice(0, 3), 'the sidecar runs the image command').to.deep.equal(cmd.slice(0, 3));
    const port = await freePort();
    const probePort = await freePort();
    const args = cmd.slice(1).map((a) => (a === '0.0.0.0' ? '127.0.0.1' : a));
    const child = spawn(process.execPath, [...args, '--port', String(port)], {
      cwd: REPO_ROOT,
      env: { ...process.env, TOKENROUTER_POLICIES: SHIPPED_POLICIES, TOKENROUTER_LOG_LEVEL: 'silent', TOKENROUTER_PROBE_PORT: String(probePort) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    try {
      const deadline = Date.now() + 30_000;
      let status = 0;
      while (Date.now() < deadline) {
        status = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status, () => 0);
        if (status === 200 || child.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(status, `the router did not become ready: ${stderr}`).to.equal(200);
      // The probe listener (sidecar: the pod IP's port) serves probes and metrics, and no API route.
      expect((await fetch(`http://127.0.0.1:${probePort}/readyz`)).status).to.equal(200);
      const metrics = await fetch(`http://127.0.0.1:${probePort}/metrics`);
      expect(metrics.status).to.equal(200);
      expect(await metrics.text()).to.contain('tokenrouter_policy_info');
      expect((await fetch(`http://127.0.0.1:${probePort}/v1/policies`)).status).to.equal(404);
      // SIGTERM is handled by node itself: the process drains and exits 0.
      const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      expect(await exit).to.equal(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
