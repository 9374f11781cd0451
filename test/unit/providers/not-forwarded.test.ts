// The warnings for what the serving provider could not take: one list, asked once by the trace.
import { expect } from 'chai';
import type { CanonicalRequest } from '../../../src/canonical/types.js';
import { notForwardedWarnings, reasoningEffortWarning } from '../../../src/providers/not-forwarded.js';

const base: CanonicalRequest = { api: 'responses', model: 'auto', items: [{ type: 'message', role: 'user', content: [{ type: 'text', text: 'hi' }] }], tools: [], stream: false };
const served = (type: 'openai' | 'anthropic' | 'gemini' | 'openai-compatible', capabilities: string[] = []) => ({
  provider: { name: `p-${type}`, type },
  model: { name: `m-${type}`, capabilities: capabilities as never },
});

describe('warnings for what the serving provider could not take', () => {
  it('nothing asked, nothing to say (the shared empty list)', () => {
    expect(notForwardedWarnings(base, served('openai-compatible'))).to.have.length(0);
    expect(notForwardedWarnings(base, served('gemini'))).to.equal(notForwardedWarnings(base, served('anthropic')));
  });

  it('reasoning effort: not forwarded to OpenAI-compatible hosts, not applied on Anthropic models that do not reason', () => {
    const req = { ...base, reasoningEffort: 'high' as const };
    expect(reasoningEffortWarning(req, served('openai-compatible'))).to.equal('reasoning effort not forwarded: provider "p-openai-compatible" (openai-compatible) has no effort setting');
    expect(reasoningEffortWarning(req, served('anthropic'))).to.equal('reasoning effort not applied: model "m-anthropic" has no reasoning capability');
    expect(reasoningEffortWarning(req, served('anthropic', ['reasoning']))).to.equal(undefined);
    expect(reasoningEffortWarning(req, served('openai'))).to.equal(undefined);
    expect(reasoningEffortWarning(req, served('gemini'))).to.equal(undefined);
  });

  it('all of them together, in a fixed order', () => {
    const req: CanonicalRequest = { ...base, promptCacheKey: 'k', cacheMarks: 1, reasoningEffort: 'low' };
    expect(notForwardedWarnings(req, served('openai-compatible')).map((w) => w.split(':')[0])).to.deep.equal(['prompt_cache_key not forwarded', 'cache_control not forwarded', 'reasoning effort not forwarded']);
  });

  it("vertex: each model answers for its publisher's wire (Claude takes cache marks and prompt_cache_key, Gemini does not)", () => {
    const req: CanonicalRequest = { ...base, promptCacheKey: 'k', cacheMarks: 1, reasoningEffort: 'low' };
    const vertex = (upstreamModel: string) => ({ provider: { name: 'vx', type: 'vertex' as const }, model: { name: 'm', upstreamModel, capabilities: [] as never } });
    expect(notForwardedWarnings(req, vertex('claude-sonnet-4-5@20250929'))).to.deep.equal(['reasoning effort not applied: model "m" has no reasoning capability']);
    expect(notForwardedWarnings(req, vertex('gemini-2.5-flash')).map((w) => w.split(':')[0])).to.deep.equal(['prompt_cache_key not forwarded', 'cache_control not forwarded']);
  });
});
