// SigV4 verification for the Bedrock routes, with `aws4` — an implementation independent of the
// router's signer (@smithy/signature-v4), so a signing bug on either side shows as a refusal.
// The signature is recomputed from the request as received, over exactly the headers the
// Authorization header says were signed, with the simulator's known credentials; anything that
// differs is refused as AWS refuses it (403 with x-amzn-errortype).
import aws4 from 'aws4';
import { createHash } from 'node:crypto';
import { bedrockError, type NativeError } from './errors.js';

export interface AwsTestCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** AWS's allowed clock skew between the signer and the service. */
const MAX_SKEW_MS = 15 * 60_000;

const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

export function verifySigV4(
  req: { method: string; path: string; headers: Record<string, string>; body: string },
  creds: AwsTestCredentials,
  now = Date.now(),
): NativeError | undefined {
  const auth = req.headers['authorization'];
  if (!auth) return bedrockError(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
  const m = AUTH.exec(auth.trim());
  if (!m) return bedrockError(403, 'IncompleteSignatureException', 'Authorization header requires Credential, SignedHeaders and Signature parameters.');
  const [, keyId, day, region, service, signedList, signature] = m as unknown as string[];
  if (keyId !== creds.accessKeyId) return bedrockError(403, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
  if (service !== 'bedrock') return bedrockError(403, 'InvalidSignatureException', `Credential should be scoped to correct service: 'bedrock'.`);
  const amzDate = req.headers['x-amz-date'] ?? '';
  const at = Date.parse(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
  if (!Number.isFinite(at) || amzDate.slice(0, 8) !== day) return bedrockError(403, 'IncompleteSignatureException', 'Date must be in ISO-8601 basic format and match the credential scope.');
  if (Math.abs(now - at) > MAX_SKEW_MS) return bedrockError(403, 'InvalidSignatureException', 'Signature expired: the request time is more than 15 minutes away from the server time.');
  const signed = signedList!.split(';');
  if (!signed.includes('host') || !signed.includes('x-amz-date')) return bedrockError(403, 'InvalidSignatureException', 'The host and x-amz-date headers must be signed.');
  // The signature covers the payload hash the client claims: the claim must be the body's.
  const claimed = req.headers['x-amz-content-sha256'];
  if (claimed !== undefined && claimed !== createHash('sha256').update(req.body).digest('hex')) return bedrockError(400, 'XAmzContentSHA256Mismatch', 'The provided x-amz-content-sha256 header does not match what was computed.');
  const headers: Record<string, string> = {};
  for (const h of signed) headers[h] = req.headers[h] ?? '';
  // aws4 adds headers it thinks every request needs; only the ones the client signed count.
  const ignore: Record<string, boolean> = Object.create(null);
  for (const h of ['content-type', 'content-length', 'x-amz-security-token']) if (!signed.includes(h)) ignore[h] = true;
  const include: Record<string, boolean> = Object.create(null);
  for (const h of signed) include[h] = true;
  const expected = aws4.sign(
    { method: req.method, path: req.path, host: req.headers['host'], headers, body: req.body, service, region, extraHeadersToIgnore: ignore, extraHeadersToInclude: include } as aws4.Request,
    { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey },
  );
  const got = /Signature=([0-9a-f]{64})/.exec(String((expected.headers as Record<string, string>)['Authorization'] ?? ''))?.[1];
  if (got !== signature) {
    return bedrockError(
      403,
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
  }
  return undefined;
}
