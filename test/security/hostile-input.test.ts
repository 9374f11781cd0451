// Finding 1: one request froze the router. The prompt firewall scan and the
// token count ran synchronously and before the key limits, so
//   - a key with rpm 2 had every one of its megabyte prompts scanned (and a
//     blocked word answered 403, never 429): the refusal came after the work;
//   - /v1/route/explain took the same path;
//   - 8 × 1 MB prompts in flight stalled /healthz for seconds;
//   - counting tokens of CJK, emoji or an unbroken run took up to 175 ms in one piece.
// Each case below failed before the pipeline put admitRate first and sliced
// the scan and the count (src/event-loop/slicer.ts).
import { expect } from 'chai';
import type { DemoStack } from '../../src/cli/demo-stack.js';
import { startDemoStack } from '../../src/cli/demo-stack.js';
import { Slicer } from '../../src/event-loop/slicer.js';
import { CHUNK_CHARS, estimateTokens, EXACT_LIMIT, RUN_CHUNK_CHARS, tokenSteps } from '../../src/routing/tokens.js';
import { hostileLoad, hostileTexts } from '../../bench/hostile.js';
import { keysYaml, type KeyDef } from '../integration/shared-state-stack.js';

const KEYS = {
  responses: { name: 'rpm-responses', key: 'sk-hostile-rpm-1', extra: 'rpm: 2' },
  explain: { name: 'rpm-explain', key: 'sk-hostile-rpm-2', extra: 'rpm: 2' },
  load: { name: 'load', key: 'sk-hostile-load' },
} satisfies Record<string, KeyDef>;

const FIREWALL = `apiVersion: tokenrouter/v1
kind: FirewallRules
metadata:
  name: hostile-firewall
spec:
  rules:
    - { name: block-word, scope: prompt, type: substring, pattern: project-nightingale, action: block }
    - { name: mask-emails, scope: prompt, type: regex, pattern: '[a-z0-9._%+-]+@[a-z0-9.-]+\\.[a-z]{2,}', action: mask, replacement: '[EMAIL]' }
`;

async function post(stack: DemoStack, path: string, key: string, body: unknown): Promise<{ status: number; code?: string }> {
  const r = await fetch(stack.router.url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await r.json()) as { error?: { code?: string } };
  return { status: r.status, ...(json.error?.code ? { code: json.error.code } : {}) };
}

describe('security: hostile input (finding 1)', function () {
  this.timeout(60_000);
  let stack: DemoStack;
  before(async () => {
    stack = await startDemoStack({ extraFiles: { 'keys.yaml': keysYaml(Object.values(KEYS)), 'firewall.yaml': FIREWALL } });
  });
  after(async () => stack?.stop());

  // A blocked word in a large prompt: scanning finds it (403). Past the key's
  // rpm the answer must be 429 — the request refused before any scan.
  const blockedPrompt = 'a'.repeat(200_000) + ' project-nightingale';

  it('a key over its rpm is refused (429) before its prompt is scanned, on /v1/responses', async () => {
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await post(stack, '/v1/responses', KEYS.responses.key, { model: 'auto', input: blockedPrompt }));
    expect(answers.map((a) => `${a.status} ${a.code}`)).to.deep.equal([
      '403 firewall_blocked',
      '403 firewall_blocked',
      '429 rate_limit_exceeded',
      '429 rate_limit_exceeded',
    ]);
  });

  it('and on /v1/route/explain, which takes the same path', async () => {
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await post(stack, '/v1/route/explain', KEYS.explain.key, { model: 'auto', input: blockedPrompt }));
    expect(answers.slice(0, 2).map((a) => a.status)).to.deep.equal([200, 200]);
    expect(answers.slice(2).map((a) => `${a.status} ${a.code}`)).to.deep.equal(['429 rate_limit_exceeded', '429 rate_limit_exceeded']);
  });

  it('counts tokens in bounded steps for every script, linear in the input', () => {
    for (const text of Object.values(hostileTexts(256 * 1024))) {
      const steps = tokenSteps(text);
      let n = 0;
      for (let r = steps.next(); !r.done; r = steps.next()) n++;
      // One step per CHUNK_CHARS counted characters of prose, RUN_CHUNK_CHARS of an unbroken run
      // (a step ends a little early at a surrogate pair); past EXACT_LIMIT the rest is extrapolated.
      const counted = Math.min(text.length, EXACT_LIMIT);
      expect(n, 'steps').to.be.within(Math.floor(counted / CHUNK_CHARS) - 1, Math.ceil((counted / RUN_CHUNK_CHARS) * 1.01));
      // Extrapolated past the counted prefix: twice the text, twice the estimate.
      const half = estimateTokens(text.slice(0, text.length / 2));
      expect(estimateTokens(text) / half).to.be.closeTo(2, 0.2);
    }
  });

  it('a Slicer gives the event loop back at least every few milliseconds of stepped work', async () => {
    // 60 steps of 1 ms each: run in one piece, no timer could fire for 60 ms.
    function* work(): Generator<void, number, undefined> {
      for (let i = 0; i < 60; i++) {
        const until = performance.now() + 1;
        while (performance.now() < until);
        yield;
      }
      return 60;
    }
    const fired: number[] = [];
    const t0 = performance.now();
    const timer = setInterval(() => fired.push(performance.now() - t0), 1);
    expect(await new Slicer().drive(work())).to.equal(60);
    clearInterval(timer);
    // In one piece no timer could fire until the end; sliced (SLICE_MS 2), one fires between slices.
    // Only the count is asserted: on a loaded machine any single gap may stretch.
    expect(fired.length, 'timer turns during the work').to.be.greaterThan(10);
  });

  it('/healthz keeps answering while 8 × 1 MB hostile prompts are in flight', async () => {
    // Generous bounds (a shared, noisy machine; the load generator shares this
    // process): before the fix /healthz waited 1–8 s behind the scans.
    // The targets (p99 ≤ 50 ms) are measured by `npm run bench` (bench/hostile-bench.ts).
    for (const text of Object.values(hostileTexts(1024 * 1024))) {
      const r = await hostileLoad({ url: stack.router.url, key: KEYS.load.key, path: '/v1/responses', text, inFlight: 8, durationMs: 1500, pollMs: 20, smallInFlight: 1 });
      expect(r.hostile.answered, 'hostile requests answered').to.be.greaterThan(0);
      expect(r.healthz.max, `healthz ${JSON.stringify(r.healthz)}`).to.be.below(1000);
      expect(r.small.failed, 'small requests failed').to.equal(0);
    }
  });
});
