// Provider keys from the environment (apiKeyEnv) or a mounted secret file
// (apiKeyFile). File contents are cached briefly so a rotated Kubernetes
// Secret is picked up without a restart. Keys are returned, never logged.
import { readFileSync, statSync } from 'node:fs';
import type { ProviderSpec } from '../policy/types.js';
import { awsCredentialsLikely } from '../providers/bedrock/sign.js';

const fileCache = new Map<string, { mtimeMs: number; checkedAt: number; value: string | undefined }>();
const RECHECK_MS = 5_000;

export function providerKey(p: Readonly<ProviderSpec>, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (p.apiKeyFile) {
    const v = readKeyFile(p.apiKeyFile);
    if (v) return v;
  }
  if (p.apiKeyEnv) {
    const v = env[p.apiKeyEnv];
    if (v && v.trim()) return v.trim();
  }
  return undefined;
}

export function hasCredentials(p: Readonly<ProviderSpec>): boolean {
  // Bedrock signs with the AWS chain, which resolves asynchronously: routing asks whether it is likely to succeed.
  if (p.type === 'bedrock') return awsCredentialsLikely();
  return providerKey(p) !== undefined;
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
