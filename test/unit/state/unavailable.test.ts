// The state backend pointed at a Redis that is not there (a port nothing
// listens on): every operation fails fast — no offline queue, no hang — and
// the guard applies the configured behaviour. fail_open admits without the
// shared checks, fail_closed refuses with 503 state_unavailable; writes after
// the answer are dropped and counted; a stored response cannot be read
// (503 in both modes). Each failure is counted by op and handling.
import { expect } from 'chai';
import net from 'node:net';
import type { PolicySet } from '../../../src/policy/types.js';
import { createSharedState, type SharedState } from '../../../src/state/backend.js';
import type { OnUnavailable } from '../../../src/state/guard.js';
import { RouterError } from '../../../src/errors/registry.js';
import { createMetrics, type Metrics } from '../../../src/telemetry/metrics.js';

async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

const set = {
  apiKeys: [
    { name: 'limited', hash: Buffer.alloc(32), limits: { rpm: 5, budget: { amountUsd: 1, period: 'day' } } },
    { name: 'free', hash: Buffer.alloc(32, 1) },
  ],
} as unknown as PolicySet;

async function counter(m: Metrics, op: string, handling: string): Promise<number> {
  const v = (await m.stateErrors.get()).values.find((x) => x.labels.op === op && x.labels.handling === handling);
  return v?.value ?? 0;
}

describe('state backend unavailable (Redis not listening)', () => {
  let state: SharedState;
  let metrics: Metrics;
  let mode: OnUnavailable = 'fail_open';
  before(async () => {
    metrics = createMetrics({ defaultMetrics: false });
    state = createSharedState({ backend: 'redis', redisUrl: `redis://127.0.0.1:${await deadPort()}`, keyPrefix: 'tr-test-dead:' }, { metrics, settings: () => ({ onUnavailable: mode }) });
  });
  after(async () => {
    await state.close();
  });

  it('reports itself down', async () => {
    expect(state.up()).to.equal(false);
    expect((await metrics.stateUp.get()).values[0]!.value).to.equal(0);
  });

  it('fail_open: a limited key is admitted without the shared checks, fast, and it is counted', async () => {
    mode = 'fail_open';
    const t0 = Date.now();
    const ticket = await state.keys.admit(set, 'limited', 0.01);
    expect(Date.now() - t0, 'no queueing, no timeout wait').to.be.lessThan(500); // the command timeout is 1 s
    expect(ticket).to.include({ key: 'limited' });
    expect(ticket!.budget, 'nothing was reserved').to.equal(undefined);
    expect(await counter(metrics, 'key_rate', 'fail_open')).to.equal(1);
    expect(await counter(metrics, 'key_budget', 'fail_open')).to.equal(1);
    expect(await state.keys.admit(set, 'free', 0.01), 'a key without limits needs no state').to.equal(undefined);
  });

  it('fail_closed: every request is refused with 503 state_unavailable and retry-after', async () => {
    mode = 'fail_closed';
    for (const key of ['limited', 'free']) {
      let err: unknown;
      try {
        await state.keys.admit(set, key, 0.01);
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(RouterError);
      expect(err).to.include({ code: 'state_unavailable', status: 503 });
      expect((err as RouterError).headers).to.deep.equal({ 'retry-after': '2' });
    }
    mode = 'fail_open';
  });

  it('writes after the answer are dropped and counted, never thrown', async () => {
    state.recordUsage({ key: 'limited', provider: 'p', model: 'm', inputTokens: 1, outputTokens: 1, cachedTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, costUsd: 0, error: false });
    await state.conversations.put({ id: 'resp_x', stored: false, createdAt: 1 });
    await state.flush();
    expect(await counter(metrics, 'usage', 'dropped')).to.equal(1);
    expect(await counter(metrics, 'conversations', 'dropped')).to.equal(1);
  });

  it('a stored response or the usage ledger cannot be read: 503 in either mode', async () => {
    for (const m of ['fail_open', 'fail_closed'] as const) {
      mode = m;
      for (const read of [() => state.conversations.get('resp_x'), () => state.queryUsage({ from: '2025-01-01', to: '2025-01-01' })]) {
        let err: unknown;
        try {
          await read();
        } catch (e) {
          err = e;
        }
        expect(err).to.include({ code: 'state_unavailable', status: 503 });
      }
    }
    mode = 'fail_open';
    expect(await counter(metrics, 'conversations', 'unavailable')).to.equal(2);
  });
});
