// Starts a real TokenRouter (the same composition root `tokenrouter serve`
// uses) on an ephemeral loopback port, against a throw-away copy of the
// shipped policies. Options let a test add an ApiKeys document, edit the
// Settings document, or drop in extra policy files.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRouter, type RunningRouter, type StartOptions } from '../../src/server/start.js';
import { silentLogger } from '../../src/telemetry/log.js';
import { createMetrics } from '../../src/telemetry/metrics.js';
import type { SettingsSpec } from '../../src/policy/types.js';

/** The repository root (this file compiles to dist/test/helpers/router.js). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const SHIPPED_POLICIES = path.join(REPO_ROOT, 'policies');

export interface TestKey {
  name: string;
  /** The key text a client sends; stored as its SHA-256 hex. */
  key: string;
  enabled?: boolean;
}

export interface PolicyDirOptions {
  /** Adds an `api-keys.yaml` ApiKeys document with these keys. */
  apiKeys?: TestKey[];
  /** Merged into the spec of the shipped settings.yaml. */
  settings?: Partial<SettingsSpec>;
  /** Extra files (name → YAML text) written next to the shipped ones. */
  files?: Record<string, string>;
}

export interface PolicyDir {
  dir: string;
  cleanup(): Promise<void>;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function apiKeysYaml(keys: readonly TestKey[]): string {
  const items = keys
    .map((k) => `    - name: ${k.name}\n      sha256: "${sha256Hex(k.key)}"${k.enabled === undefined ? '' : `\n      enabled: ${k.enabled}`}`)
    .join('\n');
  return `apiVersion: tokenrouter/v1\nkind: ApiKeys\nmetadata:\n  name: test-keys\nspec:\n  keys:\n${items}\n`;
}

export function settingsYaml(spec: Partial<SettingsSpec>): string {
  const lines = Object.entries(spec).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`);
  return `apiVersion: tokenrouter/v1\nkind: Settings\nmetadata:\n  name: settings\nspec:\n${lines.join('\n')}\n`;
}

/** Copies policies/*.yaml into a fresh temp directory and applies the options. */
export async function makePolicyDir(opts: PolicyDirOptions = {}): Promise<PolicyDir> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tokenrouter-test-'));
  for (const name of await fs.readdir(SHIPPED_POLICIES)) {
    if (/\.ya?ml$/.test(name)) await fs.copyFile(path.join(SHIPPED_POLICIES, name), path.join(dir, name));
  }
  if (opts.settings) {
    const base = { defaultMode: 'balance', allowAnonymous: false, maxBodyBytes: 20 * 1024 * 1024 };
    await fs.writeFile(path.join(dir, 'settings.yaml'), settingsYaml({ ...base, ...opts.settings } as Partial<SettingsSpec>));
  }
  if (opts.apiKeys) await fs.writeFile(path.join(dir, 'api-keys.yaml'), apiKeysYaml(opts.apiKeys));
  for (const [name, text] of Object.entries(opts.files ?? {})) await fs.writeFile(path.join(dir, name), text);
  return { dir, cleanup: () => fs.rm(dir, { recursive: true, force: true }) };
}

export interface TestRouterOptions extends PolicyDirOptions {
  host?: string;
  /** Collect prom-client's process/runtime metrics too (off by default: it is slow and global-ish). */
  defaultMetrics?: boolean;
  /** Extra startRouter options (e.g. drainMs). */
  start?: Partial<StartOptions>;
}

export interface TestRouter {
  router: RunningRouter;
  dir: string;
  /** Base URL, e.g. http://127.0.0.1:40123 */
  url: string;
  cleanup(): Promise<void>;
}

export async function startTestRouter(opts: TestRouterOptions = {}): Promise<TestRouter> {
  const { dir, cleanup: removeDir } = await makePolicyDir(opts);
  let router: RunningRouter;
  try {
    router = await startRouter({
      policies: dir,
      port: 0,
      host: opts.host ?? '127.0.0.1',
      logger: silentLogger(),
      metrics: createMetrics({ defaultMetrics: opts.defaultMetrics ?? false }),
      resyncMs: 0,
      drainMs: 2_000,
      ...opts.start,
    });
  } catch (err) {
    await removeDir();
    throw err;
  }
  let cleaned = false;
  return {
    router,
    dir,
    url: router.url,
    async cleanup() {
      if (cleaned) return;
      cleaned = true;
      try {
        await router.stop();
      } finally {
        await removeDir();
      }
    },
  };
}
