// A provider's opaque reasoning state on the Responses wire: reasoning items carry it in
// `encrypted_content` as one versioned, base64url envelope the client treats as opaque and
// sends back as is. Inside: the provider *name* that issued the state (adapters replay it
// only there, so state never reaches another provider), its type (for humans and a sanity
// check) and the state itself — Anthropic's thinking signature or redacted_thinking data,
// Gemini's thoughtSignature, OpenAI's item id + encrypted_content (one canonical
// `signature` string). No HMAC: each provider validates its own signature, and a forged
// envelope can only send a string to the provider it names, which the client could reach
// with a plain request anyway.
import { fail } from './checks.js';

const PREFIX = 'trr1.';
const MAX_ENVELOPE = 1_000_000;

export interface ReasoningState {
  provider: string;
  providerType?: string;
  signature?: string;
  redacted?: string;
}

/** Whether a Responses request asked for reasoning state on its reasoning items. */
export function wantsReasoningState(req: { includeReasoningState?: boolean; store?: boolean }): boolean {
  return req.includeReasoningState === true || req.store === false;
}

/** The envelope for an item's state, or undefined when the item carries none. */
export function wrapReasoningState(s: ReasoningState): string | undefined {
  if (!s.provider || (!s.signature && !s.redacted)) return undefined;
  const body = { v: 1, p: s.provider, ...(s.providerType ? { t: s.providerType } : {}), ...(s.signature ? { s: s.signature } : {}), ...(s.redacted ? { r: s.redacted } : {}) };
  return PREFIX + Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

/** An incoming envelope back to the state; a malformed one is 400 invalid_parameter naming `param`. */
export function unwrapReasoningState(value: unknown, param: string): ReasoningState {
  const bad = (why: string): never => fail(param, `encrypted_content is not reasoning state issued by this router (${why}); send it back exactly as it was returned`);
  if (typeof value !== 'string') return bad('not a string');
  if (value.length > MAX_ENVELOPE) return bad('too long');
  if (!value.startsWith(PREFIX)) return bad('unknown format');
  let body: unknown;
  try {
    const raw = value.slice(PREFIX.length);
    if (!/^[A-Za-z0-9_-]*$/.test(raw)) return bad('not base64url');
    body = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    return bad('not readable');
  }
  const b = body as Record<string, unknown>;
  if (!b || typeof b !== 'object' || b.v !== 1 || typeof b.p !== 'string' || b.p === '') return bad('no provider');
  const str = (k: string): string | undefined => (typeof b[k] === 'string' && b[k] !== '' ? (b[k] as string) : undefined);
  const state: ReasoningState = { provider: b.p };
  const t = str('t');
  const s = str('s');
  const r = str('r');
  if (t) state.providerType = t;
  if (s) state.signature = s;
  if (r) state.redacted = r;
  if (!s && !r) return bad('no state');
  return state;
}

/** The `encrypted_content` field of a rendered reasoning item, when the request asked for it and there is state. */
export function encryptedContentField(
  ctx: { request: { includeReasoningState?: boolean; store?: boolean }; providerType?: string; routerMetadata: Record<string, string> },
  item: { signature?: string; redacted?: string },
): { encrypted_content?: string } {
  if (!wantsReasoningState(ctx.request)) return {};
  const wrapped = wrapReasoningState({ provider: ctx.routerMetadata.provider ?? '', providerType: ctx.providerType, signature: item.signature, redacted: item.redacted });
  return wrapped ? { encrypted_content: wrapped } : {};
}
