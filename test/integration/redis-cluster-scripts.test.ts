// Every Lua script and every pipeline of the state backends, through the
// classes the router uses, against a real 3-primary Redis Cluster on an
// ioredis Cluster handle (connectRedis in cluster mode): each answer is
// checked, so a CROSSSLOT or a MOVED that surfaced would fail a step. The keys
// must also have spread over every primary — otherwise the run proves nothing
// about slots. Skips with a message where redis-server is missing.
import { expect } from 'chai';
import { Redis, type Cluster } from 'ioredis';
import { RedisBudgets } from '../../src/state/budgets-redis.js';
import { RedisKeyWindows } from '../../src/state/key-windows-redis.js';
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
  it('a slot that moves to another primary under a running router: its scripts follow the MOVED, the counts carry on', async () => {
    const prefix = 'tr-cluster-moved:';
    const h = await open(prefix);
    const windows = new RedisKeyWindows(h);
    const budgets = new RedisBudgets(h);
    const spec = { amountUsd: 0.01, period: 'day' as const };
    expect(await windows.admit('mover', { rpm: 3 })).to.deep.equal({ ok: true });
    expect(await windows.admit('mover', { rpm: 3 })).to.deep.equal({ ok: true });
    expect((await budgets.reserve('mover', spec, 0.004)).ok).to.equal(true);

    // Move the key's slot by hand, as redis-cli --cluster reshard does: IMPORTING, MIGRATING, MIGRATE, SETSLOT NODE.
    const slot = hashSlot(`${prefix}{k:mover}:rq`);
    const masters = await clusterMasters(cluster!.nodes[0]!);
    const from = masters.find((m) => m.slots.some(([a, b]) => slot >= a && slot <= b))!;
    const to = masters.find((m) => m !== from)!;
    const src = new Redis(from.port, '127.0.0.1');
    const dst = new Redis(to.port, '127.0.0.1');
    try {
      await dst.cluster('SETSLOT', slot, 'IMPORTING', from.id);
      await src.cluster('SETSLOT', slot, 'MIGRATING', to.id);
      const keys = (await src.cluster('GETKEYSINSLOT', slot, 100)) as string[];
      expect(keys.length, 'the key window and budget hash are in the slot').to.be.at.least(2);
      await src.migrate('127.0.0.1', to.port, '', 0, 5000, 'KEYS', ...keys);
      // The two ends first (the importing side, then the migrating one), then every other primary.
      await dst.cluster('SETSLOT', slot, 'NODE', to.id);
      await src.cluster('SETSLOT', slot, 'NODE', to.id);
      for (const m of masters.filter((x) => x !== from && x !== to)) {
        const other = new Redis(m.port, '127.0.0.1');
        await other.cluster('SETSLOT', slot, 'NODE', to.id).finally(() => other.disconnect());
      }
    } finally {
      src.disconnect();
      dst.disconnect();
    }
    // The handle's slot map still names the old primary: the next commands get MOVED, which ioredis follows.
    const cached = (h.client as Cluster).slots[slot]!;
    expect(cached[0], 'the running handle still routes the slot to its old primary').to.equal(`127.0.0.1:${from.port}`);
    expect(await windows.admit('mover', { rpm: 3 })).to.deep.equal({ ok: true });
    expect(await windows.admit('mover', { rpm: 3 }), 'the count moved with the slot').to.include({ ok: false, used: 3 });
    const second = await budgets.reserve('mover', spec, 0.004);
    expect(second.ok).to.equal(true);
    expect((await budgets.reserve('mover', spec, 0.004)).ok, 'the reservations moved with the slot').to.equal(false);
    expect((h.client as Cluster).slots[slot]![0], 'and learnt the new one from the MOVED').to.equal(`127.0.0.1:${to.port}`);
    const owner = await clusterMasters(cluster!.nodes[0]!);
    expect(owner.find((m) => m.slots.some(([a, b]) => slot >= a && slot <= b))!.id).to.equal(to.id);
    console.log(`      slot ${slot} moved from :${from.port} to :${to.port}; the running handle's scripts followed it`);
  });
});

interface Master {
  id: string;
  port: number;
  slots: [number, number][];
}

/** The cluster's primaries and their slot ranges, from CLUSTER NODES. */
async function clusterMasters(node: string): Promise<Master[]> {
  const [host, port] = node.split(':');
  const c = new Redis(Number(port), host!);
  try {
    const text = (await c.cluster('NODES')) as string;
    return text
      .split('\n')
      .filter((l) => /\bmaster\b/.test(l) && !/\bfail\b/.test(l))
      .map((l) => {
        const f = l.trim().split(' ');
        const slots = f.slice(8).filter((r) => !r.startsWith('[')).map((r): [number, number] => {
          const [a, b] = r.split('-').map(Number);
          return [a!, b ?? a!];
        });
        return { id: f[0]!, port: Number(f[1]!.split('@')[0]!.split(':')[1]), slots };
      });
  } finally {
    c.disconnect();
  }
}
