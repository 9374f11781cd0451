// Anthropic's status codes for the router's errors on the Messages front door (src/api/messages/errors.ts).
import { expect } from 'chai';
import { messagesErrorEnvelope } from '../../../../src/api/messages/errors.js';
import type { WireError } from '../../../../src/errors/registry.js';

function wire(status: number, over: Partial<WireError['error']> = {}): WireError {
  return { error: { message: 'm', type: 'invalid_request_error', param: null, code: null, provider: null, http_status: status, ...over } };
}

describe('messages error envelope: statuses as Anthropic answers them', () => {
  const cases: [string, number, Partial<WireError['error']>, number, string][] = [
    ['unknown model in `model` → 404 not_found_error', 400, { code: 'unknown_model', param: 'model' }, 404, 'not_found_error'],
    ['unknown router_mode stays 400', 400, { code: 'unknown_model', param: 'router_mode' }, 400, 'invalid_request_error'],
    ['no model can serve (422) → 400 invalid_request_error', 422, { code: 'no_candidates' }, 400, 'invalid_request_error'],
    ['provider 503 → 529 overloaded_error', 503, { provider: 'anthropic', code: 'server_is_overloaded' }, 529, 'overloaded_error'],
    ['provider 500 stays 500 api_error', 500, { provider: 'openai' }, 500, 'api_error'],
    ['firewall 403 → permission_error', 403, { code: 'firewall_blocked' }, 403, 'permission_error'],
    ['401 → authentication_error', 401, { code: 'invalid_api_key' }, 401, 'authentication_error'],
    ['429 → rate_limit_error', 429, { code: 'rate_limit_exceeded' }, 429, 'rate_limit_error'],
  ];
  for (const [name, status, over, wantStatus, wantType] of cases) {
    it(name, () => {
      const out = messagesErrorEnvelope(status, wire(status, over));
      expect(out.status).to.equal(wantStatus);
      expect(out.body).to.deep.equal({ type: 'error', error: { type: wantType, message: 'm' } });
    });
  }
});
