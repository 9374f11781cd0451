// GET /v1/usage?from=YYYY-MM-DD&to=YYYY-MM-DD&group_by=key,provider,model
// The usage ledger (src/state/usage-ledger.ts) summed over the dimensions
// not grouped by. A key sees only its own usage; a key with `admin: true` in
// ApiKeys sees every key's. Dates are UTC days, both inclusive; both default
// to today; a span is at most 366 days.
import { Router } from 'express';
import { RouterError } from '../../errors/registry.js';
import type { SharedState } from '../../state/backend.js';
import { groupUsage, MAX_QUERY_DAYS, wire, zero, USAGE_FIELDS, type UsageDimension } from '../../state/usage-ledger.js';

const DIMENSIONS: readonly UsageDimension[] = ['day', 'key', 'provider', 'model'];
const DEFAULT_GROUP_BY: readonly UsageDimension[] = ['key', 'provider', 'model'];

export function usageRoutes(deps: { state: SharedState }): Router {
  const r = Router();
  r.get('/v1/usage', async (req, res) => {
    const today = new Date().toISOString().slice(0, 10);
    const to = day(req.query.to, 'to') ?? today;
    const from = day(req.query.from, 'from') ?? to;
    if (from > to) throw new RouterError('invalid_parameter', '`from` must not be after `to`.', 'from');
    if ((Date.parse(to) - Date.parse(from)) / 86_400_000 + 1 > MAX_QUERY_DAYS) {
      throw new RouterError('invalid_parameter', `At most ${MAX_QUERY_DAYS} days per query.`, 'from');
    }
    const groupBy = dimensions(req.query.group_by);
    const caller = req.caller!;
    const rows = await deps.state.queryUsage({ from, to, ...(caller.admin ? {} : { key: caller.name }) });
    const total = zero();
    for (const row of rows) for (const f of USAGE_FIELDS) total[f] += row[f];
    res.json({
      object: 'usage',
      from,
      to,
      group_by: groupBy,
      scope: caller.admin ? 'all_keys' : 'own_key',
      data: groupUsage(rows, groupBy),
      total: wire(total),
    });
  });
  return r;
}

function day(v: unknown, param: string): string | undefined {
  if (v === undefined) return undefined;
  const t = typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) ? Date.parse(`${v}T00:00:00Z`) : NaN;
  // Date.parse accepts 2025-02-30 (as March 2): a real date prints back the same.
  if (Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== v) {
    throw new RouterError('invalid_parameter', `\`${param}\` must be a date YYYY-MM-DD (UTC).`, param);
  }
  return v;
}

function dimensions(v: unknown): readonly UsageDimension[] {
  if (v === undefined || v === '') return DEFAULT_GROUP_BY;
  if (typeof v !== 'string') throw new RouterError('invalid_parameter', '`group_by` must be a comma-separated list.', 'group_by');
  const out: UsageDimension[] = [];
  for (const part of v.split(',').map((s) => s.trim())) {
    if (!(DIMENSIONS as readonly string[]).includes(part)) {
      throw new RouterError('invalid_parameter', `Unknown group_by dimension "${part.slice(0, 40)}"; use ${DIMENSIONS.join(', ')}.`, 'group_by');
    }
    if (!out.includes(part as UsageDimension)) out.push(part as UsageDimension);
  }
  return out;
}
