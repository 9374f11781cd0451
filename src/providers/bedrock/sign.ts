// AWS Signature V4 for Bedrock calls, with @smithy/signature-v4 (the signer the AWS SDK uses).
// Credentials come from the standard chain (@aws-sdk/credential-provider-node: environment,
// shared config/credentials files, web identity / IRSA, container and instance roles),
// resolved once and again shortly before they expire. Signing is the only asynchronous
// step of a Bedrock call; the adapter's buildRequest stays pure and this runs after it.
// The SDK pieces load on demand (../cloud-sdks.ts): normally as the policy set goes live.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ProviderSpec } from '../../policy/types.js';
import type { UpstreamRequest } from '../types.js';
import { loadAwsSdk } from '../cloud-sdks.js';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** Refresh this long before the expiry AWS gave, so no call is signed with a key that dies in flight. */
const REFRESH_BEFORE_MS = 5 * 60_000;

let cached: { creds: AwsCredentials; envKey: string | undefined } | undefined;
let pending: Promise<AwsCredentials> | undefined;

/** The chain's credentials, cached; re-resolved near expiry or when the environment's key changed. */
export async function awsCredentials(): Promise<AwsCredentials> {
  const envKey = process.env.AWS_ACCESS_KEY_ID;
  const fresh = cached && cached.envKey === envKey && (!cached.creds.expiration || cached.creds.expiration.getTime() - Date.now() > REFRESH_BEFORE_MS);
  if (fresh) return cached!.creds;
  pending ??= (async () => {
    try {
      // A new chain each time: the SDK's chain memoizes, and an expired or changed credential must be read again.
      const { defaultProvider } = await loadAwsSdk();
      const chain = defaultProvider() as () => Promise<AwsCredentials>;
      const creds = await chain();
      cached = { creds, envKey };
      return creds;
    } finally {
      pending = undefined;
    }
  })();
  return pending;
}

/** Forget the cached credentials (tests; a refused signature may mean they were rotated). */
export function resetAwsCredentials(): void {
  cached = undefined;
}

/**
 * Whether the chain is likely to find credentials, without asking it (routing asks synchronously,
 * per request): static keys, a web identity token, a profile or shared files, a container role.
 * An EC2 instance role (IMDS) is not detectable this way: docs/providers.md#bedrock says to set AWS_PROFILE or use IRSA.
 */
export function awsCredentialsLikely(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) return true;
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE && env.AWS_ROLE_ARN) return true;
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) return true;
  if (env.AWS_PROFILE) return true;
  const home = env.HOME ?? homedir();
  return existsSync(env.AWS_SHARED_CREDENTIALS_FILE ?? join(home, '.aws', 'credentials')) || existsSync(env.AWS_CONFIG_FILE ?? join(home, '.aws', 'config'));
}

/** The request with its SigV4 headers (authorization, x-amz-date, x-amz-content-sha256, x-amz-security-token). */
export async function signBedrockRequest(upstream: UpstreamRequest, provider: Readonly<ProviderSpec>): Promise<UpstreamRequest> {
  const creds = await awsCredentials();
  const { SignatureV4, Sha256 } = await loadAwsSdk();
  const url = new URL(upstream.url);
  const signer = new SignatureV4({
    service: 'bedrock',
    region: provider.region ?? 'us-east-1',
    credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, ...(creds.sessionToken ? { sessionToken: creds.sessionToken } : {}) },
    sha256: Sha256,
  });
  const query: Record<string, string> = {};
  url.searchParams.forEach((v, k) => (query[k] = v));
  const signed = await signer.sign({
    method: upstream.method,
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname,
    query,
    headers: { ...upstream.headers, host: url.host },
    body: upstream.body,
  });
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers)) if (k.toLowerCase() !== 'host') headers[k.toLowerCase()] = String(v);
  return { ...upstream, headers };
}
