// Reads, for a guard atom, exactly the value json-rules-engine's almanac hands
// the operator (json-rules-engine 7.3, almanac.js `factValue`): the fact when
// present, else undefined (allowUndefinedFacts); a path applied only to object
// values — anything else passes through unchanged — walked like our
// plainPathResolver (operators.ts), own properties only; or, for hasEntry, one
// own entry. Paths are split once when the index is built, not per request.
import type { Accessor } from './rule-guard.js';

export type Reader = (facts: Readonly<Record<string, unknown>>) => unknown;

/** What hasEntry sees when the key is not an own property (distinct from an own `undefined`). */
export const ABSENT = Symbol('absent');

export function reader(acc: Accessor): Reader {
  const { fact, entry, path } = acc;
  const own = (facts: Readonly<Record<string, unknown>>): unknown => (Object.hasOwn(facts, fact) ? facts[fact] : undefined);
  if (entry !== undefined) {
    return (facts) => {
      const v = own(facts);
      return typeof v === 'object' && v !== null && Object.hasOwn(v, entry) ? (v as Record<string, unknown>)[entry] : ABSENT;
    };
  }
  if (!path) return own;
  // Same walk as plainPathResolver (operators.ts): own properties only, undefined when missing.
  const segments = path.replace(/^\$\.?/, '').split('.').filter(Boolean);
  return (facts) => {
    let cur = own(facts);
    // The almanac applies a path only to object values and passes anything else through unchanged.
    if (typeof cur !== 'object' || cur === null) return cur;
    for (const seg of segments) {
      if (typeof cur !== 'object' || cur === null || !Object.hasOwn(cur, seg)) return undefined;
      cur = (cur as Record<string, unknown>)[seg];
    }
    return cur;
  };
}
