// Client key budgets (ApiKeys budgetUsd: an amount per UTC day or month).
// A request reserves its estimated cost before the upstream call and settles
// the real cost after (0 when nothing was served), so concurrent requests
// cannot spend the same remaining money twice. A reservation is refused when
// spent + reserved + estimate would pass the amount, or when nothing is left.
// Money is counted in integer nano-dollars (rounded per request), so sums are
// exact and the same in memory and in Redis (whose Lua numbers are doubles:
// exact to 2^53 nano-dollars, about $9M — the schema caps a budget at $1M).
// Reservations carry a lease (default 15 min): one a crashed replica never
// settled stops holding money when it expires.
import { randomUUID } from 'node:crypto';

export interface BudgetSpec {
  amountUsd: number;
  period: 'day' | 'month';
}

export interface BudgetTicket {
  /** The period the reservation was taken in (a request crossing midnight settles there). */
  period: string;
  id: string;
  nano: number;
}

export type Reservation =
  | { ok: true; ticket: BudgetTicket; spentUsd: number; reservedUsd: number }
  | { ok: false; spentUsd: number; reservedUsd: number; /** Epoch ms when the period ends. */ resetsAt: number };

export interface Budgets {
  reserve(key: string, budget: BudgetSpec, estimateUsd: number): Promise<Reservation>;
  /** Release the reservation and count `actualUsd` (0: nothing was spent). */
  settle(key: string, ticket: BudgetTicket, actualUsd: number): Promise<{ spentUsd: number }>;
  /** Spent and reserved in the current period. */
  status(key: string, budget: BudgetSpec): Promise<{ spentUsd: number; reservedUsd: number }>;
}

export const RESERVATION_LEASE_MS = 15 * 60_000;

export function toNano(usd: number): number {
  return Number.isFinite(usd) && usd > 0 ? Math.round(usd * 1e9) : 0;
}

export function fromNano(nano: number): number {
  return nano / 1e9;
}

/** `d2025-01-31` or `m2025-01`: the UTC period containing `now`. */
export function periodId(period: 'day' | 'month', now: number): string {
  const iso = new Date(now).toISOString();
  return period === 'day' ? `d${iso.slice(0, 10)}` : `m${iso.slice(0, 7)}`;
}

/** Epoch ms when the period containing `now` ends. */
export function periodEnd(period: 'day' | 'month', now: number): number {
  const d = new Date(now);
  return period === 'day' ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1) : Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

export function newTicketId(): string {
  return randomUUID();
}

interface Account {
  spent: number;
  reservations: Map<string, { nano: number; expires: number }>;
}

export class MemoryBudgets implements Budgets {
  /** key → period id → account. */
  readonly #keys = new Map<string, Map<string, Account>>();
  readonly #now: () => number;
  readonly #leaseMs: number;

  constructor(opts: { now?: () => number; leaseMs?: number } = {}) {
    this.#now = opts.now ?? Date.now;
    this.#leaseMs = opts.leaseMs ?? RESERVATION_LEASE_MS;
  }

  async reserve(key: string, budget: BudgetSpec, estimateUsd: number): Promise<Reservation> {
    const now = this.#now();
    const period = periodId(budget.period, now);
    const a = this.#account(key, period, now);
    const reserved = reservedOf(a);
    const limit = toNano(budget.amountUsd);
    const nano = toNano(estimateUsd);
    if (a.spent + reserved >= limit || a.spent + reserved + nano > limit) {
      return { ok: false, spentUsd: fromNano(a.spent), reservedUsd: fromNano(reserved), resetsAt: periodEnd(budget.period, now) };
    }
    const id = newTicketId();
    a.reservations.set(id, { nano, expires: now + this.#leaseMs });
    return { ok: true, ticket: { period, id, nano }, spentUsd: fromNano(a.spent), reservedUsd: fromNano(reserved + nano) };
  }

  async settle(key: string, ticket: BudgetTicket, actualUsd: number): Promise<{ spentUsd: number }> {
    const a = this.#account(key, ticket.period, this.#now());
    a.reservations.delete(ticket.id);
    a.spent += toNano(actualUsd);
    return { spentUsd: fromNano(a.spent) };
  }

  async status(key: string, budget: BudgetSpec): Promise<{ spentUsd: number; reservedUsd: number }> {
    const now = this.#now();
    const a = this.#account(key, periodId(budget.period, now), now);
    return { spentUsd: fromNano(a.spent), reservedUsd: fromNano(reservedOf(a)) };
  }

  #account(key: string, period: string, now: number): Account {
    let periods = this.#keys.get(key);
    if (!periods) this.#keys.set(key, (periods = new Map()));
    let a = periods.get(period);
    if (!a) {
      // A new period of this kind: the finished ones are forgotten once nothing is reserved there.
      for (const [p, old] of periods) if (p[0] === period[0] && p < period && reservedOf(old) === 0) periods.delete(p);
      periods.set(period, (a = { spent: 0, reservations: new Map() }));
    }
    for (const [id, r] of a.reservations) if (r.expires <= now) a.reservations.delete(id);
    return a;
  }
}

function reservedOf(a: Account): number {
  let n = 0;
  for (const r of a.reservations.values()) n += r.nano;
  return n;
}
