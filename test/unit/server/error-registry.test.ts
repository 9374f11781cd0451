// Keeps the README's error table and the error registry in step: every
// registered code is documented with the same status and type, and the README
// documents no code that does not exist.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ERRORS, RouterError, wireError } from '../../../src/errors/registry.js';
import { UPSTREAM_ERROR_CODES } from '../../../src/upstream/errors.js';
import { REPO_ROOT } from '../../helpers/paths.js';

/** Rows of the README table whose header starts with `| <firstColumn> |` in the Errors section. */
function readmeErrorRows(firstColumn: string): Map<string, { status: number; type: string }> {
  const text = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const section = text.split(/^## Errors$/m)[1]!.split(/^## /m)[0]!;
  const table = section.split(`| ${firstColumn} |`)[1]!.split(/\n\s*\n/)[0]!;
  const rows = new Map<string, { status: number; type: string }>();
  for (const line of table.split('\n')) {
    const m = /^\| `([a-z_]+)` \| (\d{3}) \| ([a-z_]+) \|/.exec(line);
    if (m) rows.set(m[1]!, { status: Number(m[2]), type: m[3]! });
  }
  return rows;
}

describe('error registry', () => {
  it('every code is documented in the README with its status and type, and nothing else is', () => {
    const rows = readmeErrorRows('code');
    const registry = new Map(Object.entries(ERRORS).map(([code, d]) => [code, { status: d.status, type: d.type }]));
    expect(Object.fromEntries(rows)).to.deep.equal(Object.fromEntries(registry));
  });

  it('every upstream error code is documented with its status and type', () => {
    const rows = readmeErrorRows('upstream code');
    const codes = Object.fromEntries(Object.entries(UPSTREAM_ERROR_CODES).map(([c, d]) => [c, { status: d.status, type: d.type }]));
    expect(Object.fromEntries(rows)).to.deep.equal(codes);
  });

  it('renders the OpenAI error shape with param and code present', () => {
    const body = wireError(new RouterError('forbidden_key', undefined, '/a/__proto__'));
    expect(body).to.deep.equal({
      error: { message: ERRORS.forbidden_key.message, type: 'invalid_request_error', param: '/a/__proto__', code: 'forbidden_key', provider: null, http_status: 400 },
    });
    expect(Object.keys(wireError(new RouterError('internal_error')).error)).to.deep.equal(['message', 'type', 'param', 'code', 'provider', 'http_status']);
  });
});
