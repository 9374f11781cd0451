// Exactness across a fleet (issue 22, item 4): three routers (in-process demo
// stacks, each with its own simulators) share one 3-primary Redis Cluster
// through Settings.state.redis {mode: cluster} and the same keyPrefix.
//   - a key with rpm 20: 60 concurrent requests spread over the three routers
//     → exactly 20 are served, 40 answered 429;
//   - a key with a $0.02 daily budget and a model that costs exactly $0.004 a
//     request (shared-state-stack.ts): 30 concurrent requests → exactly 5
//     served and exactly $0.02 spent, never more than one request's estimate
//     over — here not even that, since a reservation is taken before the call.
// The figures are printed. Skips with a message where redis-server is missing.
import { expect } from 'chai';
import type { DemoStack } from '../../src/cli/demo-stack.js';
import { requireRedisBinaries, startRedisCluster, type RedisClusterSet } from '../helpers/redis-procs.js';
import { call, METERED_COST_USD, startStack, statusCounts, waitFor, type KeyDef } from './shared-state-stack.js';

const KEYS = {
  rpm: { name: 'fleet-rpm', key: 'fleet-rpm-secret', extra: 'rpm: 20' },
  budget: { name: 'fleet-budget', key: 'fleet-budget-secret', extra: 'budgetUsd: { amount: 0.02, period: day }' },
  admin: { name: 'fleet-admin', key: 'fleet-admin-secret', extra: 'admin: true' },
} satisfies Record<string, KeyDef>;

describe('fleet: three routers, one Redis Cluster (3 primaries)', function () {
  this.timeout(180_000);
  const prefix = 'tr-fleet:';
  let cluster: RedisClusterSet | undefined;
  const routers: DemoStack[] = [];

  before(async function () {
    requireRedisBinaries(this, 'three routers on a Redis Cluster');
    cluster = await startRedisCluster({ primaries: 3, replicasPerPrimary: 0 });
    for (let i = 0; i < 3; i++) {
      const stack = await startStack({
        keys: Object.values(KEYS),
        state: { backend: 'redis', redis: { mode: 'cluster', nodes: cluster.nodes }, keyPrefix: prefix, onUnavailable: 'fail_closed' },
      });
      routers.push(stack);
      await waitFor(`router ${i + 1} to reach the cluster`, () => stack.router.state.up(), 20_000);
      expect(stack.router.state.target, 'connected in cluster mode').to.match(/^cluster:\/\//);
    }
  });
  after(async () => {
    for (const r of routers) await r.stop();
    await cluster?.stop();
  });

  const over = (i: number) => routers[i % routers.length]!.router.url;

  it('rpm 20: 60 concurrent requests over the three routers → exactly 20 served, 40 answered 429', async () => {
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => call(over(i), KEYS.rpm.key)));
    const counts = statusCounts(answers);
    const perRouter = [0, 1, 2].map((r) => answers.filter((a, i) => i % 3 === r && a.status === 200).length);
    console.log(`      rpm 20, 60 concurrent over 3 routers on a 3-primary cluster: ${counts[200] ?? 0} served (per router ${perRouter.join('/')}), ${counts[429] ?? 0} × 429, in ${Date.now() - started} ms`);
    expect(counts).to.deep.equal({ 200: 20, 429: 40 });
    expect(answers.filter((a) => a.status === 429).every((a) => a.body.error.code === 'rate_limit_exceeded')).to.equal(true);
  });

  it('budget $0.02 at $0.004 a request: 30 concurrent requests → exactly 5 served, $0.02 spent, never over', async () => {
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => call(over(i), KEYS.budget.key)));
    const counts = statusCounts(answers);
    for (const r of routers) await r.router.state.flush();
    const usage = await call(over(1), KEYS.admin.key, '/v1/usage?group_by=key', null);
    const row = (usage.body.data as { key: string; requests: number; cost_usd: number }[]).find((r) => r.key === KEYS.budget.name);
    const spent = row?.cost_usd ?? NaN;
    console.log(`      budget $0.02, $${METERED_COST_USD} a request, 30 concurrent over 3 routers: ${counts[200] ?? 0} served, ${counts[429] ?? 0} × 429, spent $${spent.toFixed(6)} (overspend $${Math.max(0, spent - 0.02).toFixed(6)}), in ${Date.now() - started} ms`);
    expect(counts).to.deep.equal({ 200: 5, 429: 25 });
    expect(answers.filter((a) => a.status === 429).every((a) => a.body.error.code === 'insufficient_quota')).to.equal(true);
    expect(spent).to.be.closeTo(5 * METERED_COST_USD, 1e-9);
    expect(spent, 'never overspent beyond one request’s estimate').to.be.at.most(0.02 + METERED_COST_USD + 1e-9);
  });

  it('the usage ledger across the cluster: every router answers the same totals', async () => {
    for (const r of routers) await r.router.state.flush();
    const totals = await Promise.all(
      [0, 1, 2].map(async (i) => {
        const u = await call(over(i), KEYS.admin.key, '/v1/usage?group_by=key', null);
        return Object.fromEntries((u.body.data as { key: string; requests: number }[]).map((r) => [r.key, r.requests]));
      }),
    );
    expect(totals[0]).to.deep.include({ [KEYS.rpm.name]: 60, [KEYS.budget.name]: 30 });
    expect(totals[1]).to.deep.equal(totals[0]);
    expect(totals[2]).to.deep.equal(totals[0]);
  });
});
