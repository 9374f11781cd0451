// The decision contract: the same headers on both APIs, streamed or not, and
// the routing metadata in Responses bodies without overwriting caller keys.
import { expect } from 'chai';
import { startDemoStack, type DemoStack } from '../../src/cli/demo-stack.js';

const HEADERS = ['request-id', 'provider', 'model', 'mode', 'rules', 'attempts', 'cost-usd', 'policy-version', 'warnings'].map((h) => `x-tokenrouter-${h}`);

describe('decision contract (headers and metadata)', function () {
  this.timeout(30_000);
  let stack: DemoStack;
  before(async () => {
    stack = await startDemoStack();
  });
  after(async () => stack?.stop());

  const cases = [
    { api: 'responses', stream: false, body: { model: 'auto', input: 'please refactor my code', metadata: { drill: 'no', provider: 'mine' } } },
    { api: 'responses', stream: true, body: { model: 'auto', input: 'please refactor my code', metadata: { provider: 'mine', routing_confidence: '9', tenant: 't1' } } },
    { api: 'chat/completions', stream: false, body: { model: 'auto', messages: [{ role: 'user', content: 'please refactor my code' }] } },
    { api: 'chat/completions', stream: true, body: { model: 'auto', messages: [{ role: 'user', content: 'please refactor my code' }] } },
  ] as const;

  for (const c of cases) {
    it(`/v1/${c.api} ${c.stream ? 'streamed' : 'non-stream'}: every decision header, naming the rule that routed it`, async () => {
      const res = await fetch(`${stack.router.url}/v1/${c.api}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...c.body, stream: c.stream }),
      });
      expect(res.status).to.equal(200);
      const text = await res.text();
      for (const h of HEADERS.filter((x) => x !== 'x-tokenrouter-warnings')) expect(res.headers.get(h), h).to.be.a('string').and.not.equal('');
      expect(res.headers.get('x-tokenrouter-provider')).to.equal('anthropic');
      expect(res.headers.get('x-tokenrouter-model')).to.equal('claude-sonnet-4-5');
      expect(res.headers.get('x-tokenrouter-rules')).to.equal('code-to-claude');
      expect(res.headers.get('x-tokenrouter-mode')).to.equal('balance');
      expect(res.headers.get('x-tokenrouter-attempts')).to.equal('1');
      expect(Number(res.headers.get('x-tokenrouter-cost-usd'))).to.be.greaterThan(0);
      expect(res.headers.get('x-tokenrouter-policy-version')).to.equal(stack.router.store.current()!.version);
      expect(res.headers.get('x-tokenrouter-request-id')).to.equal(res.headers.get('x-request-id'));
      if (c.api === 'responses') {
        const body = c.stream ? JSON.parse([...text.matchAll(/^data: (.+)$/gm)].at(-1)![1]!).response : JSON.parse(text);
        expect(body.model).to.equal('claude-sonnet-4-5');
        // the router's keys win over a caller's of the same name (they cannot be forged); other caller keys stay
        expect(body.metadata.provider).to.equal('anthropic');
        expect(body.metadata.routing_mode).to.equal('balance');
        expect(body.metadata.request_id).to.equal(res.headers.get('x-request-id'));
        // a decimal string with two digits
        expect(body.metadata.routing_confidence).to.match(/^(0|1)\.\d\d$/);
        expect(Number(body.metadata.routing_confidence)).to.be.within(0, 1);
        if (c.stream) expect(body.metadata.tenant).to.equal('t1');
        else expect(body.metadata.drill).to.equal('no');
      } else if (!c.stream) {
        expect(JSON.parse(text).model).to.equal('claude-sonnet-4-5');
      }
    });
  }

  it('warnings from rules reach the header (URL-encoded) and the metadata', async () => {
    const res = await fetch(`${stack.router.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'auto', input: 'hi', metadata: { drill: 'outage' } }),
    });
    expect(res.status).to.equal(200);
    expect(decodeURIComponent(res.headers.get('x-tokenrouter-warnings')!)).to.equal('Outage drill - gpt-4.1 is scripted to fail.');
    const body = (await res.json()) as { metadata: Record<string, string> };
    // A JSON array encoded as a string (OpenAI metadata values are strings).
    expect(JSON.parse(body.metadata.warnings!)).to.deep.equal(['Outage drill - gpt-4.1 is scripted to fail.']);
  });

  it('errors carry the decision headers known so far (request id, policy version)', async () => {
    const res = await fetch(`${stack.router.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":"nope","input":"x"}' });
    expect(res.status).to.equal(400);
    expect(res.headers.get('x-tokenrouter-request-id')).to.match(/^req_/);
    expect(res.headers.get('x-tokenrouter-policy-version')).to.equal(stack.router.store.current()!.version);
  });
});
