// The upstream edge through the whole router: provider errors mapped to what
// the client should see (docs/providers.md#errors), keys from files, redirects never
// followed, Chat streams that break, client disconnects.
import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startDemoStack, type DemoStack } from '../../src/cli/demo-stack.js';
import { providerKey } from '../../src/upstream/credentials.js';
import { UpstreamClient } from '../../src/upstream/client.js';
import { assertValid, warmUpOpenApiValidators } from '../helpers/openapi.js';

async function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('upstream faults through the router', function () {
  this.timeout(30_000);
  let stack: DemoStack;
  before(async () => {
    warmUpOpenApiValidators();
    stack = await startDemoStack();
  });
  after(async () => stack?.stop());
  afterEach(() => {
    stack.sim.setScript({});
    stack.sim.reset();
  });

  it('Anthropic 529 overloaded → HTTP 503 server_is_overloaded with retry-after', async () => {
    stack.sim.setScript({ models: { 'claude-sonnet-4-5': { fail: { status: 529, retryAfter: 3 } } } });
    const res = await post(`${stack.router.url}/v1/chat/completions`, { model: 'anthropic/claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }] });
    expect(res.status).to.equal(503);
    expect(res.headers.get('retry-after')).to.equal('3');
    const body = (await res.json()) as { error: { code: string; type: string } };
    assertValid('ErrorResponse', body);
    expect(body.error).to.include({ code: 'server_is_overloaded', type: 'service_unavailable_error' });
  });

  it("an upstream 401 on the router's own key → 502 upstream_auth_error, without the provider's text", async () => {
    const saved = process.env.DEMO_GEMINI_KEY;
    process.env.DEMO_GEMINI_KEY = 'wrong-key';
    try {
      const res = await post(`${stack.router.url}/v1/responses`, { model: 'gemini/gemini-2.5-flash', input: 'hi' });
      expect(res.status).to.equal(502);
      const text = await res.text();
      const body = JSON.parse(text) as { error: { code: string; message: string } };
      expect(body.error.code).to.equal('upstream_auth_error');
      expect(res.headers.get('x-should-retry')).to.equal('false');
      expect(text).to.not.include('wrong-key');
      expect(text.toLowerCase()).to.not.include('api key not valid');
    } finally {
      process.env.DEMO_GEMINI_KEY = saved;
    }
  });

  it('a connection reset before headers on the only candidate → 502 upstream_error in the OpenAI shape', async () => {
    stack.sim.setScript({ models: { 'gemini-2.5-flash': { resetBeforeHeaders: true } } });
    const res = await post(`${stack.router.url}/v1/responses`, { model: 'gemini/gemini-2.5-flash', input: 'hi', stream: true });
    expect(res.status).to.equal(502);
    const body = await res.json();
    assertValid('ErrorResponse', body);
  });

  it('a Chat stream dropped mid-way ends with an {"error": …} chunk and no [DONE]', async () => {
    stack.sim.setScript({ models: { 'gpt-4o': { dropAfterChunks: 4 } } });
    const res = await post(`${stack.router.url}/v1/chat/completions`, {
      model: 'openai/gpt-4o',
      stream: true,
      messages: [{ role: 'user', content: 'tell me a long story with very many words in it please' }],
    });
    expect(res.status).to.equal(200);
    const text = await res.text();
    const datas = [...text.matchAll(/^data: (.+)$/gm)].map((m) => m[1]!);
    expect(datas).to.not.include('[DONE]');
    const last = JSON.parse(datas.at(-1)!) as { error?: { code: string } };
    expect(last.error?.code).to.equal('server_error');
  });

  it('an in-band provider error before any output fails over invisibly to the next candidate', async () => {
    stack.sim.setScript({ models: { 'gpt-4.1': { inBandErrorAfterChunks: 0 } } });
    const res = await post(`${stack.router.url}/v1/responses`, { model: 'auto', input: 'hello', stream: true, metadata: { drill: 'outage' } });
    expect(res.status).to.equal(200);
    expect(res.headers.get('x-tokenrouter-provider')).to.equal('anthropic');
    const text = await res.text();
    expect(text).to.include('response.completed');
    expect(text).to.not.include('event: error');
  });

  it('the client going away aborts the upstream stream', async () => {
    stack.sim.setScript({ models: { 'gpt-4o': { tokensPerSecond: 5 } } });
    const ac = new AbortController();
    const res = await fetch(`${stack.router.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-4o', input: 'a slow answer with many many words to stream slowly', stream: true }),
      signal: ac.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    ac.abort();
    // The router records the request as client_gone once the upstream is aborted.
    const deadline = Date.now() + 3000;
    let metrics = '';
    while (Date.now() < deadline) {
      metrics = await (await fetch(`${stack.router.url}/metrics`)).text();
      if (/tokenrouter_requests_total\{api="responses",provider="openai",model="gpt-4o",outcome="client_gone"\} 1/.test(metrics)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(metrics).to.match(/tokenrouter_requests_total\{api="responses",provider="openai",model="gpt-4o",outcome="client_gone"\} 1/);
  });
});

describe('upstream client and credentials', () => {
  it('never follows redirects: a 302 to elsewhere is not fetched', async () => {
    let hitTarget = false;
    const target: Server = createServer((_req, res) => {
      hitTarget = true;
      res.end('{}');
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const redirector: Server = createServer((_req, res) => {
      res.writeHead(302, { location: `http://127.0.0.1:${(target.address() as AddressInfo).port}/internal` });
      res.end();
    });
    await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', r));
    const client = new UpstreamClient();
    try {
      const res = await client.send(
        { url: `http://127.0.0.1:${(redirector.address() as AddressInfo).port}/v1/x`, method: 'POST', headers: {}, body: '{}', stream: false },
        { timeoutMs: 5000 },
      );
      expect(res.status).to.equal(302);
      await res.body.text();
      expect(hitTarget).to.equal(false);
    } finally {
      await client.close();
      redirector.close();
      target.close();
    }
  });

  it('reads keys from apiKeyFile (trimmed) before apiKeyEnv, and picks up a rotated file', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tr-key-'));
    const file = path.join(dir, 'key');
    try {
      await writeFile(file, 'file-key-1\n');
      const p = { name: 'x', type: 'openai' as const, baseUrl: 'http://127.0.0.1:9', apiKeyFile: file, apiKeyEnv: 'TR_TEST_KEY_ENV' };
      expect(providerKey(p, { TR_TEST_KEY_ENV: 'env-key' })).to.equal('file-key-1');
      expect(providerKey({ ...p, apiKeyFile: path.join(dir, 'missing') }, { TR_TEST_KEY_ENV: 'env-key' })).to.equal('env-key');
      expect(providerKey({ ...p, apiKeyFile: path.join(dir, 'missing2') }, {})).to.equal(undefined);
      await new Promise((r) => setTimeout(r, 20));
      await writeFile(file, 'file-key-2\n');
      // the cache re-checks the file's mtime at most every 5 s
      const deadline = Date.now() + 7000;
      while (providerKey(p, {}) !== 'file-key-2' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect(providerKey(p, {})).to.equal('file-key-2');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }).timeout(10_000);
});

describe('non-stream body that stalls after its headers', function () {
  this.timeout(20_000);
  it('fails over once the idle timeout passes, instead of waiting for the overall deadline', async () => {
    const stack = await startDemoStack({
      script: { models: { 'gpt-4.1': { stallAfterChunks: 1 } } },
      extraFiles: {
        'zz-settings.yaml': 'apiVersion: tokenrouter/v1\nkind: Settings\nmetadata: { name: s }\nspec: { resilience: { streamIdleTimeoutMs: 300, requestTimeoutMs: 10000 } }\n',
      },
    });
    try {
      const t0 = Date.now();
      const res = await post(`${stack.router.url}/v1/responses`, { model: 'auto', input: 'hello', metadata: { drill: 'outage' } });
      expect(res.status).to.equal(200);
      expect(res.headers.get('x-tokenrouter-provider')).to.equal('anthropic');
      expect(res.headers.get('x-tokenrouter-failover-reason')).to.equal('timeout');
      expect(Date.now() - t0).to.be.below(5000);
    } finally {
      await stack.stop();
    }
  });
});
