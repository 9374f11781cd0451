// Client key limits (ApiKeys rpm, tpm, budgetUsd), in two halves the
// pipeline applies at two points:
//   admitRate()  first of all, before any scan or token count: rpm/tpm
//                check-and-take (429 rate_limit_exceeded with retry-after);
//   reserve()    after routing, before dispatch: the budget reservation of
//                the routing estimate (429 insufficient_quota with
//                x-should-retry: false). A request refused for budget has
//                still used its rpm slot: it was a request.
//   settle()  after the answer: the reported tokens count towards tpm and the
//             reservation becomes the real cost (0 when nothing was served).
// With Settings.state.onUnavailable fail_closed and the shared backend down,
// admit() refuses every request (503 state_unavailable): nothing is served
// that the limits and the ledger cannot count.
import type { KeyLimits, PolicySet } from '../policy/types.js';
import { RouterError } from '../errors/registry.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { Budgets, BudgetTicket } from './budgets.js';
import type { StateGuard } from './guard.js';
import type { KeyWindows, RateDecision } from './key-windows.js';

export interface KeyTicket {
  key: string;
  limits: KeyLimits;
  budget?: BudgetTicket;
}

export interface KeyAdmissionDeps {
  windows: KeyWindows;
  budgets: Budgets;
  guard: StateGuard;
  /** False while a shared backend is unreachable (memory: always true). */
  up: () => boolean;
  metrics?: Pick<Metrics, 'keyLimitRejections' | 'keyBudgetUsed'>;
}

const LIMITS = new WeakMap<PolicySet, Map<string, KeyLimits>>();

/** Every key's limits in this snapshot, by key name (built before the set goes live: snapshot/prepare.ts). */
export function limitsByKey(set: PolicySet): ReadonlyMap<string, KeyLimits> {
  let m = LIMITS.get(set);
  if (!m) {
    m = new Map(set.apiKeys.filter((k) => k.limits).map((k) => [k.name, k.limits!]));
    LIMITS.set(set, m);
  }
  return m;
}

/** The key's rpm / tpm / budget in this policy snapshot, if it has any. */
export function keyLimits(set: PolicySet, key: string): KeyLimits | undefined {
  return limitsByKey(set).get(key);
}

export class KeyAdmission {
  constructor(readonly deps: KeyAdmissionDeps) {}

  /**
   * The cheap half, first in the pipeline: fail_closed with the backend down
   * (503), then rpm/tpm check-and-take (429). Nothing has been scanned or
   * counted yet, so a refused request costs parsing plus this.
   */
  async admitRate(set: PolicySet, key: string): Promise<KeyTicket | undefined> {
    const { guard } = this.deps;
    if (guard.mode() === 'fail_closed' && !this.deps.up()) {
      guard.failed('key_rate', 'fail_closed', new Error('the state backend is not connected'));
      throw new RouterError('state_unavailable', undefined, null, { 'retry-after': '2' });
    }
    const limits = keyLimits(set, key);
    if (!limits) return undefined;
    if (limits.rpm !== undefined || limits.tpm !== undefined) {
      const rates = { ...(limits.rpm !== undefined ? { rpm: limits.rpm } : {}), ...(limits.tpm !== undefined ? { tpm: limits.tpm } : {}) };
      const d = await guard.admit('key_rate', () => this.deps.windows.admit(key, rates), (): RateDecision => ({ ok: true }));
      if (!d.ok) {
        this.deps.metrics?.keyLimitRejections.inc({ key, limit: d.limit });
        throw rateLimited(key, d);
      }
    }
    return { key, limits };
  }

  /** After routing: the budget reservation of the routing estimate (429 insufficient_quota past the budget). */
  async reserve(ticket: KeyTicket | undefined, estimateUsd: number): Promise<void> {
    const budget = ticket?.limits.budget;
    if (!ticket || !budget) return;
    const key = ticket.key;
    const r = await this.deps.guard.admit('key_budget', () => this.deps.budgets.reserve(key, budget, estimateUsd), () => undefined);
    if (r && !r.ok) {
      this.deps.metrics?.keyLimitRejections.inc({ key, limit: 'budget' });
      this.deps.metrics?.keyBudgetUsed.set({ key }, r.spentUsd / budget.amountUsd);
      throw new RouterError(
        'insufficient_quota',
        `API key "${key}" has used its budget of $${budget.amountUsd} per ${budget.period}: $${r.spentUsd.toFixed(6)} spent, $${r.reservedUsd.toFixed(6)} reserved by requests in flight, and this request is estimated at $${estimateUsd.toFixed(6)}. The budget resets at ${new Date(r.resetsAt).toISOString()}.`,
        null,
        { 'x-should-retry': 'false' },
      );
    }
    if (r) ticket.budget = r.ticket;
  }

  /** Both halves at once (callers that route nothing in between). */
  async admit(set: PolicySet, key: string, estimateUsd: number): Promise<KeyTicket | undefined> {
    const ticket = await this.admitRate(set, key);
    await this.reserve(ticket, estimateUsd);
    return ticket;
  }

  /** After the answer, in the background: tokens for tpm, the real cost for the budget. */
  settle(ticket: KeyTicket | undefined, used: { tokens: number; costUsd: number }): void {
    if (!ticket) return;
    const { guard } = this.deps;
    if (ticket.limits.tpm !== undefined && used.tokens > 0) guard.write('key_rate', () => this.deps.windows.addTokens(ticket.key, used.tokens));
    const budget = ticket.limits.budget;
    if (ticket.budget && budget) {
      const t = ticket.budget;
      guard.write('key_budget', async () => {
        const { spentUsd } = await this.deps.budgets.settle(ticket.key, t, used.costUsd);
        this.deps.metrics?.keyBudgetUsed.set({ key: ticket.key }, spentUsd / budget.amountUsd);
      });
    }
  }
}

function rateLimited(key: string, d: Extract<RateDecision, { ok: false }>): RouterError {
  const seconds = Math.max(1, Math.ceil(d.retryAfterMs / 1000));
  const what = d.limit === 'rpm' ? 'requests' : 'tokens';
  return new RouterError(
    'rate_limit_exceeded',
    `Rate limit reached for API key "${key}": ${d.used} ${what} in the last 60 s (${d.limit} ${d.max}). Retry in ${seconds} s.`,
    null,
    {
      'retry-after': String(seconds),
      [`x-ratelimit-limit-${what}`]: String(d.max),
      [`x-ratelimit-remaining-${what}`]: '0',
      [`x-ratelimit-reset-${what}`]: `${seconds}s`,
    },
  );
}
