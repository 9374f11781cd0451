// Credentials: provider API keys and tokens by their published prefixes and
// lengths, JWTs (whose header must decode to JSON naming an algorithm) and PEM
// private key blocks. Each match is bounded on both sides by a character that
// cannot belong to the token, so a key embedded in a longer identifier is not
// cut in half. The patterns find the prefix and the whole run of token
// characters after it; the length limits are checked on that run in code
// (a counted run such as {20,250} costs a linear-time engine a state per count).
import type { Matcher, Span } from '../matcher.js';
import { LinearRegex } from '../../policy/regex/linear.js';
import { base64UrlJson } from './checksums.js';
import { asciiTable, detector, followedBy } from './kit.js';

const TOKEN = /[A-Za-z0-9_-]/;
const ALNUM = asciiTable(/[A-Za-z0-9]/);
const WORD = asciiTable(/[A-Za-z0-9_]/);
const TOKEN_CHARS = asciiTable(TOKEN);
const SLACK_CHARS = asciiTable(/[A-Za-z0-9-]/);

/** The end when the run after a `prefix`-character prefix is min..max long and not followed by `stop`, else -1. */
function runOf(text: string, start: number, end: number, prefix: number, min: number, max: number, stop = TOKEN_CHARS): number {
  const run = end - start - prefix;
  return run >= min && run <= max && !followedBy(text, end, stop) ? end : -1;
}

export const awsAccessKey: Matcher = detector({
  pattern: String.raw`(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}`,
  notAfter: /[A-Za-z0-9]/,
  maxLength: 20,
  alphabet: /[A-Za-z0-9]/,
  prefixes: ['AKIA', 'ASIA', 'ABIA', 'ACCA'],
  accept: (text, start, end) => (followedBy(text, end, ALNUM) ? -1 : end),
});

const TYPED = ['proj-', 'svcacct-', 'admin-', 'None-'];

/**
 * sk-… keys carry "T3BlbkFJ" (base64 of "OpenAI"); project, service-account
 * and admin keys are recognised by their typed prefix too. Anthropic's sk-ant-
 * keys are their own detector.
 */
export const openaiKey: Matcher = detector({
  pattern: String.raw`sk-[A-Za-z0-9_-]+`,
  notAfter: TOKEN,
  maxLength: 270,
  alphabet: TOKEN,
  prefixes: ['sk-'],
  accept: (text, start, end) => {
    if (text.startsWith('ant-', start + 3)) return -1;
    // 20-250 token characters, after an optional typed prefix (which is token characters too).
    const typed = TYPED.find((t) => text.startsWith(t, start + 3));
    if (runOf(text, start, end, 3, 20, 250 + (typed?.length ?? 0)) === -1) return -1;
    const key = text.slice(start, end);
    return key.includes('T3BlbkFJ') || (typed !== undefined && typed !== 'None-' && key.length >= 40) ? end : -1;
  },
});

export const anthropicKey: Matcher = detector({
  pattern: String.raw`sk-ant-(?:api|admin|oat)\d{2}-[A-Za-z0-9_-]+`,
  notAfter: TOKEN,
  maxLength: 220,
  alphabet: TOKEN,
  prefixes: ['sk-ant-'],
  accept: (text, start, end) => runOf(text, start, end, text.startsWith('admin', start + 7) ? 15 : 13, 32, 200),
});

export const githubToken: Matcher = detector({
  pattern: String.raw`gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]+`,
  notAfter: /[A-Za-z0-9_]/,
  maxLength: 266,
  alphabet: /[A-Za-z0-9_]/,
  prefixes: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'],
  accept: (text, start, end) => (text.charCodeAt(start + 3) === 95 /* ghX_ */ ? (followedBy(text, end, WORD) ? -1 : end) : runOf(text, start, end, 11, 22, 255, WORD)),
});

export const slackToken: Matcher = detector({
  pattern: String.raw`xox[abposr]-[A-Za-z0-9-]+`,
  notAfter: /[A-Za-z0-9-]/,
  maxLength: 255,
  alphabet: /[A-Za-z0-9-]/,
  prefixes: ['xoxa-', 'xoxb-', 'xoxp-', 'xoxo-', 'xoxs-', 'xoxr-'],
  accept: (text, start, end) => runOf(text, start, end, 5, 10, 250, SLACK_CHARS),
});

export const googleApiKey: Matcher = detector({
  pattern: String.raw`AIza[0-9A-Za-z_-]{35}`,
  notAfter: TOKEN,
  maxLength: 39,
  alphabet: TOKEN,
  prefixes: ['AIza'],
  accept: (text, start, end) => (followedBy(text, end, TOKEN_CHARS) ? -1 : end),
});

export const stripeKey: Matcher = detector({
  pattern: String.raw`(?:sk|rk)_(?:live|test)_[A-Za-z0-9]+`,
  notAfter: /[A-Za-z0-9_]/,
  maxLength: 256,
  alphabet: /[A-Za-z0-9_]/,
  prefixes: ['sk_live_', 'sk_test_', 'rk_live_', 'rk_test_'],
  accept: (text, start, end) => runOf(text, start, end, 8, 16, 247, WORD),
});

/** header.payload.signature, base64url; the header is a JSON object with "alg" (an unsigned token ends in "."). */
export const jwt: Matcher = detector({
  pattern: String.raw`eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`,
  notAfter: /[A-Za-z0-9_.-]/,
  maxLength: 10_003,
  alphabet: /[A-Za-z0-9_.-]/,
  prefixes: ['eyJ'],
  accept: (text, start, end) => {
    // Parts of 2-2000, 2-6000 and 0-2000 characters (the header counts from after "eyJ").
    const dot1 = text.indexOf('.', start);
    const dot2 = text.indexOf('.', dot1 + 1);
    const a = dot1 - start - 3;
    const b = dot2 - dot1 - 1;
    const c = end - dot2 - 1;
    if (a < 2 || a > 2000 || b < 2 || b > 6000 || c > 2000) return -1;
    const header = base64UrlJson(text.slice(start, dot1));
    return typeof header?.alg === 'string' ? end : -1;
  },
});

// ---- private_key: from the BEGIN line through the END line -------------------------
// The block is found from its BEGIN line; it ends with the END line that
// follows its body or, when there is none (yet), where the body ends. Streams hold
// back from an unterminated BEGIN line, so a key is masked whole.

const PEM_MAX = 8192;
const BEGIN_MARK = '-----BEGIN ';
const BEGIN = new LinearRegex(String.raw`-----BEGIN (?:[A-Z0-9]+ ){0,4}PRIVATE KEY(?: BLOCK)?-----`);
const END = new LinearRegex(String.raw`-----END (?:[A-Z0-9]+ ){0,4}PRIVATE KEY(?: BLOCK)?-----`);
/**
 * Whole lines of the body: header lines of an encrypted PEM (Proc-Type: …),
 * base64 lines and blank lines; then a last base64 line still without its
 * newline, at the very end of the text (a stream cut mid-key). Prose after an
 * unterminated block is not a line of base64, so the block stops before it.
 */
const BODY = new LinearRegex(String.raw`(?:(?:[A-Za-z][A-Za-z-]{0,40}:[^\n]{0,200}|[A-Za-z0-9+/=]{0,100})\r?\n)*(?:[A-Za-z0-9+/=]{1,100}$)?`);
/** The longest BEGIN or END line, for the stream hold-back while one is still arriving. */
const LINE_MAX = 64;

export const privateKey: Matcher = {
  maxLength: PEM_MAX,
  find(text: string, from: number, limit: number, out: Span[]): void {
    for (let at = text.indexOf(BEGIN_MARK, from); at !== -1 && at < limit; ) {
      const line = BEGIN.matchAt(text, at, at + PEM_MAX);
      if (line === -1) {
        at = text.indexOf(BEGIN_MARK, at + 1);
        continue;
      }
      const end = blockEnd(text, line, at + PEM_MAX);
      out.push({ start: at, end });
      at = text.indexOf(BEGIN_MARK, end);
    }
  },
  holdFrom(text: string): number {
    const tail = Math.max(0, text.length - LINE_MAX);
    const begin = text.lastIndexOf(BEGIN_MARK);
    if (begin === -1) return tail;
    const line = BEGIN.matchAt(text, begin, begin + PEM_MAX);
    // A key's BEGIN line with no END line after it yet: the block is still arriving.
    if (line !== -1 && !hasEnd(text, line)) return Math.max(begin, text.length - PEM_MAX);
    // A finished block, or another kind of BEGIN line; one still arriving lies within the tail.
    return tail;
  },
};

/** The END line right after the body (headers and base64 lines), else where the body stops: linear in the block. */
function blockEnd(text: string, bodyStart: number, max: number): number {
  const bounded = text.length > max ? text.slice(0, max) : text;
  const bodyEnd = Math.max(bodyStart, BODY.matchAt(bounded, bodyStart));
  const end = END.matchAt(bounded, bodyEnd);
  return end === -1 ? bodyEnd : end;
}

function hasEnd(text: string, from: number): boolean {
  const at = text.indexOf('-----END ', from);
  return at !== -1 && END.matchAt(text, at, at + PEM_MAX) !== -1;
}
