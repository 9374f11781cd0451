// Firewall and condition patterns are compiled at load time, never at request
// time. A pattern is `/body/flags` (PCRE-style delimiters, as the hosted product
// accepts) or a bare body, which is case-insensitive. It is written in
// JavaScript syntax (V8 checks it first, so a typo gets V8's own message) and
// runs on the linear-time engine (src/policy/regex/linear.ts): what that
// engine cannot run — backreferences, lookarounds, repetition counts over
// 1,000 — is refused here with that reason. No pattern is refused for being
// slow: none can be.
import { LinearRegex } from '../regex/linear.js';
import { translate } from '../regex/translate.js';

const DELIMITED = /^\/(.*)\/([a-zA-Z]*)$/s;
const ALLOWED_FLAGS = new Set(['i', 'm', 's', 'u', 'x']);

export type RegexResult = { ok: true; regex: LinearRegex } | { ok: false; error: string };

export function compilePattern(pattern: string): RegexResult {
  let body = pattern;
  let flags = 'i';
  const d = DELIMITED.exec(pattern);
  if (d && pattern.length > 1) {
    body = d[1]!;
    flags = '';
    for (const f of d[2]!) {
      if (!ALLOWED_FLAGS.has(f)) return { ok: false, error: `unsupported regex flag "${f}" (allowed: i, m, s, u, x)` };
      if (f === 'x') {
        return { ok: false, error: 'the PCRE x (extended) flag is not supported; remove whitespace and comments from the pattern' };
      }
      if (!flags.includes(f)) flags += f;
    }
  }
  try {
    new RegExp(body, flags + 'g');
  } catch (err) {
    return { ok: false, error: `invalid regex: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}` };
  }
  const t = translate(body, flags);
  if (!t.ok) return { ok: false, error: `regex "${pattern}" cannot be used: ${t.error}` };
  let regex: LinearRegex;
  try {
    regex = new LinearRegex(t.source);
  } catch (err) {
    return { ok: false, error: `regex "${pattern}" cannot be used: the router's linear-time regex engine (RE2) rejects it: ${(err as Error).message}` };
  }
  if (regex.test('')) {
    return { ok: false, error: `regex "${pattern}" matches the empty string, so it would match every text` };
  }
  return { ok: true, regex };
}
