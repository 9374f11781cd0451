import { expect } from 'chai';
import { LOGIN_FAILURES_PER_MINUTE, LoginLimit } from '../../../src/console/login-limit.js';

describe('console: login limit', () => {
  it('allows 10 failures per address per minute, then refuses until the minute has passed', () => {
    let now = 0;
    const limit = new LoginLimit(() => now);
    for (let i = 0; i < LOGIN_FAILURES_PER_MINUTE; i++) {
      expect(limit.allowed('10.0.0.1')).to.equal(true);
      limit.failed('10.0.0.1');
    }
    expect(limit.allowed('10.0.0.1')).to.equal(false);
    expect(limit.allowed('10.0.0.2'), 'per address').to.equal(true);
    now += 59_999;
    expect(limit.allowed('10.0.0.1')).to.equal(false);
    now += 1;
    expect(limit.allowed('10.0.0.1')).to.equal(true);
  });
});
