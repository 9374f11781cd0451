// Custom json-rules-engine operators (pure functions) and the safe path
// resolver that replaces the engine's jsonpath-plus default: only plain
// own-property paths such as `$.tier` or `$.user.tier`, so a policy can never
// reach prototypes or run a script expression.
import { Operator } from 'json-rules-engine';
import { compilePattern } from '../policy/checks/regex.js';
import type { LinearRegex } from '../policy/regex/linear.js';

const regexCache = new Map<string, LinearRegex | null>();

/** The pattern on the linear-time engine, compiled as validation did (it accepted it at load), once per pattern. */
function regexFor(pattern: string): LinearRegex | null {
  let r = regexCache.get(pattern);
  if (r === undefined) {
    const c = compilePattern(pattern);
    r = c.ok ? c.regex : null;
    if (regexCache.size > 10_000) regexCache.clear();
    regexCache.set(pattern, r);
  }
  return r;
}

export const CUSTOM_OPERATORS: readonly Operator[] = [
  new Operator<string, string | string[]>('containsText', (fact, value) => {
    const haystack = lowerCased(String(fact));
    const needles = Array.isArray(value) ? value : [value];
    return needles.some((n) => haystack.includes(String(n).toLowerCase()));
  }),
  new Operator<string, string>('matchesRegex', (fact, value) => {
    const r = regexFor(String(value));
    return r !== null && r.test(String(fact));
  }),
  new Operator<string, string>('startsWith', (fact, value) => String(fact).startsWith(String(value))),
  new Operator<Record<string, unknown>, { key: string; value: unknown }>('hasEntry', (fact, value) => {
    if (typeof fact !== 'object' || fact === null) return false;
    return Object.hasOwn(fact, value.key) && fact[value.key] === value.value;
  }),
];

export function plainPathResolver(value: unknown, path: string): unknown {
  const segments = path.replace(/^\$\.?/, '').split('.').filter(Boolean);
  let cur: unknown = value;
  for (const seg of segments) {
    if (typeof cur !== 'object' || cur === null || !Object.hasOwn(cur, seg)) return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

let lastText = '';
let lastLower = '';

/**
 * text.toLowerCase(), remembered for the last text: one request's prompt is
 * lower-cased once for all its `contains` conditions and index needles, not
 * once per condition (a megabyte costs 4-11 ms each time). Holds at most one
 * text and its lower case until the next call.
 */
export function lowerCased(text: string): string {
  if (text !== lastText) {
    lastLower = text.toLowerCase();
    lastText = text;
  }
  return lastLower;
}
