// The routing modes and their aliases (balanced → balance, fast → latency): one table, read by the
// request's model-string grammar (routing/model-string.ts) and by policy files, which accept the
// aliases wherever a mode appears; the schema lets them through (common.schema.json#/definitions/mode)
// and compile turns them into the canonical mode, so the router's readers only ever see
// balance | cost | quality | latency. It lives in policy/ (a leaf) so routing can import it.
// The alias table is a Map: the strings looked up are the caller's, and a plain object would answer
// `constructor` or `__proto__` with an inherited value instead of "no such alias".
import type { RoutingMode, RoutingRuleSpec } from './types.js';

export const MODES: readonly RoutingMode[] = ['balance', 'cost', 'quality', 'latency'];
const MODE_ALIASES: ReadonlyMap<string, RoutingMode> = new Map([
  ['balanced', 'balance'],
  ['fast', 'latency'],
]);

export function parseMode(s: string): RoutingMode | undefined {
  const m = s.trim().toLowerCase();
  if ((MODES as readonly string[]).includes(m)) return m as RoutingMode;
  return MODE_ALIASES.get(m);
}

export function canonicalMode(m: string): RoutingMode;
export function canonicalMode(m: string | undefined): RoutingMode | undefined;
export function canonicalMode(m: string | undefined): RoutingMode | undefined {
  if (m === undefined) return undefined;
  return parseMode(m) ?? (m as RoutingMode); // the schema admitted only modes and aliases
}

/** The rule with match.mode and action.set_mode canonical (a copy when one changed). */
export function withCanonicalModes(r: RoutingRuleSpec): RoutingRuleSpec {
  const matchMode = canonicalMode(r.match?.mode);
  const setMode = canonicalMode(r.action.set_mode);
  if (matchMode === r.match?.mode && setMode === r.action.set_mode) return r;
  return {
    ...r,
    ...(r.match ? { match: { ...r.match, ...(matchMode ? { mode: matchMode } : {}) } } : {}),
    action: { ...r.action, ...(setMode ? { set_mode: setMode } : {}) },
  };
}
