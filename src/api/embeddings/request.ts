// The OpenAI Embeddings request (POST /v1/embeddings), read for the stages the
// router applies before forwarding it untranslated to an OpenAI-compatible
// provider: the model (and an optional `provider/` prefix), the router's own
// fields, and the input texts the prompt firewall screens. Every other field
// (encoding_format, dimensions, user, and any the provider adds) is spoken
// natively by the provider it is forwarded to, so it passes through unchanged.
// Input given as token ids cannot be screened: it is refused while a prompt
// firewall rule applies, never forwarded unscreened.
import { fail, optString } from '../checks.js';
import { routerFields } from '../router-fields.js';
import type { CanonicalRequest } from '../../canonical/types.js';

/** OpenAI's own caps: 2,048 inputs per request. */
const MAX_INPUTS = 2048;

export interface EmbeddingsRequest {
  /** The model as the caller wrote it (possibly `provider/model`). */
  model: string;
  router: CanonicalRequest['router'] | undefined;
  /** The texts to embed, or null when the input is token ids. */
  texts: string[] | null;
  /** Whether `input` was one string (kept when masked texts are written back). */
  single: boolean;
  /** The body without router fields, as it will be forwarded (model and input rewritten later). */
  body: Record<string, unknown>;
}

export function readEmbeddingsRequest(raw: Record<string, unknown>): EmbeddingsRequest {
  const model = optString(raw.model, 'model', 256);
  if (model === undefined || model === '') fail('model', 'model is required');
  const router = routerFields(raw);
  const body: Record<string, unknown> = {};
  for (const k of Object.keys(raw)) if (!k.startsWith('router_')) body[k] = raw[k];
  const input = raw.input;
  if (typeof input === 'string') return { model, router, texts: [input], single: true, body };
  if (!Array.isArray(input) || input.length === 0) fail('input', 'input must be a string, an array of strings, or token ids');
  if (input.length > MAX_INPUTS) fail('input', `input may hold at most ${MAX_INPUTS} items`);
  if (input.every((x) => typeof x === 'string')) return { model, router, texts: input as string[], single: false, body };
  const ids = (xs: unknown[]): boolean => xs.every((t) => Number.isInteger(t) && (t as number) >= 0);
  if (ids(input) || input.every((x) => Array.isArray(x) && x.length > 0 && ids(x))) return { model, router, texts: null, single: false, body };
  fail('input', 'input must be a string, an array of strings, an array of token ids, or an array of such arrays');
}

/** The body to forward: the upstream model id, and the (possibly masked) texts in the caller's shape. */
export function forwardBody(req: EmbeddingsRequest, upstreamModel: string, texts: readonly string[] | null): string {
  const body: Record<string, unknown> = { ...req.body, model: upstreamModel };
  if (texts) body.input = req.single ? texts[0] : texts;
  return JSON.stringify(body);
}

/** The texts as a canonical request, so the prompt firewall screens them exactly as it screens a chat prompt. */
export function asCanonical(req: EmbeddingsRequest, texts: readonly string[]): CanonicalRequest {
  return {
    api: 'responses',
    model: req.model,
    stream: false,
    items: texts.map((text) => ({ type: 'message', role: 'user', content: [{ type: 'text', text }] })),
    tools: [],
  };
}
