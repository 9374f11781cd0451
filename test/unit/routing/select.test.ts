// Table-driven routing tests on a fixed catalog (test/fixtures/policies/valid/routing-catalog):
// the model-string grammar, each mode's ordering, the filters, rule precedence and hard constraints.
import { expect } from 'chai';
import path from 'node:path';
import type { CanonicalRequest } from '../../../src/canonical/types.js';
import { loadPolicyDirectory } from '../../../src/policy/load.js';
import type { PolicySet } from '../../../src/policy/types.js';
import { decide, type DecideContext, type RouteDecision } from '../../../src/routing/decide.js';
import { parseModelString } from '../../../src/routing/model-string.js';
import { RouterError } from '../../../src/errors/registry.js';
import { FIXTURES } from '../../helpers/paths.js';

function req(over: Partial<CanonicalRequest> & { text?: string } = {}): CanonicalRequest {
  const { text, ...rest } = over;
  return { api: 'responses', model: 'auto', items: [{ type: 'message', role: 'user', content: [{ type: 'text', text: text ?? 'hello' }] }], tools: [], stream: false, ...rest };
}

const key = (d: RouteDecision): string[] => d.candidates.map((c) => `${c.provider.name}/${c.model.name}`);

describe('routing selection on a fixed catalog', () => {
  let set: PolicySet;
  const all: DecideContext = { caller: 'anonymous', hasCredentials: () => true };
  before(async () => {
    const r = await loadPolicyDirectory(path.join(FIXTURES, 'policies', 'valid', 'routing-catalog'));
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    set = r.set;
  });
  const run = (r: CanonicalRequest, ctx = all) => decide(set, r, ctx);
  const fails = async (r: CanonicalRequest, code: string, pattern?: RegExp, ctx = all): Promise<void> => {
    const err = await run(r, ctx).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err, 'expected an error').to.be.instanceOf(RouterError);
    expect((err as RouterError).code).to.equal(code);
    if (pattern) expect((err as RouterError).message).to.match(pattern);
  };

  describe('model string grammar', () => {
    const table: [string, ReturnType<typeof parseModelString>][] = [
      ['', {}],
      ['auto', {}],
      ['auto:cost', { mode: 'cost' }],
      ['auto:balanced', { mode: 'balance' }],
      ['auto:fast', { mode: 'latency' }],
      ['smart', { model: 'smart' }],
      ['smart:quality', { model: 'smart', mode: 'quality' }],
      ['beta/smart', { provider: 'beta', model: 'smart' }],
      ['google/fast', { provider: 'gemini', model: 'fast' }],
      ['beta/smart:latency', { provider: 'beta', model: 'smart', mode: 'latency' }],
      ['auto:turbo', { badMode: 'turbo' }],
    ];
    for (const [input, expected] of table) {
      it(`"${input}" → ${JSON.stringify(expected)}`, () => expect(parseModelString(input)).to.deep.equal(expected));
    }
    it('missing model means auto with the default mode (balance)', async () => {
      const d = await run(req({ model: '' }));
      expect(d.mode).to.equal('balance');
      expect(d.modeSource).to.equal('default');
    });
    it('unknown mode, model and provider → 400 unknown_model listing the valid values', async () => {
      await fails(req({ model: 'auto:turbo' }), 'unknown_model', /balance, cost, quality, latency/);
      await fails(req({ model: 'nope' }), 'unknown_model', /cheap, fast, smart/);
      await fails(req({ model: 'zeta/cheap' }), 'unknown_model', /alpha, beta, gamma/);
      await fails(req({ router: { mode: 'warp' } }), 'unknown_model', /router_mode/);
    });
  });

  describe('each mode orders the catalog by its weights', () => {
    const table: [string, string[]][] = [
      ['auto:cost', ['alpha/cheap', 'gamma/fast', 'gamma/smart', 'beta/smart']],
      ['auto:quality', ['beta/smart', 'gamma/smart', 'gamma/fast', 'alpha/cheap']],
      // smart is one model with two deployments (gamma, beta): one candidate group, placed where its best ranks.
      ['auto:latency', ['gamma/fast', 'gamma/smart', 'beta/smart', 'alpha/cheap']],
    ];
    for (const [model, order] of table) {
      it(`${model} → ${order.join(' > ')}`, async () => expect(key(await run(req({ model })))).to.deep.equal(order));
    }
    it('balance puts the all-rounder first and reports score terms and a confidence margin', async () => {
      const d = await run(req({ model: 'auto' }));
      expect(key(d)[0]).to.equal('gamma/fast');
      const t = d.candidates[0]!.terms!;
      expect(t.score).to.be.within(0, 1);
      expect(t.costUsd).to.be.greaterThan(0);
      expect(t.latencySource).to.equal('prior');
      expect(d.confidence).to.equal(Math.round((t.score - d.candidates[1]!.terms!.score) * 1000) / 1000);
    });
    it('a named model is ordered across its providers by the mode', async () => {
      expect(key(await run(req({ model: 'smart:cost' })))).to.deep.equal(['gamma/smart', 'beta/smart']);
      expect(key(await run(req({ model: 'smart:quality' })))).to.deep.equal(['beta/smart', 'gamma/smart']);
    });
    it('Settings.modeWeights override a mode', async () => {
      const custom = { ...set, settings: { ...set.settings, modeWeights: { balance: { cost: 1, quality: 0, latency: 0 } } } } as PolicySet;
      expect(key(await decide(custom, req(), all))[0]).to.equal('alpha/cheap');
    });
  });

  describe('filters', () => {
    it('capabilities: tools, vision and json_schema remove models that lack them', async () => {
      expect(key(await run(req({ tools: [{ name: 'f' }] })))).to.not.include('alpha/cheap');
      const vision = await run(req({ items: [{ type: 'message', role: 'user', content: [{ type: 'image', url: 'data:image/png;base64,AA' }] }] }));
      expect(key(vision).sort()).to.deep.equal(['beta/smart', 'gamma/smart']);
      const json = await run(req({ textFormat: { type: 'json_schema', name: 'x', schema: {} } }));
      expect(key(json).sort()).to.deep.equal(['beta/smart', 'gamma/fast']);
      expect(json.excluded.map((e) => `${e.key}:${e.filter}`)).to.include('gamma/smart:capabilities');
    });
    it('context window: input (real tokenizer) plus requested output must fit', async () => {
      const long = 'word '.repeat(9000); // ≈ 9,000 tokens: over cheap's 8,000 window
      const d = await run(req({ text: long }));
      expect(key(d)).to.not.include('alpha/cheap');
      expect(d.excluded.find((e) => e.key === 'alpha/cheap')!.reason).to.match(/context window 8000/);
      expect(d.estimatedInputTokens).to.be.within(8500, 9500);
      const out = await run(req({ maxOutputTokens: 5000 }));
      expect(out.excluded.find((e) => e.key === 'alpha/cheap')!.reason).to.match(/max output 2000/);
    });
    it('credentials: providers without a key are excluded; nothing left → 422 naming what removed what', async () => {
      const d = await run(req(), { caller: 'anonymous', hasCredentials: (p) => p.name !== 'gamma' });
      expect(key(d).every((k) => !k.startsWith('gamma/'))).to.equal(true);
      await fails(req({ model: 'fast' }), 'no_candidates', /gamma\/fast: no credentials \(set GAMMA_KEY\)/, { caller: 'anonymous', hasCredentials: (p) => p.name !== 'gamma' });
    });
    it('extra filters (limits, breakers, key scope) exclude with their own name', async () => {
      const d = await run(req({ model: 'smart' }), { ...all, filters: [{ name: 'cooldown', test: (c: { provider: { name: string } }) => (c.provider.name === 'beta' ? 'cooling down' : undefined) }] } as never);
      expect(key(d)).to.deep.equal(['gamma/smart']);
      expect(d.excluded).to.deep.include({ key: 'beta/smart', filter: 'cooldown', reason: 'cooling down' });
    });
  });

  describe('precedence between the request and rule actions', () => {
    it('a rule set_provider is a hard constraint: it beats the request\'s provider and model', async () => {
      const d = await run(req({ text: 'a legal question', model: 'gamma/fast' }));
      expect(key(d)).to.deep.equal(['beta/smart']);
      expect(d.rules).to.deep.equal(['legal-forces-beta']);
      expect(d.warnings).to.deep.equal(['legal goes to beta']);
    });
    it('a rule set_provider keeps a request model the provider serves', async () => {
      const d = await run(req({ text: 'legal', model: 'smart' }));
      expect(key(d)).to.deep.equal(['beta/smart']);
    });
    it('a rule set_mode beats the requested mode; the request mode applies when no rule sets one', async () => {
      const ruled = await run(req({ model: 'auto:quality', metadata: { task: 'draft' } }));
      expect(ruled.mode).to.equal('cost');
      expect(ruled.modeSource).to.equal('rule');
      const asked = await run(req({ model: 'auto:quality' }));
      expect(asked.mode).to.equal('quality');
      expect(asked.modeSource).to.equal('request');
    });
    it('router_mode / router_provider / router_model fields act like the model string', async () => {
      const d = await run(req({ model: 'auto', router: { provider: 'gamma', model: 'smart', mode: 'fast' } }));
      expect(key(d)).to.deep.equal(['gamma/smart']);
      expect(d.mode).to.equal('latency');
    });
    it('per-action first writer wins across rules; warnings accumulate', async () => {
      const d = await run(req({ text: 'legal draft', metadata: { task: 'draft' } }));
      expect(d.rules).to.deep.equal(['legal-forces-beta', 'drafts-are-cheap']);
      expect(d.mode).to.equal('cost');
      expect(key(d)).to.deep.equal(['beta/smart']);
      expect(d.warnings).to.deep.equal(['legal goes to beta', 'drafts are cheap']);
    });
    it('a rule fallback chain follows the primary, in the rule\'s order', async () => {
      const d = await run(req({ metadata: { chain: 'yes' } }));
      expect(key(d)).to.deep.equal(['alpha/cheap', 'gamma/fast', 'beta/smart']);
      expect(d.candidates.map((c) => c.via)).to.deep.equal(['score', 'fallback', 'fallback']);
    });
    it('fallback entries are filtered too (a fallback without vision is skipped for an image)', async () => {
      const d = await run(req({ metadata: { chain: 'yes' }, items: [{ type: 'message', role: 'user', content: [{ type: 'image', url: 'data:image/png;base64,AA' }] }] })).then(
        (x) => x,
        (e: unknown) => e,
      );
      // cheap and fast lack vision; only beta/smart from the chain remains
      expect(key(d as RouteDecision)).to.deep.equal(['beta/smart']);
    });
  });
});
