// Extra provider headers come from policy. A CR/LF or a non-token name would
// make Node throw at request time (or split headers); credentials and hop-by-hop
// headers are the adapter's job; metadata-service headers are an SSRF tell.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Names policy may never set (lower-case). src/providers/shared/headers.ts drops the same names. */
export const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'x-api-key',
  'x-goog-api-key',
  'api-key',
  'cookie',
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'proxy-authorization',
  'metadata-flavor',
  'metadata',
  'x-aws-ec2-metadata-token',
  'x-aws-ec2-metadata-token-ttl-seconds',
  'x-google-metadata-request',
]);

export function checkHeader(name: string, value: string): string | undefined {
  if (!TOKEN.test(name)) return `header name "${name}" is not a valid HTTP token`;
  if (RESERVED_HEADERS.has(name.toLowerCase())) {
    return `header "${name}" cannot be set by policy (credentials, hop-by-hop and metadata headers are managed by the router)`;
  }
  // eslint-disable-next-line no-control-regex
  if (/[\r\n\0]/.test(value)) return `header "${name}" has a CR, LF or NUL in its value`;
  return undefined;
}
