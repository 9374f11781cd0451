// Identifier helpers. Generated ids are random (unique per response); mapped
// ids are deterministic so a stateless adapter maps the same id the same way
// on every turn of a conversation.
import { createHash, randomBytes } from 'node:crypto';

let generate = (prefix: string, bytes: number): string => `${prefix}${randomBytes(bytes).toString('hex')}`;

export function randomId(prefix: string, bytes = 12): string {
  return generate(prefix, bytes);
}

/** Tests make generated ids deterministic (golden fixtures); returns the previous generator. */
export function setIdGenerator(fn: (prefix: string, bytes: number) => string): (prefix: string, bytes: number) => string {
  const prev = generate;
  generate = fn;
  return prev;
}

/** Exactly 9 characters of [A-Za-z0-9] (Mistral's tool-call id format); ids already in that form are kept. */
export function nineCharId(id: string): string {
  if (/^[A-Za-z0-9]{9}$/.test(id)) return id;
  const h = createHash('sha256').update(id).digest('base64').replace(/[^A-Za-z0-9]/g, '');
  return h.slice(0, 9).padEnd(9, '0');
}

/** Anthropic tool ids must match ^[a-zA-Z0-9_-]+$; map others deterministically. */
export function safeToolId(id: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(id)) return id;
  return 'toolu_' + createHash('sha256').update(id).digest('hex').slice(0, 24);
}
