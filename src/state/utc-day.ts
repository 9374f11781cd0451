// The UTC day label ('YYYY-MM-DD') that daily budgets and the usage ledger key
// on. Formatting a Date costs about a microsecond and every request asks, so
// the current day's label is kept until the day ends.
const DAY_MS = 86_400_000;
let cachedDay = { start: 0, end: 0, label: '1970-01-01' };

/** 'YYYY-MM-DD' (UTC) of an instant; the current day's label is kept, as it is asked for on every request. */
export function utcDay(epochMs: number): string {
  if (epochMs >= cachedDay.start && epochMs < cachedDay.end) return cachedDay.label;
  const start = Math.floor(epochMs / DAY_MS) * DAY_MS;
  const label = new Date(start).toISOString().slice(0, 10);
  cachedDay = { start, end: start + DAY_MS, label };
  return label;
}
