// A router on a Redis Sentinel set (test/helpers/redis-procs.ts: a primary, a
// replica, three sentinels on loopback): it connects through the sentinels,
// serves and enforces a key's rpm; then the primary is killed under bounded
// load (20 req/s for 8 s, on a fail_open and a fail_closed router at once) and
// the figures the issue asks for are measured and printed: the gap, the
// slowest request, the failures.
import { expect } from 'chai';
import type { DemoStack } from '../../src/cli/demo-stack.js';
import { DEFAULT_COMMAND_TIMEOUT_MS } from '../../src/state/redis.js';
import { requireRedisBinaries, startRedisSentinel, type RedisSentinelSet } from '../helpers/redis-procs.js';
import { describeFigures, enforcedAfterPromotion, gauge, KEYS, loadThroughFailover, PROBES, SLACK_MS, startRouterPair } from './failover-load.js';
import { call, statusCounts } from './shared-state-stack.js';


describe('Redis Sentinel: a router through the sentinels, and a primary failover under load', function () {
  this.timeout(120_000);
  let set: RedisSentinelSet | undefined;
  let open: DemoStack | undefined;
  let closed: DemoStack | undefined;

  before(async function () {
    requireRedisBinaries(this, 'Redis Sentinel tests');
    set = await startRedisSentinel();
    ({ open, closed } = await startRouterPair({ mode: 'sentinel', nodes: set.sentinels, sentinelName: set.name }, 'tr-sentinel:', Object.values(KEYS), 'both routers to reach the primary'));
  });
  after(async () => {
    await open?.stop();
    await closed?.stop();
    await set?.stop();
  });

  it('connects through the sentinels (target names the set, not the primary), serves, and enforces a key rpm across both routers', async () => {
    expect(open!.router.state.kind).to.equal('redis');
    expect(open!.router.state.target).to.equal(`sentinel://${set!.sentinels.join(',')}/${set!.name}`);
    expect(await gauge(open!, 'tokenrouter_state_backend_up')).to.equal(1);
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => call((i % 2 ? open : closed)!.router.url, KEYS.limited!.key)));
    expect(statusCounts(answers), 'rpm 5 shared by both routers through the sentinel primary').to.deep.equal({ 200: 5, 429: 3 });
  });

  it('the primary dies under 20 req/s: fail_open loses no request, fail_closed answers 503 state_unavailable only in the gap, nothing waits past the command timeout, limits return after promotion', async () => {
    const oldPrimary = await set!.currentPrimaryPort();
    const load = { rps: 20, durationMs: 8000, killAfterMs: 1000 };
    const probes = Object.values(KEYS).filter((k) => k.name.startsWith('probe'));
    const [o, c, openEnforced, closedEnforced] = await Promise.all([
      loadThroughFailover(open!, KEYS.steady!.key, { ...load, kill: () => set!.killPrimary() }),
      loadThroughFailover(closed!, KEYS.steady!.key, { ...load, kill: () => {} }),
      enforcedAfterPromotion(open!, probes.slice(0, PROBES / 2), load.killAfterMs),
      enforcedAfterPromotion(closed!, probes.slice(PROBES / 2), load.killAfterMs),
    ]);
    console.log(describeFigures('sentinel, fail_open', o));
    console.log(describeFigures('sentinel, fail_closed', c));
    expect(await set!.currentPrimaryPort(), 'the sentinels promoted the replica').to.equal(set!.replicaPort).and.not.equal(oldPrimary);

    for (const f of [o, c]) {
      expect(f.downAt, 'tokenrouter_state_backend_up read 0 after the kill').to.be.a('number');
      expect(f.upAt, 'and 1 again after the promotion, within the run').to.be.a('number');
      expect(f.maxLatencyMs, 'no request waits longer than the command timeout plus its upstream time').to.be.lessThan(DEFAULT_COMMAND_TIMEOUT_MS + f.baselineMaxLatencyMs + SLACK_MS);
    }
    expect(o.failures, 'fail_open: no request fails').to.deep.equal([]);
    expect(c.failures.length, 'fail_closed: the gap refuses requests').to.be.greaterThan(0);
    for (const f of c.failures) {
      expect(`${f.status} ${f.code}`).to.equal('503 state_unavailable');
      expect(f.start, 'refused only in the gap (not before the kill)').to.be.at.least(c.killedAt);
      expect(f.start, 'refused only in the gap (not after the backend is up again)').to.be.at.most(c.upAt! + SLACK_MS);
    }
    expect(c.sent.filter((s) => s.start > c.upAt! + SLACK_MS).every((s) => s.status === 200), 'fail_closed serves again after the gap').to.equal(true);

    console.log(`      [figures] sentinel: rpm enforced again ${openEnforced} ms (fail_open router) / ${closedEnforced} ms (fail_closed router) after backend_up returned to 1`);
    expect(openEnforced, 'limits are enforced again within seconds of promotion').to.be.lessThan(3000);
    expect(closedEnforced, 'limits are enforced again within seconds of promotion').to.be.lessThan(3000);
    expect(await gauge(open!, 'tokenrouter_state_backend_up')).to.equal(1);
    expect(await gauge(closed!, 'tokenrouter_state_backend_up')).to.equal(1);
  });
});
