// Budgets in Redis: reserve and settle are Lua scripts, atomic across every
// replica (semantics in budgets.ts). One hash per key and period,
// <prefix>{k:<name>}:b:<period> (redis-keys.ts), holding
//   spent     nano-dollars settled
//   reserved  the sum of open reservations
//   next      the earliest lease expiry among them (0: none)
//   r:<id>    one reservation: "<nano>|<expires epoch ms>"
// Expired reservations are swept only when `next` says one has expired, so a
// reserve is O(1) in the common case. The hash expires a day after its period.
// Numbers reach Redis as strings formatted with %d: Lua would print a large
// double as 1e+15, which HINCRBY rejects.
import type { RedisHandle } from './redis.js';
import { Script } from './redis.js';
import { RedisKeys } from './redis-keys.js';
import { fromNano, newTicketId, periodEnd, periodId, RESERVATION_LEASE_MS, toNano, type BudgetSpec, type Budgets, type BudgetTicket, type Reservation } from './budgets.js';

const SWEEP_LUA = `
local function sweep(k, now)
  local nextExp = tonumber(redis.call('HGET', k, 'next') or '0')
  if nextExp == 0 or nextExp > now then return end
  local all = redis.call('HGETALL', k)
  local reserved, soonest = 0, 0
  for i = 1, #all, 2 do
    local f = all[i]
    if string.sub(f, 1, 2) == 'r:' then
      local amt, exp = string.match(all[i + 1], '^(%d+)|(%d+)$')
      amt = tonumber(amt)
      exp = tonumber(exp)
      if exp <= now then
        redis.call('HDEL', k, f)
      else
        reserved = reserved + amt
        if soonest == 0 or exp < soonest then soonest = exp end
      end
    end
  end
  redis.call('HSET', k, 'reserved', string.format('%d', reserved), 'next', string.format('%d', soonest))
end
`;

// KEYS[1] hash; ARGV: limit, estimate, id, now, lease, ttl seconds → {ok, spent, reserved}
const RESERVE = new Script(`${SWEEP_LUA}
local k = KEYS[1]
local limit, est, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[4])
sweep(k, now)
local spent = tonumber(redis.call('HGET', k, 'spent') or '0')
local reserved = tonumber(redis.call('HGET', k, 'reserved') or '0')
if spent + reserved >= limit or spent + reserved + est > limit then
  return {0, string.format('%d', spent), string.format('%d', reserved)}
end
local exp = now + tonumber(ARGV[5])
redis.call('HSET', k, 'r:' .. ARGV[3], ARGV[2] .. '|' .. string.format('%d', exp))
redis.call('HINCRBY', k, 'reserved', ARGV[2])
local nextExp = tonumber(redis.call('HGET', k, 'next') or '0')
if nextExp == 0 or exp < nextExp then redis.call('HSET', k, 'next', string.format('%d', exp)) end
redis.call('EXPIRE', k, ARGV[6])
return {1, string.format('%d', spent), string.format('%d', reserved + est)}
`);

// KEYS[1] hash; ARGV: id, actual, ttl seconds → spent
const SETTLE = new Script(`
local k = KEYS[1]
local f = 'r:' .. ARGV[1]
local v = redis.call('HGET', k, f)
if v then
  local amt = string.match(v, '^(%d+)|')
  redis.call('HDEL', k, f)
  redis.call('HINCRBY', k, 'reserved', '-' .. amt)
end
local spent = redis.call('HINCRBY', k, 'spent', ARGV[2])
redis.call('EXPIRE', k, ARGV[3])
return string.format('%d', spent)
`);

// KEYS[1] hash; ARGV: now → {spent, reserved}
const STATUS = new Script(`${SWEEP_LUA}
sweep(KEYS[1], tonumber(ARGV[1]))
local v = redis.call('HMGET', KEYS[1], 'spent', 'reserved')
return {v[1] or '0', v[2] or '0'}
`);

export class RedisBudgets implements Budgets {
  readonly #now: () => number;
  readonly #leaseMs: number;
  readonly #keys: RedisKeys;

  constructor(
    readonly redis: RedisHandle,
    opts: { now?: () => number; leaseMs?: number } = {},
  ) {
    this.#now = opts.now ?? Date.now;
    this.#leaseMs = opts.leaseMs ?? RESERVATION_LEASE_MS;
    this.#keys = new RedisKeys(redis.prefix);
  }

  async reserve(key: string, budget: BudgetSpec, estimateUsd: number): Promise<Reservation> {
    const now = this.#now();
    const period = periodId(budget.period, now);
    const nano = toNano(estimateUsd);
    const id = newTicketId();
    const r = (await RESERVE.run(this.redis.client, [this.#keys.budget(key, period)], [toNano(budget.amountUsd), nano, id, now, this.#leaseMs, ttlSeconds(budget.period, now)])) as [number, string, string];
    const spentUsd = fromNano(Number(r[1]));
    const reservedUsd = fromNano(Number(r[2]));
    if (r[0] !== 1) return { ok: false, spentUsd, reservedUsd, resetsAt: periodEnd(budget.period, now) };
    return { ok: true, ticket: { period, id, nano }, spentUsd, reservedUsd };
  }

  async settle(key: string, ticket: BudgetTicket, actualUsd: number): Promise<{ spentUsd: number }> {
    const kind = ticket.period.startsWith('d') ? 'day' : 'month';
    const spent = await SETTLE.run(this.redis.client, [this.#keys.budget(key, ticket.period)], [ticket.id, toNano(actualUsd), ttlSeconds(kind, this.#now())]);
    return { spentUsd: fromNano(Number(spent)) };
  }

  async status(key: string, budget: BudgetSpec): Promise<{ spentUsd: number; reservedUsd: number }> {
    const now = this.#now();
    const [spent, reserved] = (await STATUS.run(this.redis.client, [this.#keys.budget(key, periodId(budget.period, now))], [now])) as [string, string];
    return { spentUsd: fromNano(Number(spent)), reservedUsd: fromNano(Number(reserved)) };
  }

  #key(key: string, period: string): string {
    return `${this.redis.prefix}{k:${key}}:b:${period}`;
  }
}

/** The period's hash outlives it by a day: a request crossing midnight still settles there. */
function ttlSeconds(period: 'day' | 'month', now: number): number {
  return Math.ceil((periodEnd(period, now) - now) / 1000) + 86_400;
}
