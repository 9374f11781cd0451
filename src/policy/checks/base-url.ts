// A provider baseUrl is where the router sends prompts and keys, so it must not
// be a link-local or cloud-metadata address (SSRF), nor a non-HTTP scheme.
// Loopback and private ranges stay allowed: simulators and in-cluster model
// hosts (vLLM, Ollama) live there. WHATWG URL parsing already normalises
// decimal, hex and octal IPv4 forms (http://2130706433 → 127.0.0.1).
import { isIP } from 'node:net';

const METADATA_HOSTS = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.azure.com',
]);

/** `field` names the URL in messages (provider `baseUrl`, a price source's `url`). */
export function checkBaseUrl(raw: string, field = 'baseUrl'): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `${field} "${raw}" is not a valid URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `${field} must use http or https, not ${url.protocol.replace(':', '')}`;
  }
  if (url.username || url.password) return `${field} must not carry credentials${field === 'baseUrl' ? '; use apiKeyEnv or apiKeyFile' : ''}`;
  if (url.search || url.hash) return `${field} must not have a query or fragment`;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase().replace(/\.$/, '');
  if (METADATA_HOSTS.has(host)) return `${field} points at a cloud metadata endpoint (${host})`;
  const v4 = ipv4Of(host);
  if (v4 && isLinkLocalV4(v4)) return `${field} points at a link-local/metadata address (${v4.join('.')})`;
  if (isIP(host) === 6 && /^fe[89ab]/.test(host)) return `${field} points at an IPv6 link-local address (${host})`;
  if (host === 'fd00:ec2::254') return `${field} points at the EC2 IPv6 metadata address`;
  return undefined;
}

/** IPv4 octets of a host, including IPv4-mapped IPv6 (::ffff:a9fe:a9fe). */
function ipv4Of(host: string): number[] | undefined {
  if (isIP(host) === 4) return host.split('.').map(Number);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (mapped) {
    const hi = parseInt(mapped[1]!, 16);
    const lo = parseInt(mapped[2]!, 16);
    return [hi >> 8, hi & 255, lo >> 8, lo & 255];
  }
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host);
  if (dotted) return dotted[1]!.split('.').map(Number);
  return undefined;
}

function isLinkLocalV4(o: number[]): boolean {
  // 169.254.0.0/16 holds the AWS/GCP/Azure metadata service; 100.100.100.200 is Alibaba's.
  return (o[0] === 169 && o[1] === 254) || (o[0] === 100 && o[1] === 100 && o[2] === 100 && o[3] === 200);
}
