// Bedrock's authentication pieces against each other: the router's SigV4 signer
// (@smithy/signature-v4 + the AWS credential chain, here the environment) and the simulator's
// independent check (aws4); the event-stream decoder's framing; the secret scrubber knowing the
// AWS secret; the regional endpoint filled in when a policy gives none.
import { expect } from 'chai';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import path from 'node:path';
import { loadPolicyDirectory } from '../../../src/policy/load.js';
import { awsCredentialsLikely, resetAwsCredentials, signBedrockRequest } from '../../../src/providers/bedrock/sign.js';
import { createEventStreamDecoder } from '../../../src/providers/bedrock/stream.js';
import type { UpstreamRequest } from '../../../src/providers/types.js';
import { verifySigV4 } from '../../../src/simulator/sigv4.js';
import { secretsFor } from '../../../src/upstream/secrets.js';
import { FIXTURES } from '../../helpers/paths.js';

const KEY_ID = ['AKID', 'UNIT', 'TEST'].join('');
const SECRET = ['unit', 'test', 'aws', 'secret', String(process.pid)].join('/');
const SESSION = ['session', 'token', 'for', 'tests'].join('-');
const PROVIDER = { name: 'aws', type: 'bedrock' as const, region: 'eu-west-1', baseUrl: 'http://127.0.0.1:1/bedrock' };

function unsigned(body = '{"messages":[]}'): UpstreamRequest {
  return {
    url: `http://127.0.0.1:1/bedrock/model/${encodeURIComponent('anthropic.claude-3-5-sonnet-20241022-v2:0')}/converse`,
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body,
    stream: false,
  };
}

function received(r: UpstreamRequest): { method: string; path: string; headers: Record<string, string>; body: string } {
  const u = new URL(r.url);
  return { method: r.method, path: u.pathname + u.search, headers: { ...r.headers, host: u.host }, body: r.body };
}

describe('bedrock: SigV4 signing (router) vs verification (simulator, aws4)', () => {
  const saved: Record<string, string | undefined> = {};
  before(() => {
    for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) saved[k] = process.env[k];
    process.env.AWS_ACCESS_KEY_ID = KEY_ID;
    process.env.AWS_SECRET_ACCESS_KEY = SECRET;
    process.env.AWS_SESSION_TOKEN = SESSION;
    delete process.env.AWS_PROFILE;
    resetAwsCredentials();
  });
  after(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    resetAwsCredentials();
  });

  it('a signed request verifies: service bedrock, the provider region, the session token signed', async () => {
    const signed = await signBedrockRequest(unsigned(), PROVIDER);
    expect(signed.headers['authorization']).to.match(new RegExp(`^AWS4-HMAC-SHA256 Credential=${KEY_ID}/\\d{8}/eu-west-1/bedrock/aws4_request, SignedHeaders=[^,]*x-amz-security-token`));
    expect(signed.headers['x-amz-security-token']).to.equal(SESSION);
    expect(signed.headers['host']).to.equal(undefined); // undici sets it from the URL
    expect(verifySigV4(received(signed), { accessKeyId: KEY_ID, secretAccessKey: SECRET })).to.equal(undefined);
  });

  it('a wrong secret is refused as AWS does: 403 InvalidSignatureException in x-amzn-errortype', async () => {
    const signed = await signBedrockRequest(unsigned(), PROVIDER);
    const e = verifySigV4(received(signed), { accessKeyId: KEY_ID, secretAccessKey: `${SECRET}x` });
    expect(e?.status).to.equal(403);
    expect(e?.headers?.['x-amzn-errortype']).to.match(/^InvalidSignatureException:/);
    expect((e?.body as { message: string }).message).to.include('signature we calculated does not match');
  });

  it('an unknown key id, a changed body, a changed path and an old date are each refused', async () => {
    const creds = { accessKeyId: KEY_ID, secretAccessKey: SECRET };
    const signed = await signBedrockRequest(unsigned(), PROVIDER);
    expect(verifySigV4(received(signed), { ...creds, accessKeyId: `${KEY_ID}X` })?.headers?.['x-amzn-errortype']).to.match(/^UnrecognizedClientException/);
    const tampered = { ...received(signed), body: '{"messages":[{}]}' };
    expect(verifySigV4(tampered, creds)?.status).to.be.oneOf([400, 403]);
    const otherPath = { ...received(signed), path: received(signed).path.replace('/converse', '/converse-stream') };
    expect(verifySigV4(otherPath, creds)?.headers?.['x-amzn-errortype']).to.match(/^InvalidSignatureException/);
    expect(verifySigV4(received(signed), creds, Date.now() + 16 * 60_000)?.headers?.['x-amzn-errortype']).to.match(/^InvalidSignatureException/);
    const { authorization: _a, ...unsignedHeaders } = received(signed).headers;
    expect(verifySigV4({ ...received(signed), headers: unsignedHeaders }, creds)?.headers?.['x-amzn-errortype']).to.match(/^MissingAuthenticationTokenException/);
  });

  it('the policy set scrubber masks the AWS secret and session token of a set with a bedrock provider', async () => {
    const loaded = await loadPolicyDirectory(path.join(FIXTURES, 'policies', 'valid', 'bedrock'));
    if (!loaded.ok) throw new Error('valid/bedrock must load');
    const scrubbed = secretsFor(loaded.set).scrub(`echoed ${SECRET} and ${SESSION}`);
    expect(scrubbed).to.not.include(SECRET);
    expect(scrubbed).to.not.include(SESSION);
    // and a bedrock provider without baseUrl gets its region's endpoint
    expect(loaded.set.providers.get('aws-eu')!.baseUrl).to.equal('https://bedrock-runtime.eu-central-1.amazonaws.com');
  });
});

describe('bedrock: no credentials anywhere', () => {
  const KEYS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_CONFIG_FILE', 'AWS_EC2_METADATA_DISABLED', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ROLE_ARN'];
  const saved: Record<string, string | undefined> = {};
  before(() => {
    for (const k of KEYS) saved[k] = process.env[k];
    for (const k of KEYS) delete process.env[k];
    process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/aws/credentials';
    process.env.AWS_CONFIG_FILE = '/nonexistent/aws/config';
    process.env.AWS_EC2_METADATA_DISABLED = 'true'; // no instance-metadata call from a test
    resetAwsCredentials();
  });
  after(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    resetAwsCredentials();
  });

  it('routing sees none, and signing rejects (the attempt loop turns that into upstream_auth_error)', async () => {
    expect(awsCredentialsLikely()).to.equal(false);
    const err = await signBedrockRequest(unsigned(), PROVIDER).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(Error);
  });
});

describe('bedrock: event-stream decoding', () => {
  const codec = new EventStreamCodec(toUtf8, fromUtf8);
  const str = (value: string) => ({ type: 'string' as const, value });
  const msg = (event: string, data: unknown): Uint8Array =>
    codec.encode({ headers: { ':message-type': str('event'), ':event-type': str(event), ':content-type': str('application/json') }, body: fromUtf8(JSON.stringify(data)) });

  it('messages split anywhere across chunks come out whole and in order', () => {
    const bytes = Buffer.concat([msg('messageStart', { role: 'assistant' }), msg('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'héllo' } }), msg('messageStop', { stopReason: 'end_turn' })]);
    for (const size of [1, 3, 16, bytes.length]) {
      const d = createEventStreamDecoder();
      const out = [];
      for (let i = 0; i < bytes.length; i += size) out.push(...d.feed(bytes.subarray(i, i + size)));
      out.push(...d.end());
      expect(out.map((m) => m.event), `chunks of ${size}`).to.deep.equal(['messageStart', 'contentBlockDelta', 'messageStop']);
      expect(JSON.parse(out[1]!.data).delta.text).to.equal('héllo');
    }
  });

  it('a corrupted message (CRC mismatch) throws instead of yielding garbage', () => {
    const bytes = Buffer.from(msg('messageStart', { role: 'assistant' }));
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 6) ^ 0xff, bytes.length - 6);
    expect(() => createEventStreamDecoder().feed(bytes)).to.throw();
  });

  it('an exception message is reported as exception:<name>', () => {
    const bytes = codec.encode({ headers: { ':message-type': str('exception'), ':exception-type': str('throttlingException') }, body: fromUtf8('{"message":"slow down"}') });
    expect(createEventStreamDecoder().feed(bytes)).to.deep.equal([{ event: 'exception:throttlingException', data: '{"message":"slow down"}' }]);
  });
});
