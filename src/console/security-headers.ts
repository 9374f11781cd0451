// The headers every /console response carries: a strict Content-Security-Policy
// (own-origin scripts and styles only, no inline code, no framing), no MIME
// sniffing, no referrer.
import type { ServerResponse } from 'node:http';

export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export function setSecurityHeaders(res: ServerResponse): void {
  res.setHeader('content-security-policy', CONSOLE_CSP);
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
}
