// Every Lua script and every pipeline of the state backends, through the
// classes the router uses, against a real 3-primary Redis Cluster on an
// ioredis Cluster handle (connectRedis in cluster mode): each answer is
// checked, so a CROSSSLOT or a MOVED that surfaced would fail a step. The keys
// must also have spread over every primary — otherwise the run proves nothing
// about slots. Skips with a message where redis-server is missing.
import { expect } from 'chai';
import type { Cluster } from 'ioredis';
import { connectRedis, type RedisHandle } from '../../src/state/redis.js';
import { hashSlot } from '../../src/state/redis-slot.js';
import { requireRedisBinaries, startRedisCluster, type RedisClusterSet } from '../helpers/redis-procs.js';
import { exerciseStateBackends } from '../helpers/redis-state-exercise.js';

async function until(what: string, cond: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('state backends on a real Redis Cluster (3 primaries): every script and pipeline', function () {
  this.timeout(120_000);
  let cluster: RedisClusterSet | undefined;
  const handles: RedisHandle[] = [];

  before(async function () {
    requireRedisBinaries(this, 'Redis Cluster scripts');
    cluster = await startRedisCluster({ primaries: 3, replicasPerPrimary: 0 });
  });
  after(async () => {
    for (const h of handles) await h.close();
    await cluster?.stop();
  });

  const open = async (prefix: string): Promise<RedisHandle> => {
    const h = connectRedis({ topology: { mode: 'cluster', nodes: cluster!.nodes }, prefix });
    handles.push(h);
    await until('the cluster handle to be up', () => h.up);
    return h;
  };

  it('runs each through the router classes with checked answers, no CROSSSLOT, no MOVED; the keys span every primary', async () => {
    const prefix = 'tr-cluster-scripts:';
    const h = await open(prefix);
    expect(h.mode).to.equal('cluster');
    const ran = await exerciseStateBackends(h);
    expect(ran).to.have.length(6);

    // Where the keys landed: every primary holds some, so multi-slot work really crossed nodes.
    const c = h.client as Cluster;
    const perNode: number[] = [];
    const slotsSeen = new Set<number>();
    for (const node of c.nodes('master')) {
      let n = 0;
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        cursor = next;
        n += keys.length;
        for (const k of keys) slotsSeen.add(hashSlot(k));
      } while (cursor !== '0');
      perNode.push(n);
    }
    console.log(`      ${ran.length} backends exercised; keys per primary: ${perNode.join(' / ')}; ${slotsSeen.size} slots`);
    expect(perNode).to.have.length(3);
    for (const n of perNode) expect(n).to.be.greaterThan(0);
    // Our slot arithmetic is the Cluster's: each key is on the node that CLUSTER KEYSLOT names.
    const sample = `${prefix}{k:team-a}:rq`;
    expect(Number(await c.cluster('KEYSLOT', sample))).to.equal(hashSlot(sample));
  });

  it("a second router handle (another replica) sees the first one's counts: the same slots, the same answers", async () => {
    const prefix = 'tr-cluster-replicas:';
    const first = await open(prefix);
    const second = await open(prefix);
    const { RedisKeyWindows } = await import('../../src/state/key-windows-redis.js');
    const a = new RedisKeyWindows(first);
    const b = new RedisKeyWindows(second);
    const names = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'];
    for (const k of names) {
      expect(await a.admit(k, { rpm: 2 })).to.deep.equal({ ok: true });
      expect(await b.admit(k, { rpm: 2 })).to.deep.equal({ ok: true });
      expect(await a.admit(k, { rpm: 2 })).to.include({ ok: false, used: 2 });
      expect(await b.admit(k, { rpm: 2 })).to.include({ ok: false, used: 2 });
    }
  });
});
