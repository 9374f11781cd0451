// Secret scrubbing for text that came from outside the router (a provider's
// error message) or that is about to leave it (a log line, an error answer).
// Two layers, both cheap:
//
//   maskSecrets      credential *shapes*: sk-…/pk-…/rk-… keys, Bearer/Basic
//                    values, AIza… Google keys, key=/token=/password= values,
//                    x-api-key / x-goog-api-key / authorization values, and a
//                    URL's user:password@. No state, always on.
//   SecretScrubber   the secrets the router actually *knows*: provider keys,
//                    the Redis password (literal matches, one precompiled
//                    alternation), and client keys, which the router only
//                    holds as sha256 hashes (any long token in the text whose
//                    hash is a client key's is masked). Built once per policy
//                    set (and per change of a rotated key file), not per call.
//
// Every replacement stops at a quote, backslash, comma or whitespace, so a
// scrubbed JSON log line stays valid JSON. This file is a leaf (node only).
import { createHash } from 'node:crypto';

export const REDACTED = '[redacted]';

// Characters a secret value may contain, for the shape rules: never a quote, backslash, comma, ; or space.
const VALUE = `[^\\s"'\\\\,;&<>]+`;

// The rules run only when GATE (every rule's trigger, in one pass) finds something: most log
// lines have none, and then masking costs one regex test (≈ 0.2 µs for a decision line).
const GATE = /:\/\/[^\s@/]*@|\b[spr]k-|AIza|\b(?:bearer|basic)\s|(?:key|token|secret|passw(?:or)?d|pwd)\\?["']?\s*[:=]|authorization|api_key:/i;

const SHAPES: ReadonlyArray<{ re: RegExp; to: string }> = [
  // A URL carrying credentials: redis://user:password@host, https://u:p@…
  { re: /\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/"'\\]*:)[^\s@/"'\\]+@/gi, to: `$1${REDACTED}@` },
  // OpenAI / Anthropic / Stripe-style keys: sk-…, sk-proj-…, sk-ant-…, pk-…, rk-…
  { re: /\b(sk|pk|rk)-[A-Za-z0-9_*-]{6,}/g, to: `$1-${REDACTED}` },
  // Google API keys.
  { re: /\bAIza[0-9A-Za-z_-]{20,}/g, to: `AIza${REDACTED}` },
  // Authorization values (a bare word like "bearer tokens" stays: a value has 8+ characters).
  { re: /\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, to: `$1 ${REDACTED}` },
  // key=…, api_key=…, token=…, access_token=…, secret=…, password=… (query strings, forms, prose).
  {
    re: new RegExp(`((?:^|[^A-Za-z0-9_-])(?:key|api[_-]?key|token|access[_-]?token|refresh[_-]?token|secret|client[_-]?secret|password|passwd|pwd)=)${VALUE}`, 'gi'),
    to: `$1${REDACTED}`,
  },
  // Header-shaped `name: value` / `"name":"value"` for credential headers and key-like names.
  {
    re: new RegExp(`((?:x-api-key|x-goog-api-key|api-key|x-auth-token|authorization|proxy-authorization|api[_-]key|access[_-]token|secret[_-]key)\\\\?["']?\\s*[:=]\\s*\\\\?["']?)(?!(?:bearer|basic)\\s)(?!\\[redacted\\])${VALUE}`, 'gi'),
    to: `$1${REDACTED}`,
  },
  // api_key:AIza… style consumer names in Google errors (any value, after the key-shape rule).
  { re: new RegExp(`\\b(api_key:)${VALUE}`, 'gi'), to: `$1${REDACTED}` },
];

/** Masks what looks like a credential (see SHAPES). Idempotent. */
export function maskSecrets(text: string): string {
  if (!GATE.test(text)) return text;
  let out = text;
  for (const { re, to } of SHAPES) out = out.replace(re, to);
  return out;
}

/** Known secrets shorter than this are not matched literally (they would mask ordinary words); the shape rules still apply. */
export const MIN_LITERAL_CHARS = 8;
/** Tokens at least this long are hashed and compared with the client keys' sha256. */
const MIN_HASHED_TOKEN = 16;
const TOKEN = new RegExp(`[A-Za-z0-9._~+/=-]{${MIN_HASHED_TOKEN},}`, 'g');

export class SecretScrubber {
  readonly #literal: RegExp | undefined;
  readonly #hashes: ReadonlySet<string>;

  /**
   * @param literals secrets known in clear (provider keys, the Redis password); short ones are skipped
   * @param sha256Hex hashes (hex) of secrets known only by hash (client keys)
   */
  constructor(literals: Iterable<string>, sha256Hex: Iterable<string> = []) {
    const unique = [...new Set([...literals].map((s) => s.trim()).filter((s) => s.length >= MIN_LITERAL_CHARS))];
    // Longest first, so a key that contains another is masked whole. Also the forms a secret takes in
    // a URL or a Basic header, which a provider may echo instead of the key itself.
    const forms = new Set<string>();
    for (const s of unique) {
      forms.add(s);
      forms.add(encodeURIComponent(s));
      forms.add(Buffer.from(s).toString('base64'));
    }
    const sorted = [...forms].sort((a, b) => b.length - a.length);
    this.#literal = sorted.length ? new RegExp(sorted.map(escapeRegExp).join('|'), 'g') : undefined;
    this.#hashes = new Set([...sha256Hex].map((h) => h.toLowerCase()));
  }

  #known(token: string): boolean {
    return this.#hashes.has(createHash('sha256').update(token).digest('hex'));
  }

  /** Provider text: every known secret (client keys by hash too) and every credential shape masked. */
  scrub(text: string): string {
    let out = this.#literal ? text.replace(this.#literal, REDACTED) : text;
    if (this.#hashes.size > 0) {
      out = out.replace(TOKEN, (t) => {
        if (this.#known(t)) return REDACTED;
        // "…provided: KEY." — the sentence's full stop is not part of the key.
        const core = t.replace(/\.+$/, '');
        return core !== t && core.length >= MIN_HASHED_TOKEN && this.#known(core) ? REDACTED + t.slice(core.length) : t;
      });
    }
    return maskSecrets(out);
  }

  /**
   * A log line: the literal secrets and the shapes, without hashing every long
   * token (request ids, versions) — provider text reached the line through
   * scrub() already, and nothing else puts a client's key in a log object.
   */
  scrubLine(text: string): string {
    return maskSecrets(this.#literal ? text.replace(this.#literal, REDACTED) : text);
  }
}

/** Shapes only: for code that has no policy set at hand. */
export const SHAPES_ONLY = new SecretScrubber([]);

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
