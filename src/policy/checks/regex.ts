// Firewall and condition patterns are compiled at load time, never at request
// time. A pattern is `/body/flags` (PCRE-style delimiters, as the hosted product
// accepts) or a bare body, which is case-insensitive. Patterns prone to
// catastrophic backtracking (nested quantifiers such as (a+)+) are rejected.
import safeRegex from 'safe-regex2';

const DELIMITED = /^\/(.*)\/([a-zA-Z]*)$/s;
const ALLOWED_FLAGS = new Set(['i', 'm', 's', 'u', 'x']);

export type RegexResult = { ok: true; regex: RegExp } | { ok: false; error: string };

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
  let regex: RegExp;
  try {
    regex = new RegExp(body, flags + 'g');
  } catch (err) {
    return { ok: false, error: `invalid regex: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}` };
  }
  if (!safeRegex(regex)) {
    return { ok: false, error: `regex "${pattern}" is vulnerable to catastrophic backtracking (nested quantifiers); rewrite it` };
  }
  if (regex.test('')) {
    return { ok: false, error: `regex "${pattern}" matches the empty string, so it would match every text` };
  }
  regex.lastIndex = 0;
  return { ok: true, regex };
}
