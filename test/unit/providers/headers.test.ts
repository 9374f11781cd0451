// Pins the one rule set for upstream request headers (src/providers/shared/headers.ts,
// issue 15 item 5). Before it, the three adapters merged configured headers
// differently: Anthropic and Gemini kept the configured casing (so `X-Api-Key`
// and `x-api-key` could both reach the wire as two spellings), Gemini did not
// protect `authorization` and only OpenAI-style hosts protected `accept`.
// The rule now: names lower-cased; the credential headers, content-type and
// accept are the adapter's; everything policy validation refuses is dropped
// as well; an adapter default (anthropic-version) yields to configuration.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { RESERVED_HEADERS, checkHeader } from '../../../src/policy/checks/headers.js';
import { ADAPTERS } from '../../../src/providers/registry.js';
import { ADAPTER_OWNED_HEADERS, configurableHeader, providerHeaderTemplate, requestHeaders } from '../../../src/providers/shared/headers.js';
import { FIXTURES } from '../../helpers/paths.js';

/** Everything a hostile or careless configuration could try, in mixed case. */
const CONFIGURED: Record<string, string> = {
  'X-Tenant': 'acme',
  Authorization: 'Bearer must-not-win',
  'X-Api-Key': 'must-not-win',
  'X-Goog-Api-Key': 'must-not-win',
  'Api-Key': 'must-not-win',
  'Content-Type': 'text/plain',
  Accept: 'text/html',
  Cookie: 'session=1',
  Host: 'evil.example',
  'Metadata-Flavor': 'Google',
};

function fixtureTarget(type: string): { request: any; target: any } {
  const file = type === 'openai' ? 'request-responses-text.json' : 'request-text-instructions.json';
  const fx = JSON.parse(readFileSync(path.join(FIXTURES, 'providers', type, file), 'utf8'));
  return { request: fx.request, target: { ...fx.target, provider: { ...fx.target.provider, headers: { ...CONFIGURED } }, apiKey: 'the-key' } };
}

describe('provider headers: one rule set (providers/shared/headers)', () => {
  it('drops every name policy validation refuses, from the same list', () => {
    for (const name of RESERVED_HEADERS) {
      expect(checkHeader(name, 'v'), name).to.be.a('string');
      expect(configurableHeader(name), name).to.equal(false);
      expect(configurableHeader(name.toUpperCase()), name.toUpperCase()).to.equal(false);
    }
    for (const name of ADAPTER_OWNED_HEADERS) expect(configurableHeader(name), name).to.equal(false);
    expect(configurableHeader('anthropic-beta')).to.equal(true);
  });

  it('lower-cases names, drops protected ones, freezes and memoizes the template per spec', () => {
    const spec = { headers: { ...CONFIGURED, 'Anthropic-Beta': 'x' } };
    const t = providerHeaderTemplate(spec);
    expect(t).to.deep.equal({ 'x-tenant': 'acme', 'anthropic-beta': 'x' });
    expect(Object.isFrozen(t)).to.equal(true);
    expect(providerHeaderTemplate(spec)).to.equal(t);
    expect(providerHeaderTemplate({ headers: { ...spec.headers } })).to.not.equal(t);
    expect(providerHeaderTemplate({})).to.deep.equal({});
  });

  it('merges defaults < configuration < the adapter\'s own headers', () => {
    const t = providerHeaderTemplate({ headers: { 'Anthropic-Version': '2099-01-01', 'X-Trace': 'on' } });
    const h = requestHeaders(t, { 'Content-Type': 'application/json', 'x-api-key': 'k' }, { 'anthropic-version': '2023-06-01' });
    expect(h).to.deep.equal({ 'anthropic-version': '2099-01-01', 'x-trace': 'on', 'content-type': 'application/json', 'x-api-key': 'k' });
    expect(requestHeaders(providerHeaderTemplate({}), { a: '1' }, { 'anthropic-version': '2023-06-01' })).to.deep.equal({ 'anthropic-version': '2023-06-01', a: '1' });
  });

  it('keeps a configured name such as __proto__ an ordinary key', () => {
    const spec = JSON.parse('{"headers":{"__proto__":"x","X-A":"1"}}');
    const h = requestHeaders(providerHeaderTemplate(spec), { accept: 'application/json' });
    expect(Object.getPrototypeOf(h)).to.equal(Object.prototype);
    expect(Object.keys(h).sort()).to.deep.equal(['__proto__', 'accept', 'x-a']);
  });

  const expectedByType: Record<string, Record<string, string>> = {
    anthropic: { 'x-tenant': 'acme', 'anthropic-version': '2023-06-01', 'content-type': 'application/json', 'x-api-key': 'the-key' },
    gemini: { 'x-tenant': 'acme', 'content-type': 'application/json', 'x-goog-api-key': 'the-key' },
    openai: { 'x-tenant': 'acme', authorization: 'Bearer the-key', 'content-type': 'application/json', accept: 'application/json' },
    'openai-compatible': { 'x-tenant': 'acme', authorization: 'Bearer the-key', 'content-type': 'application/json', accept: 'application/json' },
  };
  for (const [type, expected] of Object.entries(expectedByType)) {
    it(`${type}: the adapter applies the same rule`, () => {
      const { request, target } = fixtureTarget(type);
      const up = ADAPTERS[type as keyof typeof ADAPTERS].buildRequest({ ...request, stream: false }, target);
      expect(up.headers).to.deep.equal(expected);
    });
  }
});
