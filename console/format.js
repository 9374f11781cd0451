// Number and time formatting shared by the pages. Every function accepts null/undefined and
// answers "—", because most live values are missing until traffic arrives.
const DASH = '—';

export const usd = (v) => (v == null ? DASH : v === 0 ? '$0' : v < 0.01 ? `$${Number(v.toPrecision(3))}` : `$${v.toFixed(4)}`);
export const ms = (v) => (v == null ? DASH : v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`);
export const pct = (v) => (v == null ? DASH : `${(v * 100).toFixed(v > 0 && v < 0.01 ? 2 : 1)}%`);
export const num = (v, digits = 0) => (v == null ? DASH : Number(v).toLocaleString('en-US', { maximumFractionDigits: digits }));
export const rate = (v) => (v == null ? DASH : `${Number(v).toFixed(2)}/s`);

/** "14:03:22" for today, "2026-12-06 14:03" otherwise: decisions are mostly recent. */
export function time(iso) {
  if (!iso) return DASH;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const today = new Date().toDateString() === d.toDateString();
  return today ? d.toLocaleTimeString('en-GB') : `${d.toISOString().slice(0, 10)} ${d.toLocaleTimeString('en-GB').slice(0, 5)}`;
}

/** "3 min ago" style age, for the policy's load time and price sources. */
export function age(seconds) {
  if (seconds == null) return DASH;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86_400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}

export const since = (iso) => (iso ? age((Date.now() - new Date(iso).getTime()) / 1000) + ' ago' : DASH);

/** Compact one-line JSON for conditions and actions in tables. */
export function compact(v) {
  if (v == null) return DASH;
  if (typeof v === 'string') return v;
  return JSON.stringify(v).replace(/"([A-Za-z_][\w-]*)":/g, '$1: ').replace(/,/g, ', ');
}
