// Simulators + router wired together with the demo policy set (demo/policies,
// SIM_URL replaced by the simulator's address), in a temp directory. Used by
// `npm run demo` and by the end-to-end tests, so both exercise the same stack.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { demoServiceAccount } from './demo-vertex.js';
import { startSimulator, type SimScript, type Simulator, type SimulatorOptions } from '../simulator/index.js';
import { startRouter, type RunningRouter } from '../server/start.js';
import { silentLogger, type Logger } from '../telemetry/log.js';
import { createMetrics } from '../telemetry/metrics.js';

/**
 * The AWS credentials the demo's Bedrock simulator verifies signatures with (built at run time: a
 * placeholder pair, not a key shape). `npm run demo` exports them so the router's credential chain
 * finds them; a test that wants Bedrock signing sets its own pair (opts.aws) and environment.
 */
export const DEMO_AWS = Object.freeze({ accessKeyId: ['DEMO', 'ACCESS', 'KEY', 'ID'].join(''), secretAccessKey: ['demo', 'secret', 'access', 'key'].join('-') });

export const DEMO_KEY_ENVS = ['DEMO_OPENAI_KEY', 'DEMO_ANTHROPIC_KEY', 'DEMO_GEMINI_KEY', 'DEMO_MISTRAL_KEY', 'DEMO_DEEPSEEK_KEY', 'DEMO_LLAMA_KEY', 'DEMO_AZURE_KEY'];
export const DEMO_PROVIDER_KEY = 'sim-provider-key';

export interface DemoStack {
  sim: Simulator;
  router: RunningRouter;
  policyDir: string;
  /** The Vertex service-account key file the router uses (token_uri = the simulator's /vertex/token). */
  vertexCredentials: string;
  stop(): Promise<void>;
}

export function demoPolicyTemplate(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'demo', 'policies');
    if (existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error('demo/policies not found');
}

export interface DemoStackOptions {
  script?: SimScript;
  logger?: Logger;
  /** More policy files (name → YAML), SIM_URL replaced as in demo/policies. */
  extraFiles?: Record<string, string>;
  port?: number;
  /**
   * More simulator options: azureToken (the Entra ID token the /azure routes accept); aws (the
   * credentials the Bedrock routes verify SigV4 signatures with — the router signs with whatever the
   * AWS chain finds: tests put the same pair in the environment); vertexTokenLifetimeS (how long the
   * /vertex token endpoint's access tokens live).
   */
  sim?: Pick<SimulatorOptions, 'azureToken' | 'aws'> & { vertexTokenLifetimeS?: number };
  /** Shorthand for sim.aws. */
  aws?: { accessKeyId: string; secretAccessKey: string };
}

export async function startDemoStack(opts: DemoStackOptions = {}): Promise<DemoStack> {
  // A Vertex service account made for this run (never a committed private key): the simulator gets
  // its public key to verify assertions, the router its key file (written below, token_uri = the simulator).
  const vertexSa = demoServiceAccount();
  const { vertexTokenLifetimeS, ...simOpts } = opts.sim ?? {};
  const vertex = { serviceAccount: { clientEmail: vertexSa.clientEmail, publicKeyPem: vertexSa.publicKeyPem }, ...(vertexTokenLifetimeS !== undefined ? { tokenLifetimeS: vertexTokenLifetimeS } : {}) };
  const sim = await startSimulator({ port: 0, requireKey: DEMO_PROVIDER_KEY, ...simOpts, aws: opts.aws ?? opts.sim?.aws ?? DEMO_AWS, vertex, ...(opts.script ? { script: opts.script } : {}) });
  for (const env of DEMO_KEY_ENVS) process.env[env] = DEMO_PROVIDER_KEY;
  const policyDir = await mkdtemp(path.join(os.tmpdir(), 'tokenrouter-demo-'));
  // Outside the policy directory's YAML (the router reads every file there): a sibling temp dir.
  const secretsDir = await mkdtemp(path.join(os.tmpdir(), 'tokenrouter-demo-secrets-'));
  const vertexCredentials = path.join(secretsDir, 'vertex-service-account.json');
  await writeFile(vertexCredentials, JSON.stringify(vertexSa.keyFile(`${sim.url}/vertex/token`)), { mode: 0o600 });
  const fill = (text: string): string => text.replaceAll('SIM_URL', sim.url).replaceAll('VERTEX_CREDENTIALS', vertexCredentials);
  const template = demoPolicyTemplate();
  for (const name of await readdir(template)) {
    const text = await readFile(path.join(template, name), 'utf8');
    await writeFile(path.join(policyDir, name), fill(text));
  }
  // Extra files name the simulator as the demo's do (SIM_URL), since its address is known only now.
  for (const [name, text] of Object.entries(opts.extraFiles ?? {})) await writeFile(path.join(policyDir, name), fill(text));
  let router: RunningRouter;
  try {
    router = await startRouter({
      policies: policyDir,
      port: opts.port ?? 0,
      host: '127.0.0.1',
      logger: opts.logger ?? silentLogger(),
      metrics: createMetrics({ defaultMetrics: false }),
      resyncMs: 0,
    });
  } catch (err) {
    await sim.close();
    await rm(secretsDir, { recursive: true, force: true });
    throw err;
  }
  return {
    sim,
    router,
    policyDir,
    vertexCredentials,
    async stop() {
      await router.stop();
      await sim.close();
      await rm(policyDir, { recursive: true, force: true });
      await rm(secretsDir, { recursive: true, force: true });
    },
  };
}
