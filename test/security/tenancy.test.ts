// Finding 3, "Stored responses are readable by any key": key B replayed key
// A's stored response (instructions included) with GET/POST
// /v1/responses/{id}, continued it with previous_response_id, and had
// /v1/route/explain expand it. Now a stored response belongs to the key that
// created it: for any other (non-admin) key every one of those paths answers
// the 404 response_not_found an unknown id gets — byte for byte apart from
// the id, so the answer does not reveal that the id exists (not even a
// store:false one, which its owner sees as 409). An admin key reads any.
// Without keys (anonymous loopback) everything belongs to "anonymous".
// Both backends, memory and Redis (skipped visibly without a Redis).
import { expect } from 'chai';
import OpenAI from 'openai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { startDemoStack, type DemoStack } from '../../src/cli/demo-stack.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { call, startStack, waitFor, type Answer, type KeyDef } from '../integration/shared-state-stack.js';
import { deletePrefix, requireRedis, TEST_REDIS_URL, testPrefix } from '../unit/state/backends.js';

const KEYS = {
  a: { name: 'team-a', key: 'sk-tenancy-team-a' },
  b: { name: 'team-b', key: 'sk-tenancy-team-b' },
  admin: { name: 'ops-admin', key: 'sk-tenancy-admin', extra: 'admin: true' },
} satisfies Record<string, KeyDef>;

const SECRET_INSTRUCTIONS = 'Team A secret system prompt: the launch codename is BLUE-HERON.';
const SECRET_INPUT = 'Team A private question about quarterly numbers.';
const MODEL = 'openai/metered';
const UNKNOWN_ID = 'resp_0123456789abcdef0123456789abcdef';

/** An answer as text with every occurrence of `id` replaced, for byte comparison. */
function shape(a: Answer, id: string): string {
  const text = typeof a.body === 'string' ? a.body : JSON.stringify(a.body);
  return `${a.status} ${a.headers.get('content-type')} ${text.split(id).join('<ID>')}`;
}

/** The four ways to read a stored response, as `key` asks them with `id`. */
async function reads(url: string, key: string, id: string): Promise<Record<string, Answer>> {
  return {
    get: await call(url, key, `/v1/responses/${id}`, null),
    post: await call(url, key, `/v1/responses/${id}`, {}),
    stream: await call(url, key, `/v1/responses/${id}?stream=true`, null),
    continue: await call(url, key, '/v1/responses', { model: MODEL, input: 'And then?', previous_response_id: id }),
    explain: await call(url, key, '/v1/route/explain', { model: MODEL, input: 'And then?', previous_response_id: id }),
  };
}

function tenancySuite(backend: 'memory' | 'redis'): void {
  describe(`security: stored responses belong to their key (${backend})`, function () {
    this.timeout(30_000);
    const prefix = testPrefix();
    let stack: DemoStack | undefined;
    let a: OpenAI;
    let storedId = '';

    before(async function () {
      if (backend === 'redis') await requireRedis(this, 'response tenancy on the Redis backend');
      const state = backend === 'redis' ? { backend: 'redis', redisUrl: TEST_REDIS_URL, keyPrefix: prefix } : undefined;
      stack = await startStack({ keys: Object.values(KEYS), ...(state ? { state } : {}) });
      if (backend === 'redis') await waitFor('the router to connect to Redis', () => stack!.router.state.up());
      a = new OpenAI({ baseURL: `${stack.router.url}/v1`, apiKey: KEYS.a.key, maxRetries: 0 });
      const created = await a.responses.create({ model: MODEL, instructions: SECRET_INSTRUCTIONS, input: SECRET_INPUT });
      storedId = created.id;
    });
    after(async () => {
      await stack?.stop();
      if (backend === 'redis' && stack) await deletePrefix(TEST_REDIS_URL, prefix);
    });

    it('the owner replays and continues its own response (SDK)', async () => {
      const replayed = await a.responses.retrieve(storedId);
      expect(replayed.id).to.equal(storedId);
      expect(replayed.instructions).to.equal(SECRET_INSTRUCTIONS);
      const next = await a.responses.create({ model: MODEL, input: 'And then?', previous_response_id: storedId });
      expect(next.status).to.equal('completed');
      expect(JSON.stringify(stack!.sim.calls.at(-1))).to.include(SECRET_INPUT);
    });

    it('another key gets the 404 of an unknown id on replay (GET, POST, stream), previous_response_id and explain — byte for byte', async () => {
      const url = stack!.router.url;
      const callsBefore = stack!.sim.calls.length;
      const theirs = await reads(url, KEYS.b.key, storedId);
      const unknown = await reads(url, KEYS.b.key, UNKNOWN_ID);
      for (const k of Object.keys(theirs)) {
        const t = theirs[k]!;
        expect(t.status, `${k}: ${JSON.stringify(t.body)}`).to.equal(404);
        expect(t.body.error.code, k).to.equal('response_not_found');
        expect(shape(t, storedId), `${k} answers exactly as for an unknown id`).to.equal(shape(unknown[k]!, UNKNOWN_ID));
        expect(JSON.stringify(t.body), k).to.not.include('BLUE-HERON');
      }
      expect(stack!.sim.calls.length, 'nothing of A was sent upstream for B').to.equal(callsBefore);
    });

    it('the SDK sees NotFoundError for another key', async () => {
      const b = new OpenAI({ baseURL: `${stack!.router.url}/v1`, apiKey: KEYS.b.key, maxRetries: 0 });
      const err = await b.responses.retrieve(storedId).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(OpenAI.NotFoundError);
      const cont = await b.responses.create({ model: MODEL, input: 'x', previous_response_id: storedId }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(cont).to.be.instanceOf(OpenAI.NotFoundError);
    });

    it('a store:false response: its owner gets 409, another key the unknown-id 404 (no existence oracle)', async () => {
      const created = await a.responses.create({ model: MODEL, input: 'not kept', store: false });
      const own = await call(stack!.router.url, KEYS.a.key, `/v1/responses/${created.id}`, null);
      expect(own.status).to.equal(409);
      expect(own.body.error.code).to.equal('response_not_stored');
      const other = await reads(stack!.router.url, KEYS.b.key, created.id);
      const unknown = await reads(stack!.router.url, KEYS.b.key, UNKNOWN_ID);
      for (const k of Object.keys(other)) expect(shape(other[k]!, created.id), k).to.equal(shape(unknown[k]!, UNKNOWN_ID));
    });

    it('an admin key reads and continues any key’s response', async () => {
      const url = stack!.router.url;
      const replay = await call(url, KEYS.admin.key, `/v1/responses/${storedId}`, null);
      expect(replay.status).to.equal(200);
      expect(replay.body.instructions).to.equal(SECRET_INSTRUCTIONS);
      const next = await call(url, KEYS.admin.key, '/v1/responses', { model: MODEL, input: 'Summarise.', previous_response_id: storedId });
      expect(next.status, JSON.stringify(next.body)).to.equal(200);
      const explain = await call(url, KEYS.admin.key, '/v1/route/explain', { model: MODEL, input: 'Summarise.', previous_response_id: storedId });
      expect(explain.status, JSON.stringify(explain.body)).to.equal(200);
    });

    it('a response continued by its owner is owned by the same key', async () => {
      const next = await a.responses.create({ model: MODEL, input: 'Second turn.', previous_response_id: storedId });
      const b = await call(stack!.router.url, KEYS.b.key, `/v1/responses/${next.id}`, null);
      expect(b.status).to.equal(404);
      expect((await call(stack!.router.url, KEYS.a.key, `/v1/responses/${next.id}`, null)).status).to.equal(200);
    });
  });
}

tenancySuite('memory');
tenancySuite('redis');

describe('security: without keys (anonymous loopback) stored responses belong to "anonymous"', function () {
  this.timeout(30_000);
  let stack: DemoStack | undefined;
  after(async () => stack?.stop());

  it('the anonymous caller replays and continues what it stored', async () => {
    stack = await startDemoStack();
    const client = new OpenAI({ baseURL: `${stack.router.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const created = await client.responses.create({ model: 'openai/gpt-4o-mini', input: 'Remember 31337.' });
    expect((await client.responses.retrieve(created.id)).id).to.equal(created.id);
    const next = await client.responses.create({ model: 'openai/gpt-4o-mini', input: 'Which number?', previous_response_id: created.id });
    expect(next.status).to.equal('completed');
    const stored = await stack.router.state.conversations.get(created.id);
    expect(stored?.owner).to.equal('anonymous');
  });
});

describe('security: every reader of the store checks the owner', () => {
  // The ownership check lives in previousResponse() (src/state/conversations.ts); a route that read
  // the store directly would skip it. Only the store's own module and the backend wiring may call get().
  it('no file under src/ reads a stored response except through previousResponse()', () => {
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const p = path.join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts')) {
          const rel = path.relative(REPO_ROOT, p);
          if (rel === path.join('src', 'state', 'conversations.ts') || rel === path.join('src', 'state', 'backend.ts')) continue;
          if (/conversations\??\.(get|delete)\(/.test(readFileSync(p, 'utf8'))) offenders.push(rel);
        }
      }
    };
    walk(path.join(REPO_ROOT, 'src'));
    expect(offenders).to.deep.equal([]);
  });
});
