// Custom json-rules-engine operators (pure functions) and the safe path
// resolver that replaces the engine's jsonpath-plus default: only plain
// own-property paths such as `$.tier` or `$.user.tier`, so a policy can never
// reach prototypes or run a script expression.
import { Operator } from 'json-rules-engine';

const regexCache = new Map<string, RegExp | null>();

function regexFor(pattern: string): RegExp | null {
  let r = regexCache.get(pattern);
  if (r === undefined) {
    // Patterns were validated (compiles, no catastrophic backtracking) at load time.
    const d = /^\/(.*)\/([a-z]*)$/s.exec(pattern);
    try {
      r = d ? new RegExp(d[1]!, d[2]!.replace(/[gy]/g, '')) : new RegExp(pattern, 'i');
    } catch {
      r = null;
    }
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
