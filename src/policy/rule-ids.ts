// The numeric ids of the rules API. The hosted product's SDK addresses rules by
// `id: number`; here rules live in git and are known by name, so the id is
// derived from the name alone: the same on every replica and across reloads
// while the name is unchanged, with no state to keep. 48 bits of SHA-256 stay
// below Number.MAX_SAFE_INTEGER (2^53 - 1), so JSON clients read them exactly.
// Two names of one kind hashing to one id fail validation (validate-references.ts).
import { createHash } from 'node:crypto';

export function ruleId(name: string): number {
  const n = createHash('sha256').update(name, 'utf8').digest().readUIntBE(0, 6);
  return n === 0 ? 1 : n; // ids are positive
}

/** A `/{id}` path segment that is a numeric id (digits only, no sign, no leading zero). */
export function asRuleId(segment: string): number | undefined {
  if (!/^[1-9][0-9]{0,15}$/.test(segment)) return undefined;
  const n = Number(segment);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Pairs of distinct names that share an id, each later name with the first
 * that took its id. `idOf` is a parameter so tests can force collisions a
 * 48-bit hash practically never produces.
 */
export function idCollisions<T extends { name: string }>(items: readonly T[], idOf: (name: string) => number = ruleId): { item: T; first: T; id: number }[] {
  const first = new Map<number, T>();
  const out: { item: T; first: T; id: number }[] = [];
  for (const item of items) {
    const id = idOf(item.name);
    const prev = first.get(id);
    if (!prev) first.set(id, item);
    else if (prev.name !== item.name) out.push({ item, first: prev, id });
  }
  return out;
}
