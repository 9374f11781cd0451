// The demo stack (simulators + router over demo/policies) with canary
// secrets: every provider key and the caller's key is a unique string that
// contains CANARY and appears nowhere else, so any trace of it in a log line,
// a response, a metric or an error message is a leak. Every log line the
// router writes, at level trace, is kept in memory.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { DEMO_KEY_ENVS, demoPolicyTemplate } from '../../src/cli/demo-stack.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { startRouter, type RunningRouter } from '../../src/server/start.js';
import { createLogger } from '../../src/telemetry/log.js';
import { createMetrics } from '../../src/telemetry/metrics.js';
import { apiKeysYaml } from '../helpers/router.js';

const nonce = (): string => randomBytes(12).toString('hex');

export const SECRETS = {
  /** The key every simulator requires and the DEMO_* environment carries. */
  provider: `sk-CANARY-PROVIDER-${nonce()}`,
  /** A wrong provider key (one provider is configured with it and gets 401s). */
  wrongProvider: `sk-CANARY-PROVIDER-WRONG-${nonce()}`,
  /** The caller's key, registered in an ApiKeys document as CALLER_NAME. */
  caller: `sk-CANARY-CALLER-${nonce()}`,
  /** A key no ApiKeys entry has. */
  wrongCaller: `sk-CANARY-CALLER-WRONG-${nonce()}`,
} as const;

/** Not containing the word CANARY: the name is what logs may show. */
export const CALLER_NAME = 'team-search';

/** The provider whose environment variable holds the wrong key. */
export const WRONG_KEY_PROVIDER = { name: 'deepseek', env: 'DEMO_DEEPSEEK_KEY', model: 'deepseek-v3' };

export interface CanaryStack {
  sim: Simulator;
  router: RunningRouter;
  /** Every line the router logged, at level trace and up. */
  logs: string[];
  stop(): Promise<void>;
}

export async function startCanaryStack(): Promise<CanaryStack> {
  const savedEnv = Object.fromEntries(DEMO_KEY_ENVS.map((e) => [e, process.env[e]]));
  const sim = await startSimulator({ port: 0, requireKey: SECRETS.provider });
  for (const env of DEMO_KEY_ENVS) process.env[env] = SECRETS.provider;
  process.env[WRONG_KEY_PROVIDER.env] = SECRETS.wrongProvider;
  const policyDir = await mkdtemp(path.join(os.tmpdir(), 'tokenrouter-secrets-'));
  const template = demoPolicyTemplate();
  for (const name of await readdir(template)) {
    await writeFile(path.join(policyDir, name), (await readFile(path.join(template, name), 'utf8')).replaceAll('SIM_URL', sim.url));
  }
  await writeFile(path.join(policyDir, 'api-keys.yaml'), apiKeysYaml([{ name: CALLER_NAME, key: SECRETS.caller }]));
  const logs: string[] = [];
  const restoreEnv = (): void => {
    for (const [k, v] of Object.entries(savedEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  let router: RunningRouter;
  try {
    router = await startRouter({
      policies: policyDir,
      port: 0,
      host: '127.0.0.1',
      logger: createLogger({ level: 'trace', destination: lineSink(logs) }),
      metrics: createMetrics(),
      resyncMs: 0,
      drainMs: 2_000,
    });
  } catch (err) {
    await sim.close();
    restoreEnv();
    throw err;
  }
  let stopping: Promise<void> | undefined;
  return {
    sim,
    router,
    logs,
    stop() {
      stopping ??= (async () => {
        await router.stop();
        await sim.close();
        await rm(policyDir, { recursive: true, force: true });
        restoreEnv();
      })();
      return stopping;
    },
  };
}

function lineSink(into: string[]): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) into.push(line);
      done();
    },
  });
}
