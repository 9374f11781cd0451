// Credentials: provider API keys and tokens by their published prefixes and
// lengths, JWTs (whose header must decode to JSON naming an algorithm) and PEM
// private key blocks. Each match is bounded on both sides by a character that
// cannot belong to the token, so a key embedded in a longer identifier is not
// cut in half.
import type { Matcher, Span } from '../matcher.js';
import { base64UrlJson } from './checksums.js';
import { detector } from './kit.js';

const TOKEN = /[A-Za-z0-9_-]/;

export const awsAccessKey: Matcher = detector({
  regex: /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])/g,
  maxLength: 20,
  alphabet: /[A-Za-z0-9]/,
  prefixes: ['AKIA', 'ASIA', 'ABIA', 'ACCA'],
});

/**
 * sk-… keys carry "T3BlbkFJ" (base64 of "OpenAI"); project, service-account
 * and admin keys are recognised by their typed prefix too. Anthropic's sk-ant-
 * keys are their own detector.
 */
export const openaiKey: Matcher = detector({
  regex: /(?<![A-Za-z0-9_-])sk-(?!ant-)(?:(?:proj|svcacct|admin|None)-)?[A-Za-z0-9_-]{20,250}(?![A-Za-z0-9_-])/g,
  maxLength: 270,
  alphabet: TOKEN,
  prefixes: ['sk-'],
  accept: (text, start, end) => {
    const key = text.slice(start, end);
    return key.includes('T3BlbkFJ') || (/^sk-(?:proj|svcacct|admin)-/.test(key) && key.length >= 40) ? end : -1;
  },
});

export const anthropicKey: Matcher = detector({
  regex: /(?<![A-Za-z0-9_-])sk-ant-(?:api|admin|oat)\d{2}-[A-Za-z0-9_-]{32,200}(?![A-Za-z0-9_-])/g,
  maxLength: 220,
  alphabet: TOKEN,
  prefixes: ['sk-ant-'],
});

export const githubToken: Matcher = detector({
  regex: /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{22,255})(?![A-Za-z0-9_])/g,
  maxLength: 266,
  alphabet: /[A-Za-z0-9_]/,
  prefixes: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'],
});

export const slackToken: Matcher = detector({
  regex: /(?<![A-Za-z0-9-])xox[abposr]-[A-Za-z0-9-]{10,250}(?![A-Za-z0-9-])/g,
  maxLength: 255,
  alphabet: /[A-Za-z0-9-]/,
  prefixes: ['xoxa-', 'xoxb-', 'xoxp-', 'xoxo-', 'xoxs-', 'xoxr-'],
});

export const googleApiKey: Matcher = detector({
  regex: /(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])/g,
  maxLength: 39,
  alphabet: TOKEN,
  prefixes: ['AIza'],
});

export const stripeKey: Matcher = detector({
  regex: /(?<![A-Za-z0-9_])(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,247}(?![A-Za-z0-9_])/g,
  maxLength: 256,
  alphabet: /[A-Za-z0-9_]/,
  prefixes: ['sk_live_', 'sk_test_', 'rk_live_', 'rk_test_'],
});

/** header.payload.signature, base64url; the header is a JSON object with "alg" (an unsigned token ends in "."). */
export const jwt: Matcher = detector({
  regex: /(?<![A-Za-z0-9_.-])eyJ[A-Za-z0-9_-]{2,2000}\.[A-Za-z0-9_-]{2,6000}\.[A-Za-z0-9_-]{0,2000}(?![A-Za-z0-9_-])/g,
  maxLength: 10_003,
  alphabet: /[A-Za-z0-9_.-]/,
  prefixes: ['eyJ'],
  accept: (text, start, end) => {
    const header = base64UrlJson(text.slice(start, text.indexOf('.', start)));
    return typeof header?.alg === 'string' ? end : -1;
  },
});

// ---- private_key: from the BEGIN line through the END line -------------------------
// The block is found from its BEGIN line; it ends with the END line that
// follows its body or, when there is none (yet), where the body ends. Streams hold
// back from an unterminated BEGIN line, so a key is masked whole.

const PEM_MAX = 8192;
const BEGIN = /-----BEGIN (?:[A-Z0-9]+ ){0,4}PRIVATE KEY(?: BLOCK)?-----/g;
const END = /-----END (?:[A-Z0-9]+ ){0,4}PRIVATE KEY(?: BLOCK)?-----/y;
/**
 * Whole lines of the body: header lines of an encrypted PEM (Proc-Type: …),
 * base64 lines and blank lines; then a last base64 line still without its
 * newline, at the very end of the text (a stream cut mid-key). Prose after an
 * unterminated block is not a line of base64, so the block stops before it.
 */
const BODY = /(?:(?:[A-Za-z][A-Za-z-]{0,40}:[^\n]{0,200}|[A-Za-z0-9+/=]{0,100})\r?\n)*(?:[A-Za-z0-9+/=]{1,100}$)?/y;
/** The longest BEGIN or END line, for the stream hold-back while one is still arriving. */
const LINE_MAX = 64;

export const privateKey: Matcher = {
  maxLength: PEM_MAX,
  find(text: string, from: number, limit: number, out: Span[]): void {
    BEGIN.lastIndex = from;
    try {
      for (let m = BEGIN.exec(text); m !== null && m.index < limit; m = BEGIN.exec(text)) {
        const end = blockEnd(text, m.index + m[0].length, m.index + PEM_MAX);
        out.push({ start: m.index, end });
        BEGIN.lastIndex = end;
      }
    } finally {
      BEGIN.lastIndex = 0;
    }
  },
  holdFrom(text: string): number {
    const tail = Math.max(0, text.length - LINE_MAX);
    const begin = text.lastIndexOf('-----BEGIN ');
    if (begin === -1) return tail;
    BEGIN.lastIndex = begin;
    const m = BEGIN.exec(text);
    BEGIN.lastIndex = 0;
    // A key's BEGIN line with no END line after it yet: the block is still arriving.
    if (m?.index === begin && !hasEnd(text, begin + m[0].length)) return Math.max(begin, text.length - PEM_MAX);
    // A finished block, or another kind of BEGIN line; one still arriving lies within the tail.
    return tail;
  },
};

/** The END line right after the body (headers and base64 lines), else where the body stops: linear in the block. */
function blockEnd(text: string, bodyStart: number, max: number): number {
  const bounded = text.length > max ? text.slice(0, max) : text;
  BODY.lastIndex = bodyStart;
  const bodyEnd = bodyStart + (BODY.exec(bounded)?.[0].length ?? 0);
  END.lastIndex = bodyEnd;
  const end = END.exec(bounded);
  return end ? bodyEnd + end[0].length : bodyEnd;
}

function hasEnd(text: string, from: number): boolean {
  const at = text.indexOf('-----END ', from);
  if (at === -1) return false;
  END.lastIndex = at;
  return END.test(text);
}
