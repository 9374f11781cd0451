// Provider keys from the environment (apiKeyEnv, one or a list: a key pool) or a mounted secret file
// (apiKeyFile). File contents are cached briefly so a rotated Kubernetes
// Secret is picked up without a restart. Keys are returned, never logged.
// An azure-openai provider may hold an Entra ID bearer token in tokenFile
// instead (token-file.ts: re-read as soon as the file changes).
import { readFileSync, statSync } from 'node:fs';
import type { ProviderSpec } from '../policy/types.js';
import { currentGoogleToken, hasGoogleCredentials } from './google-token.js';
import { readTokenFile } from './token-file.js';
import { awsCredentialsLikely } from '../providers/bedrock/sign.js';
import { envGeneration } from './env-generation.js';

const fileCache = new Map<string, { mtimeMs: number; checkedAt: number; value: string | undefined }>();
const RECHECK_MS = 5_000;

/** One key of a provider: its position in the pool and the env var it came from (labels for logs and metrics; never the value). */
export interface PoolKey {
  index: number;
  /** The env var name, or undefined for apiKeyFile. */
  env: string | undefined;
  value: string;
}

/** The first key (a pool's first configured key): for callers that need one key, not a pool. */
export function providerKey(p: Readonly<ProviderSpec>, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return providerKeys(p, env)[0]?.value;
}

/**
 * Every key of the provider: an azure-openai tokenFile's current token, else apiKeyFile alone when
 * it has one (as before pools), else each set variable of apiKeyEnv (a string or a list: a key
 * pool). The index is the position in apiKeyEnv, so it stays stable when one is unset.
 */
export function providerKeys(p: Readonly<ProviderSpec>, env: NodeJS.ProcessEnv = process.env): PoolKey[] {
  if (p.type === 'vertex') {
    // The Google access token the attempt loop refreshed just before (google-token.ts).
    const token = currentGoogleToken(p);
    return token ? [{ index: 0, env: undefined, value: token }] : [];
  }
  if (p.tokenFile) {
    const token = readTokenFile(p.tokenFile);
    return token ? [{ index: 0, env: undefined, value: token }] : [];
  }
  if (p.apiKeyFile) {
    const v = readKeyFile(p.apiKeyFile);
    if (v) return [{ index: 0, env: undefined, value: v }];
  }
  // Routing asks for every provider on every request: process.env's keys are kept until it is written (env-generation.ts).
  const generation = envGeneration();
  if (env !== process.env) return envKeys(p, env);
  const cached = envKeyCache.get(p);
  if (cached && cached.generation === generation) return cached.keys as PoolKey[];
  const keys = Object.freeze(envKeys(p, env));
  envKeyCache.set(p, { generation, keys });
  return keys as PoolKey[];
}

/** Each provider's keys from process.env, with the generation they were read at (frozen: callers share them). */
const envKeyCache = new WeakMap<Readonly<ProviderSpec>, { generation: number; keys: readonly PoolKey[] }>();

function envKeys(p: Readonly<ProviderSpec>, env: NodeJS.ProcessEnv): PoolKey[] {
  const names = keyEnvNames(p);
  const out: PoolKey[] = [];
  for (const [index, name] of names.entries()) {
    const v = env[name];
    if (v && v.trim()) out.push(Object.freeze({ index, env: name, value: v.trim() }));
  }
  return out;
}

export function keyEnvNames(p: Readonly<ProviderSpec>): readonly string[] {
  return p.apiKeyEnv === undefined ? [] : typeof p.apiKeyEnv === 'string' ? [p.apiKeyEnv] : p.apiKeyEnv;
}

export function hasCredentials(p: Readonly<ProviderSpec>): boolean {
  // Bedrock signs with the AWS chain, which resolves asynchronously: routing asks whether it is likely to succeed.
  if (p.type === 'bedrock') return probed(awsChainKey(), () => awsCredentialsLikely());
  // A vertex token is obtained at dispatch; routing needs only to know a source is there.
  if (p.type === 'vertex') return probed(`vertex:${googleCredentialsSource(p)}`, () => hasGoogleCredentials(p));
  return providerKey(p) !== undefined;
}

/**
 * Bedrock's and Vertex's credential checks look at files (the AWS shared files, a service-account
 * key): routing asks on every request, so each answer is kept for RECHECK_MS, like key files —
 * a mounted or rotated credential is seen within seconds, without a filesystem call per request.
 */
const probes = new Map<string, { at: number; has: boolean }>();
/** What the AWS chain reads from the environment: a change of any of them is a new probe at once. */
const AWS_CHAIN_ENV = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ROLE_ARN', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_PROFILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_CONFIG_FILE', 'HOME'];
/** The AWS chain's environment as a probe key, rebuilt only after process.env was written (10 reads otherwise per request). */
let awsChain: { generation: number; key: string } | undefined;
function awsChainKey(): string {
  const generation = envGeneration();
  if (awsChain?.generation !== generation) {
    awsChain = { generation, key: `aws:${AWS_CHAIN_ENV.map((k) => (k === 'AWS_SECRET_ACCESS_KEY' ? String(Boolean(process.env[k])) : (process.env[k] ?? ''))).join('\u001f')}` };
  }
  return awsChain.key;
}

function probed(key: string, check: () => boolean): boolean {
  const now = Date.now();
  const last = probes.get(key);
  if (last && now - last.at < RECHECK_MS) return last.has;
  const has = check();
  probes.set(key, { at: now, has });
  return has;
}

function googleCredentialsSource(p: Readonly<ProviderSpec>): string {
  return p.credentialsFile ?? process.env.GOOGLE_APPLICATION_CREDENTIALS ?? '';
}

function readKeyFile(file: string): string | undefined {
  const now = Date.now();
  const cached = fileCache.get(file);
  if (cached && now - cached.checkedAt < RECHECK_MS) return cached.value;
  try {
    const st = statSync(file);
    if (cached && cached.mtimeMs === st.mtimeMs) {
      cached.checkedAt = now;
      return cached.value;
    }
    const value = readFileSync(file, 'utf8').trim() || undefined;
    fileCache.set(file, { mtimeMs: st.mtimeMs, checkedAt: now, value });
    return value;
  } catch {
    fileCache.set(file, { mtimeMs: -1, checkedAt: now, value: undefined });
    return undefined;
  }
}
