// Replay by either id (docs/clients/hosted-contract.md#replay): GET and POST
// /v1/responses/{id} take the request id (`req_…`, x-request-id and
// metadata.request_id) as well as the `resp_…` id, as JSON or re-streamed,
// for the key that made the request only (404 byte-identical to an unknown id
// for any other), 409 when the request left nothing to replay; the replay
// carries the original's routing metadata whether the original was streamed
// or not. Both backends, memory and Redis (skipped visibly without a Redis).
import { expect } from 'chai';
import OpenAI from 'openai';
import type { DemoStack } from '../../src/cli/demo-stack.js';
import { call, startStack, waitFor, type Answer, type KeyDef } from './shared-state-stack.js';
import { deletePrefix, requireRedis, TEST_REDIS_URL, testPrefix } from '../unit/state/backends.js';
import { sseEvents } from '../security/errors-stack.js';

const KEYS = {
  a: { name: 'team-a', key: 'tenant-replay-team-a' },
  b: { name: 'team-b', key: 'tenant-replay-team-b' },
} satisfies Record<string, KeyDef>;
const MODEL = 'openai/metered';
const UNKNOWN_REQ = 'req_0123456789abcdef0123456789abcdef';
const ROUTER_KEYS = ['provider', 'routing_mode', 'request_id', 'routing_confidence'] as const;

function shape(a: Answer, id: string): string {
  const text = typeof a.body === 'string' ? a.body : JSON.stringify(a.body);
  return `${a.status} ${a.headers.get('content-type')} ${text.split(id).join('<ID>')}`;
}

/** The Response a raw SSE answer ends with (response.completed). */
function terminal(text: string): any {
  return sseEvents(text).filter(([name]) => name === 'response.completed').at(-1)?.[1]?.response;
}

function replaySuite(backend: 'memory' | 'redis'): void {
  describe(`replay by request id (${backend})`, function () {
    this.timeout(30_000);
    const prefix = testPrefix();
    let stack: DemoStack | undefined;
    let a: OpenAI;
    let url = '';

    before(async function () {
      if (backend === 'redis') await requireRedis(this, 'replay by request id on the Redis backend');
      const state = backend === 'redis' ? { backend: 'redis', redisUrl: TEST_REDIS_URL, keyPrefix: prefix } : undefined;
      stack = await startStack({ keys: Object.values(KEYS), ...(state ? { state } : {}) });
      if (backend === 'redis') await waitFor('the router to connect to Redis', () => stack!.router.state.up());
      url = stack.router.url;
      a = new OpenAI({ baseURL: `${url}/v1`, apiKey: KEYS.a.key, maxRetries: 0 });
    });
    after(async () => {
      await stack?.stop();
      if (backend === 'redis' && stack) await deletePrefix(TEST_REDIS_URL, prefix);
    });

    it('a non-stream response replays by its request id (SDK post, JSON and stream) with the original metadata', async () => {
      const { data: created, response } = await a.responses.create({ model: MODEL, input: 'hello', metadata: { tenant: 't1', provider: 'spoof' } }).withResponse();
      const requestId = response.headers.get('x-request-id')!;
      expect(requestId).to.match(/^req_/);
      expect(created.metadata?.request_id).to.equal(requestId);
      expect(created.metadata?.provider, 'the caller cannot forge provider').to.not.equal('spoof');
      const json = (await a.post(`/responses/${requestId}`, { body: { stream: false } })) as any;
      expect(json.id).to.equal(created.id);
      expect(json.output_text ?? json.output[0].content[0].text).to.be.a('string');
      for (const k of ROUTER_KEYS) expect(json.metadata[k], k).to.equal(created.metadata![k]);
      expect(json.metadata.tenant).to.equal('t1');
      const streamed = await call(url, KEYS.a.key, `/v1/responses/${requestId}`, { stream: true });
      expect(streamed.status).to.equal(200);
      const last = terminal(streamed.body);
      expect(last.id).to.equal(created.id);
      for (const k of ROUTER_KEYS) expect(last.metadata[k], `streamed replay ${k}`).to.equal(created.metadata![k]);
      const got = await call(url, KEYS.a.key, `/v1/responses/${requestId}`, null);
      expect(got.status).to.equal(200);
      expect(got.body.id).to.equal(created.id);
    });

    it('a streamed response replays (by either id, JSON or stream) keeping routing_mode, request_id and routing_confidence', async () => {
      const live = await call(url, KEYS.a.key, '/v1/responses', { model: MODEL, input: 'stream me', stream: true });
      expect(live.status).to.equal(200);
      const requestId = live.headers.get('x-request-id')!;
      const original = terminal(live.body);
      expect(original.metadata.request_id).to.equal(requestId);
      for (const id of [requestId, original.id]) {
        const json = await call(url, KEYS.a.key, `/v1/responses/${id}`, {});
        expect(json.status, JSON.stringify(json.body)).to.equal(200);
        for (const k of ROUTER_KEYS) expect(json.body.metadata[k], `${id} JSON ${k}`).to.equal(original.metadata[k]);
        const again = await call(url, KEYS.a.key, `/v1/responses/${id}?stream=true`, null);
        const last = terminal(again.body);
        expect(last.id).to.equal(original.id);
        for (const k of ROUTER_KEYS) expect(last.metadata[k], `${id} stream ${k}`).to.equal(original.metadata[k]);
      }
    });

    it('another key gets the 404 of an unknown request id, byte for byte', async () => {
      const { response } = await a.responses.create({ model: MODEL, input: 'mine' }).withResponse();
      const requestId = response.headers.get('x-request-id')!;
      for (const body of [null, {}, { stream: true }]) {
        const theirs = await call(url, KEYS.b.key, `/v1/responses/${requestId}`, body);
        const unknown = await call(url, KEYS.b.key, `/v1/responses/${UNKNOWN_REQ}`, body);
        expect(theirs.status).to.equal(404);
        expect(theirs.body.error.code).to.equal('response_not_found');
        expect(shape(theirs, requestId)).to.equal(shape(unknown, UNKNOWN_REQ));
      }
      const own = await call(url, KEYS.a.key, `/v1/responses/${UNKNOWN_REQ}`, {});
      expect(own.status).to.equal(404);
    });

    it('409 nothing to replay: a store:false response and a Chat completion, by request id', async () => {
      const { response } = await a.responses.create({ model: MODEL, input: 'not kept', store: false }).withResponse();
      const notKept = await call(url, KEYS.a.key, `/v1/responses/${response.headers.get('x-request-id')}`, {});
      expect(notKept.status).to.equal(409);
      expect(notKept.body.error.code).to.equal('response_not_stored');
      const chat = await call(url, KEYS.a.key);
      expect(chat.status).to.equal(200);
      const chatReq = chat.headers.get('x-request-id')!;
      const replay = await call(url, KEYS.a.key, `/v1/responses/${chatReq}`, {});
      expect(replay.status).to.equal(409);
      expect(replay.body.error.code).to.equal('response_not_stored');
      expect(replay.body.error.message).to.include('Chat completion');
      // Still another key's: 404 as unknown.
      const theirs = await call(url, KEYS.b.key, `/v1/responses/${chatReq}`, {});
      expect(shape(theirs, chatReq)).to.equal(shape(await call(url, KEYS.b.key, `/v1/responses/${UNKNOWN_REQ}`, {}), UNKNOWN_REQ));
    });

    it('409 for a request a provider failure ended before any response existed; another key 404', async () => {
      stack!.sim.setScript({ models: { metered: { fail: { status: 400, kind: 'invalid_request', message: 'no' } } } });
      try {
        const failed = await call(url, KEYS.a.key, '/v1/responses', { model: MODEL, input: 'fail me' });
        expect(failed.status).to.equal(400);
        const requestId = failed.headers.get('x-request-id')!;
        const replay = await call(url, KEYS.a.key, `/v1/responses/${requestId}`, {});
        expect(replay.status).to.equal(409);
        expect(replay.body.error.message).to.include('failed at the provider');
        const theirs = await call(url, KEYS.b.key, `/v1/responses/${requestId}`, {});
        expect(shape(theirs, requestId)).to.equal(shape(await call(url, KEYS.b.key, `/v1/responses/${UNKNOWN_REQ}`, {}), UNKNOWN_REQ));
        // A router-side refusal is not recorded: 404.
        const refused = await call(url, KEYS.a.key, '/v1/responses', { model: 'no-such-model-anywhere', input: 'x' });
        expect(refused.status).to.equal(400);
        expect((await call(url, KEYS.a.key, `/v1/responses/${refused.headers.get('x-request-id')}`, {})).status).to.equal(404);
      } finally {
        stack!.sim.setScript({});
      }
    });

    it('DELETE by request id forgets the response; both ids then answer 404', async () => {
      const { data: created, response } = await a.responses.create({ model: MODEL, input: 'to forget' }).withResponse();
      const requestId = response.headers.get('x-request-id')!;
      const del = await fetch(`${url}/v1/responses/${requestId}`, { method: 'DELETE', headers: { authorization: `Bearer ${KEYS.a.key}` } });
      expect(del.status).to.equal(200);
      expect((await call(url, KEYS.a.key, `/v1/responses/${created.id}`, null)).status).to.equal(404);
      expect((await call(url, KEYS.a.key, `/v1/responses/${requestId}`, null)).status).to.equal(404);
    });
  });
}

replaySuite('memory');
replaySuite('redis');
