// The usage ledger, the same suite against memory and Redis: records add up
// per day, key, provider and model; queries cover whole UTC days and can be
// limited to one key; grouping sums over the other dimensions; a request
// nothing served appears with null provider and model.
import { expect } from 'chai';
import { daysBetween, groupUsage, MemoryUsageLedger, type UsageLedger, type UsageRecord } from '../../../src/state/usage-ledger.js';
import { RedisUsageLedger } from '../../../src/state/usage-ledger-redis.js';
import { describeBackends } from './backends.js';

const DAY1 = Date.UTC(2025, 3, 10, 23, 0);
const DAY2 = Date.UTC(2025, 3, 11, 1, 0);

const rec = (key: string, provider: string, model: string, over: Partial<UsageRecord> = {}): UsageRecord => ({
  key,
  provider,
  model,
  inputTokens: 100,
  outputTokens: 20,
  cachedTokens: 40,
  cacheWriteTokens: 10,
  reasoningTokens: 5,
  costUsd: 0.0001,
  error: false,
  ...over,
});

describe('usage grouping', () => {
  it('days between two dates, inclusive, across a month end', () => {
    expect(daysBetween('2025-01-30', '2025-02-02')).to.deep.equal(['2025-01-30', '2025-01-31', '2025-02-01', '2025-02-02']);
    expect(daysBetween('2025-01-02', '2025-01-01')).to.deep.equal([]);
  });
});

describeBackends('usage ledger', (b) => {
  let now = DAY1;
  let run = 0;
  let k = '';
  const clock = () => now;
  beforeEach(() => {
    now = DAY1;
    k = `k${++run}`;
  });
  const make = (): UsageLedger => (b.kind === 'memory' ? new MemoryUsageLedger({ now: clock }) : new RedisUsageLedger(b.redis(), { now: clock }));

  it('aggregates per day, key, provider and model; queries whole days and one key', async () => {
    const ledger = make();
    await ledger.record(rec(`${k}-a`, 'openai', 'gpt-4o'));
    await ledger.record(rec(`${k}-a`, 'openai', 'gpt-4o', { costUsd: 0.0002 }));
    await ledger.record(rec(`${k}-b`, 'anthropic', 'claude-x'));
    await ledger.record(rec(`${k}-a`, '', '', { inputTokens: 0, outputTokens: 0, cachedTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, costUsd: 0, error: true }));
    now = DAY2;
    await ledger.record(rec(`${k}-a`, 'openai', 'gpt-4o'));

    const mine = (await ledger.query({ from: '2025-04-10', to: '2025-04-10', key: `${k}-a` })).sort((x, y) => x.provider.localeCompare(y.provider));
    expect(mine).to.deep.equal([
      { day: '2025-04-10', key: `${k}-a`, provider: '', model: '', requests: 1, errors: 1, inputTokens: 0, outputTokens: 0, cachedTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, costNano: 0 },
      { day: '2025-04-10', key: `${k}-a`, provider: 'openai', model: 'gpt-4o', requests: 2, errors: 0, inputTokens: 200, outputTokens: 40, cachedTokens: 80, cacheWriteTokens: 20, reasoningTokens: 10, costNano: 300_000 },
    ]);
    const both = (await ledger.query({ from: '2025-04-10', to: '2025-04-11' })).filter((r) => r.key.startsWith(`${k}-`));
    expect(groupUsage(both, ['key'])).to.deep.equal([
      { key: `${k}-a`, requests: 4, errors: 1, input_tokens: 300, output_tokens: 60, cached_tokens: 120, cache_write_tokens: 30, reasoning_tokens: 15, cost_usd: 0.0004 },
      { key: `${k}-b`, requests: 1, errors: 0, input_tokens: 100, output_tokens: 20, cached_tokens: 40, cache_write_tokens: 10, reasoning_tokens: 5, cost_usd: 0.0001 },
    ]);
    expect(groupUsage(both, ['day', 'provider', 'model']).map((g) => [g.day, g.provider, g.model, g.requests])).to.deep.equal([
      ['2025-04-10', null, null, 1],
      ['2025-04-10', 'anthropic', 'claude-x', 1],
      ['2025-04-10', 'openai', 'gpt-4o', 2],
      ['2025-04-11', 'openai', 'gpt-4o', 1],
    ]);
    expect(await ledger.query({ from: '2025-04-12', to: '2025-04-20', key: `${k}-a` })).to.deep.equal([]);
  });

  if (b.kind === 'redis') {
    it('two replicas add to the same totals', async () => {
      const a = new RedisUsageLedger(b.redis(), { now: clock });
      const other = new RedisUsageLedger(await b.replica(), { now: clock });
      await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : other).record(rec(k, 'openai', 'gpt-4o'))));
      const [row] = await other.query({ from: '2025-04-10', to: '2025-04-10', key: k });
      expect(row).to.include({ requests: 50, inputTokens: 5000, costNano: 5_000_000 });
    });
  }
});
