// The console (issue 21) in a real headless Chromium: Debian's chromium driven by puppeteer-core
// against the demo stack (provider simulators + router). Traffic goes through the openai SDK — a
// success, a firewall block, a failover — then the test opens each page as an admin would: data on
// every page, a broken policy file's file:line:col on Overview, the block and the failover with
// their reasons in Decisions, Explain, a live counter moving without a reload, a non-admin key
// refused, the session cookie out of JavaScript's reach, no CSP violation, no sideways scroll on a
// phone. It writes <page>-<theme>.png (desktop width) for each page: see SHOTS below.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import OpenAI from 'openai';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import type { DemoStack } from '../../src/cli/demo-stack.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { BLOCK_RULE, FAILOVER_RULE, rulesYaml } from '../helpers/drills.js';
import { startStack, waitFor, type KeyDef } from '../integration/shared-state-stack.js';

// The callbacks below run in the page, not in Node: their browser globals, declared loosely here
// (this project compiles without the DOM library).
declare const document: any, window: any, location: any, localStorage: any, sessionStorage: any, getComputedStyle: any;
type HTMLElement = { innerText: string; getAttribute(name: string): string | null };
type HTMLTextAreaElement = { value: string };

const ADMIN: KeyDef = { name: 'console-admin', key: 'console-admin-key', extra: 'admin: true' };
const USER: KeyDef = { name: 'console-user', key: 'console-user-key' };

// The shared drills (test/helpers/drills.ts): tagged requests fail over, a phrase is blocked.
const RULES = rulesYaml('RoutingRules', 'console-rules', [FAILOVER_RULE]);

const FIREWALL = rulesYaml('FirewallRules', 'console-firewall', [BLOCK_RULE]);

// "priorty" is a typo the schema rejects, on line 7 col 7 of the file.
const BROKEN = `apiVersion: tokenrouter/v1
kind: RoutingRules
metadata: { name: broken-rules }
spec:
  rules:
    - name: typo-rule
      priorty: 5
      match: { contains: hello }
      action: { set_mode: cost }
`;

const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => p && existsSync(p));
// Every run writes them to test-results/console/ (git-ignored); UPDATE_SCREENSHOTS=1 writes the README's
// copies in docs/console/ instead, so a plain test run leaves the working tree clean.
const SHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? path.join(REPO_ROOT, 'docs', 'console') : path.join(REPO_ROOT, 'test-results', 'console');
const PAGES = ['overview', 'rules', 'providers', 'decisions', 'explain', 'usage'] as const;

describe('console in a browser', function () {
  this.timeout(60_000);
  let stack: DemoStack;
  let browser: Browser;
  let page: Page;
  /** CSP violations the page reported (securitypolicyviolation events and console messages). */
  const violations: string[] = [];
  const base = () => `${stack.router.url}/console/`;
  const sdk = () => new OpenAI({ apiKey: USER.key, baseURL: `${stack.router.url}/v1`, maxRetries: 0 });
  const metered = (content: string, extra: Record<string, unknown> = {}) =>
    sdk().chat.completions.create({ model: 'openai/metered', messages: [{ role: 'user', content }], max_tokens: 4, ...extra } as any);

  const text = (selector: string) => page.$eval(selector, (e) => (e as HTMLElement).innerText);
  const waitText = (selector: string, test: string, timeout = 10_000) =>
    page.waitForFunction((s: string, t: string) => [...document.querySelectorAll(s)].some((e) => (e as HTMLElement).innerText.includes(t)), { timeout }, selector, test);
  /** A fresh page load (a hash change alone would keep the mounted page and its data) at #/<hash>. */
  const go = async (hash: string, ready: string) => {
    await page.goto('about:blank');
    await page.goto(`${base()}#/${hash}`);
    await page.waitForSelector(ready, { timeout: 10_000 });
    await page.waitForSelector('.live-dot.on', { timeout: 10_000 }); // the live stream is connected
  };
  /** Signs in through the form; answers the error text when the login is refused. */
  const signIn = async (key: string): Promise<string | null> => {
    await page.goto(base());
    await page.waitForSelector('#login-key');
    await page.type('#login-key', key);
    await page.click('form button[type=submit]');
    const el = await page.waitForSelector('#login-error, main[data-page]', { timeout: 10_000 });
    return (await el!.evaluate((e) => e.id)) === 'login-error' ? text('#login-error') : null;
  };

  before(async function () {
    if (!CHROMIUM) {
      console.log('    (skipped: no chromium found — install Debian’s chromium package or set CHROMIUM_PATH)');
      this.skip();
    }
    stack = await startStack({ keys: [ADMIN, USER], files: { 'zz-console-rules.yaml': RULES, 'zz-console-firewall.yaml': FIREWALL } });
    // A success, a block, a failover.
    await metered('one two three');
    const blocked = await metered('tell me the launch codes').catch((e: unknown) => e);
    expect((blocked as { status?: number }).status).to.equal(403);
    await sdk().chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'seven eight' }], max_tokens: 4, metadata: { drill: 'failover' } } as any);

    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 860 });
    await page.evaluateOnNewDocument(() => {
      document.addEventListener('securitypolicyviolation', (e: { violatedDirective: string; blockedURI: string }) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
    });
    page.on('console', (m) => {
      if (/content security policy|CSP violation/i.test(m.text())) violations.push(m.text());
    });
    page.on('pageerror', (e) => violations.push(`page error: ${(e as Error).message}`));
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('refuses a non-admin key at login, and that browser sees no data', async () => {
    const res = await page.goto(base());
    expect(res!.headers()['content-security-policy']).to.include("script-src 'self'");
    const error = await signIn(USER.key);
    expect(error).to.match(/admin/);
    expect(await page.$('main[data-page]'), 'no console shell').to.equal(null);
    const api = await page.evaluate(async () => (await fetch('/console/api/decisions')).status);
    expect(api).to.equal(401);
    expect(await page.evaluate(() => document.body.innerText)).to.not.include('broken-first');
  });

  it('an admin key signs in; the session cookie is HttpOnly and the key is nowhere in the page’s reach', async () => {
    expect(await signIn(ADMIN.key)).to.equal(null);
    const cookie = (await page.cookies()).find((c) => c.name === 'tr_console');
    expect(cookie, 'the session cookie').to.not.equal(undefined);
    expect(cookie!.httpOnly).to.equal(true);
    expect(cookie!.sameSite).to.equal('Strict');
    const seen = await page.evaluate(() => ({ cookie: document.cookie, url: location.href, storage: JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) }));
    expect(seen.cookie).to.not.include('tr_console');
    for (const where of [seen.url, seen.storage, seen.cookie]) expect(where).to.not.include(ADMIN.key);
    expect(await text('[data-field=who]')).to.equal(ADMIN.name);
  });

  it('each page renders with data', async () => {
    await go('overview', '[data-field=version]');
    expect(await text('[data-field=version]')).to.equal(stack.router.store.current()!.version);
    await waitText('[data-stat=requestsToday] .stat-value', '3');

    await go('rules', '[data-rule=broken-first]');
    expect(await page.$eval('[data-rule=broken-first] [data-field=hits]', (e) => (e as HTMLElement).innerText)).to.equal('1');
    expect(await page.$eval('[data-rule=no-launch-codes] [data-field=hits]', (e) => (e as HTMLElement).innerText)).to.equal('1');

    await go('providers', '[data-deployment="openai/metered"]');
    expect(await text('[data-deployment="openai/metered"]')).to.match(/closed/);

    await go('decisions', 'tr[data-request-id]');
    const outcomes = await page.$$eval('tr[data-request-id]', (rows) => rows.map((r) => r.getAttribute('data-outcome')));
    expect(outcomes).to.include.members(['success', 'blocked']);

    await go('usage', '[data-group]');
    expect(await text('[data-group=console-user]')).to.include('$0.008'); // two metered answers at $0.004
    expect(await page.$$eval('svg[data-chart] rect', (r) => r.length)).to.be.greaterThan(0);
  });

  it('the block and the failover appear in Decisions with their reasons', async () => {
    await go('decisions', 'tr[data-outcome=blocked]');
    await page.click('tr[data-outcome=blocked]');
    await page.waitForSelector('.decision [data-firewall=no-launch-codes]');
    expect(await text('.decision [data-firewall=no-launch-codes]')).to.match(/block/);
    expect(await text('.decision')).to.match(/firewall_blocked/);
    expect(await text('.decision')).to.match(/No provider was called/);

    await go('decisions', 'tr[data-request-id]');
    await page.type('#f-rule', 'broken-first');
    await page.click('.filters button[type=submit]');
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('tr[data-request-id]')];
      return rows.length === 1 && (rows[0] as HTMLElement).innerText.includes('broken-first');
    });
    await page.click('tr[data-request-id]');
    await page.waitForSelector('.decision [data-field=failover-reason]');
    expect(await text('.decision [data-field=failover-reason]')).to.match(/Failover:\s*\S+/);
    const attempts = await page.$$eval('.decision tr[data-attempt]', (rows) => rows.map((r) => (r as HTMLElement).innerText));
    expect(attempts.length).to.equal(3);
    expect(attempts[1]).to.match(/metered-broken[\s\S]*failover[\s\S]*server_error[\s\S]*500/);
    expect(attempts[2]).to.match(/metered[\s\S]*success/);
    await shoot('decision');
  });

  it('Explain answers without calling a provider', async () => {
    await go('explain', '#explain-body');
    const calls = stack.sim.calls.length;
    await page.$eval('#explain-body', (e) => ((e as HTMLTextAreaElement).value = ''));
    await page.type('#explain-body', JSON.stringify({ model: 'auto', input: 'seven eight', metadata: { drill: 'failover' } }));
    await page.click('form.explain button[type=submit]');
    await page.waitForSelector('[data-field=explain-target]');
    expect(await text('[data-field=explain-target]')).to.equal('openai/metered-broken');
    expect(await text('[data-field=explain-answer]')).to.include('broken-first');
    expect(stack.sim.calls.length).to.equal(calls);
  });

  it('live counters and new decisions arrive after more traffic, without a reload', async () => {
    await go('overview', '[data-stat=requestsToday]');
    await page.evaluate(() => ((window as any).__sameDocument = true));
    const before = Number((await text('[data-stat=requestsToday] .stat-value')).replace(/\D/g, ''));
    await metered('one more');
    await metered('and another');
    await page.waitForFunction(
      (n: number) => Number((document.querySelector('[data-stat=requestsToday] .stat-value') as HTMLElement).innerText.replace(/\D/g, '')) >= n + 2,
      { timeout: 10_000 },
      before,
    );
    expect(await page.evaluate(() => (window as any).__sameDocument), 'the page was not reloaded').to.equal(true);

    // Decisions: a new request's row arrives by the stream.
    await go('decisions', 'tr[data-request-id]');
    await page.evaluate(() => ((window as any).__sameDocument = true));
    const rows = (await page.$$('tr[data-request-id]')).length;
    await metered('a live row');
    await page.waitForFunction((n: number) => document.querySelectorAll('tr[data-request-id]').length === n + 1, { timeout: 10_000 }, rows);
    expect(await page.evaluate(() => (window as any).__sameDocument), 'the page was not reloaded').to.equal(true);
  });

  it('a policy file made invalid shows its file:line:col on Overview', async () => {
    const version = stack.router.store.current()!.version;
    await writeFile(path.join(stack.policyDir, 'zz-broken.yaml'), BROKEN);
    await waitFor('the rejected reload', () => stack.router.store.lastReload()?.result === 'error');
    const problem = stack.router.store.lastReload()!.problems[0]!;
    expect(problem.line, 'the schema error points at the typo').to.equal(7);
    await go('overview', '.problem .where');
    expect(await text('.problem .where')).to.equal(`${problem.file}:${problem.line}:${problem.col}`);
    expect(await text('.problem')).to.include(problem.message);
    expect(await text('[data-field=version]'), 'the old version still serves').to.equal(version);
    await shoot('overview-error');
    await rm(path.join(stack.policyDir, 'zz-broken.yaml'));
    await waitFor('the repaired reload', () => stack.router.store.lastReload()?.result !== 'error');
  });

  it('screenshots every page in both themes; the toggle pins a theme', async () => {
    await mkdir(SHOTS, { recursive: true });
    for (const theme of ['light', 'dark'] as const) {
      await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: theme }]);
      for (const p of PAGES) {
        await go(p, 'main[data-page] .card');
        if (p === 'explain') {
          await page.click('form.explain button[type=submit]');
          await page.waitForSelector('[data-field=explain-answer]');
        }
        if (p === 'usage') await page.waitForSelector('[data-group]');
        await page.screenshot({ path: path.join(SHOTS, `${p}-${theme}.png`), fullPage: true });
      }
    }
    // System dark; the toggle pins light, and the choice survives a reload.
    const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const dark = await bg();
    await page.click('#theme-toggle');
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).to.equal('light');
    expect(await bg()).to.not.equal(dark);
    await page.reload();
    await page.waitForSelector('main[data-page]');
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).to.equal('light');
    await page.evaluate(() => localStorage.clear());
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
  });

  it('fits a 390 px phone: no sideways page scroll on any page', async () => {
    await page.setViewport({ width: 390, height: 844, isMobile: true, hasTouch: true });
    try {
      for (const p of [...PAGES, 'decisions/unknown-id'] as const) {
        await go(p, 'main[data-page] .card, main[data-page] .error');
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(width, `#/${p} scrolls sideways`).to.be.at.most(390);
      }
    } finally {
      await page.setViewport({ width: 1280, height: 860 });
    }
  });

  it('logs out: the login form is back and the data is closed', async () => {
    await go('overview', '#logout');
    await page.click('#logout');
    await page.waitForSelector('#login-key');
    expect(await page.evaluate(async () => (await fetch('/console/api/overview')).status)).to.equal(401);
  });

  it('reported no CSP violation and no page error', () => {
    expect(violations).to.deep.equal([]);
  });

  async function shoot(name: string): Promise<void> {
    await mkdir(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, `${name}-light.png`), fullPage: true });
  }
});
