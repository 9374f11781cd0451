// Back-off distribution (A19, docs/reliability.md#a19), retry budget, circuit breaker state machine,
// and the outcome classification table.
import { expect } from 'chai';
import { backoffMs, BACKOFF_BASE_MS } from '../../../src/upstream/backoff.js';
import { Breakers } from '../../../src/upstream/breaker.js';
import { classifyMapped, classifyTransport } from '../../../src/upstream/classify.js';
import { UpstreamTransportError } from '../../../src/upstream/client.js';
import { RetryBudget } from '../../../src/upstream/retry-budget.js';

describe('resilience primitives', () => {
  describe('back-off (A19)', () => {
    it('1,000 retries: fully jittered in [0, (2^N − 1)·base), capped at 10·base', () => {
      for (const n of [1, 2, 3, 4, 5, 8]) {
        const ceiling = Math.min((2 ** n - 1) * BACKOFF_BASE_MS, 10 * BACKOFF_BASE_MS);
        const samples = Array.from({ length: 1000 }, () => backoffMs(n));
        expect(Math.min(...samples), `retry ${n}`).to.be.at.least(0);
        expect(Math.max(...samples), `retry ${n}`).to.be.below(ceiling);
        // jittered, not constant: the samples spread over most of the range
        expect(Math.max(...samples) - Math.min(...samples), `retry ${n}`).to.be.greaterThan(ceiling * 0.8);
        const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
        expect(mean, `retry ${n} mean`).to.be.within(ceiling * 0.4, ceiling * 0.6);
      }
    });
  });

  describe('retry budget', () => {
    it('allows extra attempts up to 20% of requests in flight, never fewer than 3', () => {
      const b = new RetryBudget(0.2, 3);
      for (let i = 0; i < 100; i++) b.begin();
      let granted = 0;
      while (b.tryAcquire()) granted++;
      expect(granted).to.equal(20);
      b.release();
      expect(b.tryAcquire()).to.equal(true);
      const small = new RetryBudget(0.2, 3);
      small.begin();
      let few = 0;
      while (small.tryAcquire()) few++;
      expect(few).to.equal(3);
    });
  });

  describe('circuit breaker', () => {
    it('opens after consecutive failures, lets one probe through when the ejection ends, closes on success', () => {
      let now = 0;
      const b = new Breakers({ consecutiveFailures: 3, errorRatio: 0.9, window: 20, minRequests: 100, baseEjectionMs: 1000, maxEjectionMs: 10_000 }, () => now);
      const seen: string[] = [];
      b.onChange((_k, s) => seen.push(s));
      b.failure('p/m');
      b.failure('p/m');
      expect(b.state('p/m')).to.equal('closed');
      b.failure('p/m');
      expect(b.state('p/m')).to.equal('open');
      expect(b.allow('p/m')).to.equal(false);
      now = 1000;
      expect(b.state('p/m')).to.equal('half_open');
      expect(b.allow('p/m')).to.equal(true); // the probe
      expect(b.allow('p/m')).to.equal(false); // only one
      b.success('p/m');
      expect(b.state('p/m')).to.equal('closed');
      expect(seen).to.deep.equal(['open', 'half_open', 'closed']);
    });

    it('a failed probe re-opens for longer (ejection time × times ejected, capped)', () => {
      let now = 0;
      const b = new Breakers({ consecutiveFailures: 1, errorRatio: 1, window: 20, minRequests: 100, baseEjectionMs: 1000, maxEjectionMs: 2500 }, () => now);
      b.failure('k');
      expect(b.openFor('k')).to.equal(1000);
      now = 1000;
      expect(b.allow('k')).to.equal(true);
      b.failure('k');
      expect(b.openFor('k')).to.equal(2000);
      now = 3000;
      b.allow('k');
      b.failure('k');
      expect(b.openFor('k')).to.equal(2500); // capped
    });

    it('opens on an error ratio over the window with enough requests', () => {
      const b = new Breakers({ consecutiveFailures: 100, errorRatio: 0.5, window: 10, minRequests: 10, baseEjectionMs: 1000, maxEjectionMs: 1000 });
      for (let i = 0; i < 10; i++) (i % 2 === 1 ? b.failure('k') : b.success('k'));
      expect(b.state('k')).to.equal('open');
    });
  });

  describe('classification', () => {
    const m = (status: number, code: string | null, extra: object = {}) => ({ status, type: 'x', code, message: 'm', ...extra });
    const table: [string, ReturnType<typeof m>, number | undefined, string, string, boolean][] = [
      ['429 rate limit → failover, not a provider fault', m(429, 'rate_limit_exceeded', { retryAfterSeconds: 2 }), 429, 'failover', 'rate_limited', false],
      ['spend cap → failover, never retried, no breaker trip', m(429, 'insufficient_quota', { shouldRetry: false }), 429, 'failover', 'quota', false],
      ['500 → retry', m(500, null), 500, 'retry', 'server_error', true],
      ['502 → retry', m(502, 'upstream_error'), 502, 'retry', 'server_error', true],
      ['503 overloaded → retry', m(503, 'server_is_overloaded'), 503, 'retry', 'overloaded', true],
      ['Anthropic 529 → retry', m(503, 'server_is_overloaded'), 529, 'retry', 'overloaded', true],
      ['504 → retry (a gateway error, like 502/503)', m(504, 'timeout'), 504, 'retry', 'server_error', true],
      ['408 → failover (timeout)', m(504, 'timeout'), 408, 'failover', 'timeout', true],
      ['401 on our key → failover, provider marked unhealthy', m(502, 'upstream_auth_error', { shouldRetry: false }), 401, 'failover', 'auth', true],
      ['400 → terminal', m(400, null), 400, 'terminal', 'invalid_response', false],
      ['404 → terminal', m(404, 'model_not_found'), 404, 'terminal', 'invalid_response', false],
      ['403 → terminal', m(403, null), 403, 'terminal', 'invalid_response', false],
      ['413 → terminal', m(413, 'request_too_large'), 413, 'terminal', 'invalid_response', false],
      ['400 context length → failover to a bigger window', { ...m(400, 'context_length_exceeded'), message: "This model's maximum context length is 8192 tokens" }, 400, 'failover', 'context_length', false],
    ];
    for (const [name, mapped, status, action, reason, fault] of table) {
      it(name, () => {
        const c = classifyMapped(mapped, status);
        expect([c.action, c.reason, c.providerFault]).to.deep.equal([action, reason, fault]);
      });
    }
    it('429 carries the retry-after for the cool-down', () => {
      expect(classifyMapped(m(429, 'rate_limit_exceeded', { retryAfterSeconds: 2 }), 429).retryAfterMs).to.equal(2000);
    });
    it('transport: reset → retry; refused/DNS → failover; timeout → failover', () => {
      expect(classifyTransport(new UpstreamTransportError('x', 'reset')).action).to.equal('retry');
      expect(classifyTransport(new UpstreamTransportError('x', 'connect')).action).to.equal('failover');
      expect(classifyTransport(new UpstreamTransportError('x', 'timeout')).action).to.equal('failover');
    });
  });
});
