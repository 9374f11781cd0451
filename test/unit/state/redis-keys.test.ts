// Cluster-safe keys (issue 22): the slot arithmetic matches Redis's, every
// key builder keeps each script's keys in one hash slot with the prefix first,
// and — against a real Redis behind a client that records every script call
// and pipeline while calling itself a Cluster — every key list a state backend
// sends in one script or one pipeline shares one slot.
import { expect } from 'chai';
import { createRequire } from 'node:module';
import { connectRedis, type RedisClient, type RedisHandle } from '../../../src/state/redis.js';
import { hashTag, RedisKeys } from '../../../src/state/redis-keys.js';
import { crc16, execPerSlot, hashSlot, hashTagOf } from '../../../src/state/redis-slot.js';
import { exerciseStateBackends, KEY_NAMES, PROVIDERS } from '../../helpers/redis-state-exercise.js';
import { deletePrefix, ready, requireRedis, TEST_REDIS_URL, testPrefix } from './backends.js';

const slots = (keys: readonly string[]) => new Set(keys.map(hashSlot));

describe('Redis Cluster hash slots', () => {
  it('CRC16-XMODEM and the slots of known keys are what Redis computes', () => {
    expect(crc16(Buffer.from('123456789'))).to.equal(0x31c3);
    // Values from CLUSTER KEYSLOT on Redis 7.
    expect(hashSlot('foo')).to.equal(12182);
    expect(hashSlot('bar')).to.equal(5061);
    expect(hashSlot('hello')).to.equal(866);
    expect(hashSlot('{user1000}.following')).to.equal(hashSlot('{user1000}.followers'));
    expect(hashSlot('{user1000}.following')).to.equal(hashSlot('user1000'));
  });

  it('the hash tag rules: first { to the first } after it, non-empty, else the whole key', () => {
    expect(hashTagOf('a{b}c{d}')).to.equal('b');
    expect(hashTagOf('foo{}{bar}')).to.equal('foo{}{bar}');
    expect(hashTagOf('foo{{bar}}zap')).to.equal('{bar');
    expect(hashTagOf('foo{bar')).to.equal('foo{bar');
    expect(hashTagOf('plain')).to.equal('plain');
  });

  it('agrees with cluster-key-slot (the module ioredis routes with) on many keys', function () {
    let reference: (key: string) => number;
    try {
      const req = createRequire(import.meta.url);
      reference = req(req.resolve('cluster-key-slot', { paths: [req.resolve('ioredis')] })) as (key: string) => number;
    } catch {
      console.log('      [skipped] cluster-key-slot is not resolvable next to ioredis');
      this.skip();
    }
    const keys = ['', 'foo', 'a{b}c', '{}x', 'tokenrouter:{k:team-a}:rq', 'é{ü}', ...Array.from({ length: 2000 }, (_, i) => `tr:${i}:{p:${i % 37}}:x${i}`)];
    for (const k of keys) expect(hashSlot(k), k).to.equal(reference!(k));
  });
});

describe("RedisKeys: every builder keeps a script's keys in one slot, prefix first", () => {
  const prefixes = ['tokenrouter:', '', 'fleet-b.eu:'];

  for (const prefix of prefixes) {
    const k = new RedisKeys(prefix);
    it(`prefix "${prefix}"`, () => {
      const all: string[] = [];
      for (const name of KEY_NAMES) {
        const w = k.keyWindows(name);
        const group = [w.rq, w.tk, k.budget(name, 'd2026-12-07'), k.budget(name, 'm2026-12'), k.usage('2026-12-07', name), k.usage('2025-01-01', name)];
        expect(slots(group), `client key ${name}`).to.have.length(1);
        expect(hashTagOf(w.rq)).to.equal(`k:${name}`);
        all.push(...group);
      }
      for (const name of PROVIDERS) {
        const p = k.provider(name, '2026-12-07');
        const group = [p.rq, p.tk, p.fl, p.sp, k.provider(name, '2026-12-08').sp, k.providerCool(name)];
        expect(slots(group), `provider ${name}`).to.have.length(1);
        expect(hashTagOf(p.fl)).to.equal(`p:${name}`);
        all.push(...group);
      }
      const c = k.cache();
      const cacheGroup = [k.cacheEntry('abc'), k.cacheEntry('zzz'), c.index, c.sizes, c.bytes, c.entryPrefix + 'evicted-by-name'];
      expect(slots(cacheGroup), 'cache').to.have.length(1);
      all.push(...cacheGroup, k.response('resp_1'), k.usageIndex('2026-12-07'));
      expect(hashTagOf(k.response('resp_1'))).to.equal('r:resp_1');
      for (const key of all) expect(key.startsWith(prefix), key).to.equal(true);
      // The tags spread keys over slots: the builders do not pile everything into one.
      expect(slots(all).size).to.be.greaterThan(KEY_NAMES.length);
    });
  }

  it('tagged keys are <prefix>{tag}:rest', () => {
    const k = new RedisKeys('tr:');
    expect(k.keyWindows('team-a')).to.deep.equal({ rq: 'tr:{k:team-a}:rq', tk: 'tr:{k:team-a}:tk' });
    expect(k.budget('team-a', 'd2026-12-07')).to.equal('tr:{k:team-a}:b:d2026-12-07');
    expect(k.provider('openai', '2026-12-07')).to.deep.equal({ rq: 'tr:{p:openai}:rq', tk: 'tr:{p:openai}:tk', fl: 'tr:{p:openai}:fl', sp: 'tr:{p:openai}:sp:2026-12-07' });
    expect(k.providerCool('openai')).to.equal('tr:{p:openai}:cool');
    expect(k.response('resp_1')).to.equal('tr:{r:resp_1}');
    expect(k.cacheEntry('h')).to.equal('tr:{cache}:e:h');
  });

  it('a value with a brace cannot end or open a tag: it is replaced by a digest', () => {
    const k = new RedisKeys('tr:');
    const hostile = k.response('x}{y');
    expect(hostile).to.match(/^tr:\{r:#[0-9a-f]{24}\}$/);
    expect(hashTag('r', 'x}{y')).to.not.equal(hashTag('r', 'x}{z'));
    expect(hashTag('k', 'plain')).to.equal('{k:plain}');
  });

  it("a prefix with a brace is refused (it would become every key's tag)", () => {
    expect(() => new RedisKeys('tr{x}:')).to.throw(/must not contain/);
    expect(() => new RedisKeys('tr{')).to.throw(/must not contain/);
  });
});

describe('execPerSlot', () => {
  /** A fake connection: records which commands went into which pipeline, answers each with its key. */
  const fake = (isCluster: boolean) => {
    const pipelines: string[][] = [];
    return {
      pipelines,
      client: {
        isCluster,
        pipeline() {
          const keys: string[] = [];
          pipelines.push(keys);
          const p = {
            get(key: string) {
              keys.push(key);
              return p;
            },
            exec: async () => keys.map((k) => [null, `v:${k}`]),
          };
          return p as never;
        },
      },
    };
  };
  const keys = ['tr:{k:a}:rq', 'tr:{k:b}:rq', 'tr:{k:a}:tk', 'tr:{p:x}:fl', 'tr:{k:b}:tk'];
  const commands = keys.map((key) => ({ key, add: (p: { get(k: string): unknown }) => void p.get(key) }));

  it('on a Cluster: one pipeline per slot, results in the callers order', async () => {
    const f = fake(true);
    expect(await execPerSlot(f.client, commands as never)).to.deep.equal(keys.map((k) => `v:${k}`));
    expect(f.pipelines).to.have.length(3);
    for (const p of f.pipelines) expect(slots(p)).to.have.length(1);
  });

  it('elsewhere: one pipeline', async () => {
    const f = fake(false);
    expect(await execPerSlot(f.client, commands as never)).to.deep.equal(keys.map((k) => `v:${k}`));
    expect(f.pipelines).to.deep.equal([keys]);
  });
});

interface Call {
  kind: 'script' | 'pipeline';
  keys: string[];
}

/** The real client, calling itself a Cluster, recording the keys of every script call and pipeline. */
function recording(real: RedisClient, calls: Call[]): RedisClient {
  return new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === 'isCluster') return true;
      if (prop === 'evalsha' || prop === 'eval') {
        return (script: string, n: number, ...rest: unknown[]) => {
          calls.push({ kind: 'script', keys: rest.slice(0, n).map(String) });
          return (target[prop] as (...a: unknown[]) => unknown)(script, n, ...rest);
        };
      }
      if (prop === 'pipeline') {
        return () => {
          const p = target.pipeline();
          const keys: string[] = [];
          const proxy: unknown = new Proxy(p, {
            get(pt, pp) {
              const v = (pt as unknown as Record<string | symbol, unknown>)[pp];
              if (pp === 'exec') {
                return () => {
                  calls.push({ kind: 'pipeline', keys });
                  return pt.exec();
                };
              }
              if (typeof v !== 'function') return v;
              return (...args: unknown[]) => {
                keys.push(String(args[0]));
                const r = (v as (...a: unknown[]) => unknown).apply(pt, args);
                return r === pt ? proxy : r;
              };
            },
          });
          return proxy;
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

describe('every script call and pipeline of the state backends stays in one slot (redis)', function () {
  this.timeout(30_000);
  const prefix = testPrefix();
  let real: RedisHandle | undefined;

  before(async function () {
    await requireRedis(this, 'state backend call sites against Redis');
    real = await ready(connectRedis({ url: TEST_REDIS_URL, prefix }));
  });
  after(async () => {
    if (!real) return;
    await real.close();
    await deletePrefix(TEST_REDIS_URL, prefix);
  });

  it('key windows, budgets, provider limits, usage ledger, stored responses, response cache', async () => {
    const calls: Call[] = [];
    const handle: RedisHandle = { client: recording(real!.client, calls), prefix, mode: 'cluster', up: true, close: async () => {} };
    const ran = await exerciseStateBackends(handle);
    expect(ran).to.have.length(6);
    const scripts = calls.filter((c) => c.kind === 'script');
    const pipelines = calls.filter((c) => c.kind === 'pipeline');
    // Every kind of multi-key script ran: key windows (2 keys), provider admit and cache put (4 keys).
    expect(new Set(scripts.map((c) => c.keys.length))).to.include.members([1, 2, 4]);
    // refresh() and the usage ledger sent work for several slots at once: it was split.
    expect(pipelines.length).to.be.greaterThan(KEY_NAMES.length + PROVIDERS.length);
    for (const c of calls) expect([...slots(c.keys)], `${c.kind} ${c.keys.join(' ')}`).to.have.length(1);
    for (const c of calls) for (const k of c.keys) expect(k.startsWith(prefix), k).to.equal(true);
    console.log(`      ${scripts.length} script calls and ${pipelines.length} pipelines checked, each in one slot`);
  });
});
