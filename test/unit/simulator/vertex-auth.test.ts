// The simulator's Vertex OAuth endpoint checks what Google's does with a service account's
// JWT-bearer assertion — the RS256 signature against the account's public key, iss, aud (its own
// URL) and exp — and every model call's bearer token against the tokens it issued.
import { expect } from 'chai';
import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { VertexAuth, vertexRoute } from '../../../src/simulator/vertex.js';

const TOKEN_URI = 'http://127.0.0.1:1/vertex/token';
const EMAIL = 'router@acme.iam.gserviceaccount.com';

function assertion(key: KeyObject, claims: Record<string, unknown>, alg = 'RS256'): string {
  const enc = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${enc({ alg, typ: 'JWT' })}.${enc(claims)}`;
  const sig = createSign('RSA-SHA256').update(head).sign(key).toString('base64url');
  return `${head}.${sig}`;
}

function form(jwt: string): string {
  return new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: jwt }).toString();
}

describe('simulator: Vertex OAuth endpoint and bearer tokens', () => {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const auth = new VertexAuth({ serviceAccount: { clientEmail: EMAIL, publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString() }, tokenLifetimeS: 120 });
  const now = (): number => Math.floor(Date.now() / 1000);
  const good = (): Record<string, unknown> => ({ iss: EMAIL, aud: TOKEN_URI, scope: 'https://www.googleapis.com/auth/cloud-platform', iat: now(), exp: now() + 3600 });

  it('a well-signed assertion gets a token with expires_in, accepted on model calls until expired', () => {
    const r = auth.token(form(assertion(pair.privateKey, good())), TOKEN_URI);
    expect(r.status).to.equal(200);
    const body = r.body as { access_token: string; expires_in: number; token_type: string };
    expect(body.expires_in).to.equal(120);
    expect(body.token_type).to.equal('Bearer');
    expect(auth.authorized({ authorization: `Bearer ${body.access_token}` })).to.equal(true);
    expect(auth.authorized({ authorization: 'Bearer ya29.not-issued-here' })).to.equal(false);
    expect(auth.authorized({})).to.equal(false);
    auth.expireAll();
    expect(auth.authorized({ authorization: `Bearer ${body.access_token}` })).to.equal(false);
  });

  const refusals: [string, () => string, RegExp][] = [
    ['signed with another key', () => assertion(other.privateKey, good()), /Invalid JWT Signature/],
    ['a tampered payload', () => { const [h, , s] = assertion(pair.privateKey, good()).split('.'); return `${h}.${Buffer.from(JSON.stringify({ ...good(), iss: EMAIL + 'x' })).toString('base64url')}.${s}`; }, /Invalid JWT Signature/],
    ['another issuer', () => assertion(pair.privateKey, { ...good(), iss: 'someone@else.iam.gserviceaccount.com' }), /account not found/],
    ["Google's audience instead of this token_uri", () => assertion(pair.privateKey, { ...good(), aud: 'https://oauth2.googleapis.com/token' }), /audience/],
    ['an expired assertion', () => assertion(pair.privateKey, { ...good(), iat: now() - 7200, exp: now() - 3600 }), /short-lived/],
    ['alg other than RS256', () => assertion(pair.privateKey, good(), 'HS256'), /RS256/],
  ];
  for (const [what, make, message] of refusals) {
    it(`refuses ${what} with invalid_grant`, () => {
      const issued = auth.issued;
      const r = auth.token(form(make()), TOKEN_URI);
      expect(r.status).to.equal(400);
      expect((r.body as { error: string }).error).to.equal('invalid_grant');
      expect((r.body as { error_description: string }).error_description).to.match(message);
      expect(auth.issued).to.equal(issued);
    });
  }

  it('routes: each publisher with its own verbs only', () => {
    expect(vertexRoute('/vertex/v1/projects/p/locations/us-east5/publishers/google/models/gemini-2.5-flash:streamGenerateContent')).to.deep.equal({ publisher: 'google', model: 'gemini-2.5-flash', stream: true });
    expect(vertexRoute('/vertex/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict')).to.deep.equal({ publisher: 'anthropic', model: 'claude-sonnet-4-5@20250929', stream: false });
    expect(vertexRoute('/vertex/v1/projects/p/locations/us-east5/publishers/google/models/gemini-2.5-flash:rawPredict')).to.equal(undefined);
    expect(vertexRoute('/vertex/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-x:generateContent')).to.equal(undefined);
  });
});
