import { expect } from 'chai';
import type { PolicySet } from '../../../src/policy/types.js';
import { clearCookie, ConsoleSessions, SESSION_LIFETIME_MS, sessionCookie, setCookie } from '../../../src/console/sessions.js';

const set = (keys: { name: string; admin?: boolean }[]) => ({ apiKeys: keys }) as unknown as PolicySet;
const ADMINS = set([{ name: 'ops', admin: true }, { name: 'user' }]);

describe('console: sessions', () => {
  it('a session id is 256 random bits, bound to the key name, checked against the live keys', () => {
    const s = new ConsoleSessions();
    const id = s.create('ops');
    expect(id).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(id, 'base64url')).to.have.length(32);
    expect(s.create('ops')).to.not.equal(id);
    expect(s.check(id, ADMINS)).to.equal('ops');
    expect(s.check('A'.repeat(43), ADMINS)).to.equal(undefined);
    expect(s.check(undefined, ADMINS)).to.equal(undefined);
  });

  it('refuses (and forgets) a session whose key is gone or no longer admin', () => {
    const s = new ConsoleSessions();
    const id = s.create('ops');
    expect(s.check(id, set([{ name: 'ops' }]))).to.equal(undefined);
    expect(s.check(id, ADMINS), 'forgotten, not suspended').to.equal(undefined);
    const other = s.create('ops');
    expect(s.check(other, set([{ name: 'someone-else', admin: true }]))).to.equal(undefined);
  });

  it('lives 8 hours', () => {
    let now = 1_000_000;
    const s = new ConsoleSessions(1000, () => now);
    const id = s.create('ops');
    now += SESSION_LIFETIME_MS - 1;
    expect(s.check(id, ADMINS)).to.equal('ops');
    now += 1;
    expect(s.check(id, ADMINS)).to.equal(undefined);
  });

  it('is bounded: the oldest session goes first', () => {
    const s = new ConsoleSessions(1000);
    const first = s.create('ops');
    const second = s.create('ops');
    for (let i = 0; i < 998; i++) s.create('ops');
    expect(s.size).to.equal(1000);
    s.create('ops');
    expect(s.size).to.equal(1000);
    expect(s.check(first, ADMINS)).to.equal(undefined);
    expect(s.check(second, ADMINS)).to.equal('ops');
  });

  it('cookies: exact flags, Secure on request; the id read back only in its own shape', () => {
    const id = 'B'.repeat(43);
    expect(setCookie(id, false)).to.equal(`tr_console=${id}; HttpOnly; SameSite=Strict; Path=/console; Max-Age=28800`);
    expect(setCookie(id, true)).to.equal(`tr_console=${id}; HttpOnly; SameSite=Strict; Path=/console; Max-Age=28800; Secure`);
    expect(clearCookie(false)).to.equal('tr_console=; HttpOnly; SameSite=Strict; Path=/console; Max-Age=0');
    expect(sessionCookie(`a=b; tr_console=${id}; c=d`)).to.equal(id);
    expect(sessionCookie('tr_console=short')).to.equal(undefined);
    expect(sessionCookie('other=1')).to.equal(undefined);
    expect(sessionCookie(undefined)).to.equal(undefined);
  });
});
