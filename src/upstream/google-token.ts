// Google OAuth access tokens for vertex providers, from google-auth-library (never hand-rolled):
//   - credentialsFile (else GOOGLE_APPLICATION_CREDENTIALS): a service-account JSON key. The
//     library's JWT client signs the RS256 assertion with the key's private_key and trades it for an
//     access token. google-auth-library 10 always posts to https://oauth2.googleapis.com/token with
//     that audience, whatever the file says; the issue wants the file's token_uri honoured (a private
//     endpoint, or the simulator), so the assertion's aud is set to token_uri (additionalClaims) and
//     the client's own HTTP transport sends the token request to token_uri.
//   - neither: workload identity — the library's Application Default Credentials (GKE metadata
//     server, external-account files). Not exercised offline.
// The library caches the token and refreshes it ahead of expiry (eagerRefreshThresholdMillis, 5 min
// by default). Dispatch is synchronous in building requests (ProviderAdapter.buildRequest takes the
// key as a string), so the attempt loop awaits `refreshGoogleToken` before it builds a vertex
// request, and providerKeys (credentials.ts) reads the current token synchronously.
// The library loads on demand (../providers/cloud-sdks.ts): normally as the policy set goes live.
import { readFileSync, statSync } from 'node:fs';
import type { AuthClient, JWT } from 'google-auth-library';
import type { ProviderSpec } from '../policy/types.js';
import { loadGoogleAuth, type GoogleAuthSdk } from '../providers/cloud-sdks.js';

const SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
const LIBRARY_TOKEN_URL = 'https://oauth2.googleapis.com/token';

interface Source {
  /** What the client was built from (the file and its mtime): a rotated key file builds a new client. */
  stamp: string;
  client: AuthClient | JWT;
  token: string | undefined;
}

const sources = new Map<string, Source>();

/** The service-account file a provider uses, if any. */
export function googleCredentialsFile(p: Readonly<ProviderSpec>, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return p.credentialsFile ?? (env.GOOGLE_APPLICATION_CREDENTIALS || undefined);
}

/**
 * Whether routing may count on credentials: a readable key file, or (no file configured) workload
 * identity, which can only be known by asking — the attempt then fails over if there is none.
 */
export function hasGoogleCredentials(p: Readonly<ProviderSpec>): boolean {
  const file = googleCredentialsFile(p);
  if (file === undefined) return true;
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The token last obtained for this provider (undefined before the first refresh or after a failure). */
export function currentGoogleToken(p: Readonly<ProviderSpec>): string | undefined {
  return sources.get(p.name)?.token;
}

/**
 * Makes the provider's current token valid for the next request: the library answers from its cache
 * and goes to token_uri only when the token is missing or within its refresh margin of expiry.
 * Throws when no token can be had (bad key, refused assertion, no workload identity).
 */
export async function refreshGoogleToken(p: Readonly<ProviderSpec>): Promise<string> {
  const source = sourceFor(p, await loadGoogleAuth());
  try {
    const { token } = await source.client.getAccessToken();
    if (!token) throw new Error('no access token');
    source.token = token;
    return token;
  } catch (err) {
    source.token = undefined;
    throw err;
  }
}

/** After the upstream refused the token (401): drop it, so the next request gets a fresh one. */
export function forgetGoogleToken(p: Readonly<ProviderSpec>): void {
  const s = sources.get(p.name);
  if (!s) return;
  s.token = undefined;
  s.client.credentials = {};
}

function sourceFor(p: Readonly<ProviderSpec>, lib: GoogleAuthSdk): Source {
  const file = googleCredentialsFile(p);
  let stamp = 'adc';
  if (file !== undefined) {
    const st = statSync(file); // throws: no credentials
    stamp = `${file}:${st.mtimeMs}:${st.size}`;
  }
  const cached = sources.get(p.name);
  if (cached && cached.stamp === stamp) return cached;
  const client = file !== undefined ? serviceAccountClient(lib, file) : adcClient(lib);
  const source: Source = { stamp, client, token: undefined };
  sources.set(p.name, source);
  return source;
}

function adcClient({ GoogleAuth }: GoogleAuthSdk): AuthClient {
  // Application Default Credentials, resolved lazily by GoogleAuth on the first getAccessToken.
  const auth = new GoogleAuth({ scopes: [SCOPE] });
  return { getAccessToken: async () => ({ token: await auth.getAccessToken() }), credentials: {} } as unknown as AuthClient;
}

interface ServiceAccountKey {
  type?: string;
  client_email?: string;
  private_key?: string;
  private_key_id?: string;
  token_uri?: string;
}

function serviceAccountClient({ JWT }: GoogleAuthSdk, file: string): JWT {
  const key = JSON.parse(readFileSync(file, 'utf8')) as ServiceAccountKey;
  if (key.type !== 'service_account' || !key.client_email || !key.private_key) {
    throw new Error(`${file}: not a service-account key (type "service_account" with client_email and private_key)`);
  }
  const tokenUri = key.token_uri ?? LIBRARY_TOKEN_URL;
  const client = new JWT({
    email: key.client_email,
    key: key.private_key,
    ...(key.private_key_id ? { keyId: key.private_key_id } : {}),
    scopes: [SCOPE],
    additionalClaims: { aud: tokenUri },
  });
  if (tokenUri !== LIBRARY_TOKEN_URL) {
    // The library's token request goes to token_uri instead (see the header comment).
    client.transporter.interceptors.request.add({
      resolved: async (opts) => {
        if (String(opts.url) === LIBRARY_TOKEN_URL) opts.url = new URL(tokenUri);
        return opts;
      },
    });
  }
  return client;
}
