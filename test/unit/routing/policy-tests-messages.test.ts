// PolicyTest cases whose request is an Anthropic Messages body (`request.api:
// messages`): read with the Messages reader (normalizeMessagesRequest), so
// system and content blocks, tool_use and tool_result reach routing rules and
// the prompt firewall as they do on POST /v1/messages; the schema holds `api`
// to the three dialects. Fixture: test/fixtures/policy-tests/suites/messages.yaml.
import { expect } from 'chai';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatProblem } from '../../../src/policy/load.js';
import { loadPolicyTests } from '../../../src/authoring/policy-test-load.js';
import { runPolicyTests } from '../../../src/authoring/policy-tests.js';
import { normalizeAnyRequest } from '../../../src/authoring/explain.js';
import { RouterError } from '../../../src/errors/registry.js';
import { explainCommand } from '../../../src/cli/explain.js';
import { presentedKey } from '../../../src/server/auth.js';
import { Writable } from 'node:stream';
import { FIXTURES } from '../../helpers/paths.js';

const ROOT = path.join(FIXTURES, 'policy-tests');
const made: string[] = [];

async function dirWith(suite: string, text?: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tokenrouter-policy-test-messages-'));
  made.push(dir);
  for (const f of await fs.readdir(path.join(ROOT, 'policies'))) await fs.copyFile(path.join(ROOT, 'policies', f), path.join(dir, f));
  await fs.mkdir(path.join(dir, 'tests'));
  await fs.writeFile(path.join(dir, 'tests', suite), text ?? (await fs.readFile(path.join(ROOT, 'suites', suite), 'utf8')));
  return dir;
}

describe('policy tests: Messages requests (request.api: messages)', () => {
  after(async () => {
    for (const d of made) await fs.rm(d, { recursive: true, force: true });
  });

  it('routes, blocks and masks Messages bodies as serving would', async () => {
    const loaded = await loadPolicyTests(await dirWith('messages.yaml'));
    if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join('\n'));
    const run = await runPolicyTests(loaded.set, loaded.suites);
    expect(run.results.filter((r) => !r.ok).map((r) => [r.name, r.diff])).to.deep.equal([]);
    expect(run.passed).to.equal(4);
    const explained = run.results.map((r) => r.outcome.explanation?.request.api);
    expect(explained.slice(0, 3)).to.deep.equal(['messages', 'messages', 'messages']);
    // The tool_result's text was screened, masked where the digits were.
    expect(run.results[2]!.outcome.firewall!.maskedPrompt.join('\n')).to.include('account ').and.not.include('1234567');
  });

  it('the same body without `api: messages` is read as Chat (which has no tool_result block)', async () => {
    const text = (await fs.readFile(path.join(ROOT, 'suites', 'messages.yaml'), 'utf8')).replaceAll('        api: messages\n', '');
    const loaded = await loadPolicyTests(await dirWith('messages.yaml', text));
    if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join('\n'));
    const run = await runPolicyTests(loaded.set, loaded.suites);
    expect(run.results[2]!.ok).to.equal(false);
    expect(run.results[2]!.outcome.explanation?.request.api ?? run.results[2]!.outcome.error?.code).to.not.equal('messages');
  });

  it('the schema refuses an api that is not a dialect', async () => {
    const text = (await fs.readFile(path.join(ROOT, 'suites', 'messages.yaml'), 'utf8')).replace('api: messages', 'api: anthropic');
    const loaded = await loadPolicyTests(await dirWith('messages.yaml', text));
    expect(loaded.ok).to.equal(false);
    expect(loaded.ok ? [] : loaded.problems.map(formatProblem).join('\n')).to.include('/spec/cases/0/request/api');
  });

  it('normalizeAnyRequest: api picks the reader; an unknown api is a 400 naming the field', () => {
    const body = { model: 'auto', max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] };
    expect(normalizeAnyRequest({ ...body, api: 'messages' }).api).to.equal('messages');
    expect(normalizeAnyRequest(body).api).to.equal('chat');
    expect(normalizeAnyRequest({ model: 'auto', input: 'hi', api: 'responses' }).api).to.equal('responses');
    try {
      normalizeAnyRequest({ ...body, api: 'anthropic' });
      expect.fail('expected a 400');
    } catch (err) {
      expect(err).to.be.instanceOf(RouterError);
      expect((err as RouterError).code).to.equal('invalid_parameter');
      expect((err as RouterError).param).to.equal('api');
    }
  });

  it('tokenrouter explain reads a request file with api: messages as a Messages body', async () => {
    const dir = await dirWith('messages.yaml');
    const file = path.join(dir, 'request.json');
    await fs.writeFile(file, JSON.stringify({ api: 'messages', model: 'auto', max_tokens: 50, messages: [{ role: 'user', content: [{ type: 'text', text: 'check this code' }] }] }));
    let out = '';
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        out += chunk.toString('utf8');
        cb();
      },
    });
    const code = await explainCommand({ request: file, policies: dir, json: true, assumeCredentials: true }, sink, sink);
    expect(code, out).to.equal(0);
    const explained = JSON.parse(out);
    expect(explained.request.api).to.equal('messages');
    expect(explained.decision).to.deep.include({ provider: 'beta', model: 'big', rules: ['code-to-big'] });
  });
});

describe('presentedKey: the key a request presents', () => {
  it('Bearer from Authorization, else x-api-key (trimmed); a present Authorization decides alone', () => {
    expect(presentedKey({ authorization: 'Bearer abc' })).to.equal('abc');
    expect(presentedKey({ 'x-api-key': 'abc' })).to.equal('abc');
    expect(presentedKey({ 'x-api-key': ' abc ' })).to.equal('abc');
    expect(presentedKey({})).to.equal(undefined);
    expect(presentedKey({ 'x-api-key': '' })).to.equal(undefined);
    // A wrong Bearer is not rescued by a right x-api-key, and a malformed Authorization presents nothing.
    expect(presentedKey({ authorization: 'Bearer wrong', 'x-api-key': 'right' })).to.equal('wrong');
    expect(presentedKey({ authorization: 'Basic xyz', 'x-api-key': 'right' })).to.equal(undefined);
  });
});

