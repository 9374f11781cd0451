// A router on a Redis Cluster (test/helpers/redis-procs.ts: 3 primaries + 3
// replicas on loopback): it connects through the seed nodes, serves and
// enforces a key's rpm; then the primary that holds that key's slot is killed
// under load (10 req/s for 6 s, a fail_open and a fail_closed router at once),
// its replica is promoted, and the same checks as the Sentinel test apply,
// lighter. Then a replica dies: nothing stops, backend_up stays 1. Which keys are cluster-safe is wt/redis-keys' work: this file needs
// only the client-key window, whose keys share the {k:<name>} hash tag.
import { expect } from 'chai';
import { Cluster } from 'ioredis';
import type { DemoStack } from '../../src/cli/demo-stack.js';
import { DEFAULT_COMMAND_TIMEOUT_MS } from '../../src/state/redis.js';
import { requireRedisBinaries, startRedisCluster, type RedisClusterSet } from '../helpers/redis-procs.js';
import { describeFigures, enforcedAfterPromotion, gauge, KEYS, loadThroughFailover, PROBES, SLACK_MS, startRouterPair } from './failover-load.js';
import { call, statusCounts } from './shared-state-stack.js';


/** The port of the primary serving the slot of `hashTag` (what CLUSTER SLOTS says now). */
async function primaryOf(nodes: string[], hashTag: string): Promise<number> {
  const [host, port] = nodes[0]!.split(':');
  const c = new Cluster([{ host: host!, port: Number(port) }], { enableOfflineQueue: true });
  c.on('error', () => {});
  try {
    const slot = (await c.cluster('KEYSLOT', hashTag)) as number;
    const slots = (await c.cluster('SLOTS')) as unknown as [number, number, [string, number]][];
    const range = slots.find(([from, to]) => slot >= from && slot <= to);
    return range![2][1];
  } finally {
    c.disconnect();
  }
}

describe('Redis Cluster: a router through the seed nodes, and a primary failover under load', function () {
  this.timeout(120_000);
  let set: RedisClusterSet | undefined;
  let open: DemoStack | undefined;
  let closed: DemoStack | undefined;
  const killed: number[] = [];

  before(async function () {
    requireRedisBinaries(this, 'Redis Cluster tests');
    set = await startRedisCluster({ primaries: 3, replicasPerPrimary: 1 });
    ({ open, closed } = await startRouterPair({ mode: 'cluster', nodes: set.nodes }, 'tr-cluster:', Object.values(KEYS), 'both routers to reach the cluster'));
  });
  after(async () => {
    await open?.stop();
    await closed?.stop();
    await set?.stop();
  });

  it('connects (target names the seed nodes), serves, and enforces a key rpm across both routers', async () => {
    expect(open!.router.state.target).to.equal(`cluster://${set!.nodes.join(',')}`);
    expect(await gauge(open!, 'tokenrouter_state_backend_up')).to.equal(1);
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => call((i % 2 ? open : closed)!.router.url, KEYS.limited!.key)));
    expect(statusCounts(answers), 'rpm 5 shared by both routers through the cluster').to.deep.equal({ 200: 5, 429: 3 });
  });

  it("the primary holding the key's slot dies under 10 req/s: its replica is promoted; fail_open loses nothing, fail_closed refuses only in the gap, nothing waits past the command timeout, limits return", async () => {
    const victim = await primaryOf(set!.nodes, 'k:steady');
    const load = { rps: 10, durationMs: 6000, killAfterMs: 1000 };
    const probes = Object.values(KEYS).filter((k) => k.name.startsWith('probe'));
    const [o, c, openEnforced, closedEnforced] = await Promise.all([
      loadThroughFailover(open!, KEYS.steady!.key, { ...load, kill: () => (killed.push(victim), set!.kill(victim)) }),
      loadThroughFailover(closed!, KEYS.steady!.key, { ...load, kill: () => {} }),
      enforcedAfterPromotion(open!, probes.slice(0, PROBES / 2), load.killAfterMs),
      enforcedAfterPromotion(closed!, probes.slice(PROBES / 2), load.killAfterMs),
    ]);
    console.log(describeFigures('cluster, fail_open', o));
    console.log(describeFigures('cluster, fail_closed', c));
    console.log(`      [figures] cluster: rpm enforced again ${openEnforced} ms (fail_open router) / ${closedEnforced} ms (fail_closed router) after backend_up returned to 1`);
    expect(await primaryOf(set!.nodes.filter((n) => !n.endsWith(`:${victim}`)), 'k:steady'), 'a replica serves the slot now').to.not.equal(victim);

    for (const f of [o, c]) {
      expect(f.downAt, 'tokenrouter_state_backend_up read 0 after the kill').to.be.a('number');
      expect(f.upAt, 'and 1 again after the promotion, within the run').to.be.a('number');
      expect(f.maxLatencyMs, 'no request waits longer than the command timeout plus its upstream time').to.be.lessThan(DEFAULT_COMMAND_TIMEOUT_MS + f.baselineMaxLatencyMs + SLACK_MS);
    }
    expect(o.failures, 'fail_open: no request fails').to.deep.equal([]);
    for (const f of c.failures) {
      expect(`${f.status} ${f.code}`).to.equal('503 state_unavailable');
      expect(f.start, 'refused only in the gap').to.be.within(c.killedAt, c.upAt! + SLACK_MS);
    }
    expect(openEnforced, 'limits are enforced again within seconds of promotion').to.be.lessThan(3000);
    expect(closedEnforced, 'limits are enforced again within seconds of promotion').to.be.lessThan(3000);
    expect(await gauge(closed!, 'tokenrouter_state_backend_up')).to.equal(1);
  });

  it('a replica dying does not stop any command: backend_up stays 1 and requests are served', async () => {
    // After the failover above: the promoted replica is a primary now, the dead primary stays dead.
    const primaries = await set!.primaryPorts();
    const replica = set!.nodes.map((n) => Number(n.split(':')[1])).find((p) => !primaries.includes(p) && !killed.includes(p))!;
    expect(replica, 'a live replica is left').to.be.a('number');
    killed.push(replica);
    set!.kill(replica);
    const until = Date.now() + 2000;
    const seen = new Set<number>();
    while (Date.now() < until) {
      seen.add(await gauge(open!, 'tokenrouter_state_backend_up'));
      expect((await call(closed!.router.url, KEYS.steady!.key)).status, 'fail_closed serves: no command failed').to.equal(200);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect([...seen]).to.deep.equal([1]);
  });
});
