// Policy files accept the mode aliases requests accept (balanced → balance,
// fast → latency) wherever a mode appears; the schema lets them through
// (common.schema.json#/definitions/mode) and compile turns them into the
// canonical mode with the one alias table (routing/model-string.ts), so the
// router's readers only ever see balance | cost | quality | latency.
import { parseMode } from '../routing/model-string.js';
import type { RoutingMode, RoutingRuleSpec } from './types.js';

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
