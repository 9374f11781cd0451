// The cloud SDKs two provider types need — the AWS credential chain and SigV4
// signer (bedrock), google-auth-library (vertex) — loaded on demand instead of
// at startup: most deployments have neither, and together they kept ≈ 4-5 MB
// resident for nothing (docs/performance-memory.md). upstream/preload-sdks.ts loads them
// when a policy set that can route to such a provider goes live; each user
// (bedrock/sign.ts, upstream/google-token.ts) also awaits its loader, so a
// credential that appears later still works: only that first call then pays
// the load (a few ms).
export interface AwsSdk {
  Sha256: typeof import('@aws-crypto/sha256-js').Sha256;
  defaultProvider: typeof import('@aws-sdk/credential-provider-node').defaultProvider;
  SignatureV4: typeof import('@smithy/signature-v4').SignatureV4;
}

export interface GoogleAuthSdk {
  GoogleAuth: typeof import('google-auth-library').GoogleAuth;
  JWT: typeof import('google-auth-library').JWT;
}

let aws: Promise<AwsSdk> | undefined;
let google: Promise<GoogleAuthSdk> | undefined;

export function loadAwsSdk(): Promise<AwsSdk> {
  aws ??= Promise.all([import('@aws-crypto/sha256-js'), import('@aws-sdk/credential-provider-node'), import('@smithy/signature-v4')]).then(
    ([sha, chain, signer]) => ({ Sha256: sha.Sha256, defaultProvider: chain.defaultProvider, SignatureV4: signer.SignatureV4 }),
    (err) => {
      aws = undefined; // a failed load is tried again by the next call
      throw err;
    },
  );
  return aws;
}

export function loadGoogleAuth(): Promise<GoogleAuthSdk> {
  google ??= import('google-auth-library').then(
    (lib) => ({ GoogleAuth: lib.GoogleAuth, JWT: lib.JWT }),
    (err) => {
      google = undefined;
      throw err;
    },
  );
  return google;
}

/** Which SDKs have been loaded (tests, the memory notes). */
export function cloudSdksLoaded(): { aws: boolean; google: boolean } {
  return { aws: aws !== undefined, google: google !== undefined };
}
