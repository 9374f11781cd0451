// Issue 16, deliverable 2 ("Fields silently dropped"): the field table in src/api/field-policy.ts
// and its rendering for the README (FIELD_TABLE_DOC) must have a row for every request field of
// the OpenAI schema — this test fails when the schema gains a field the table does not place — and
// the two must agree cell by cell. Also: checkFields' answers for unknown, refused and
// provider-dependent fields.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { CHAT_FIELDS, PROVIDER_TYPES, RESPONSES_FIELDS, ROUTER_FIELDS, checkFields, type FieldRow } from '../../../src/api/field-policy.js';
import { RouterError } from '../../../src/errors/registry.js';
import { schemaProperties } from '../../helpers/openapi.js';
import { REPO_ROOT } from '../../helpers/paths.js';

/** Where the field tables live: the README's Request fields section. */
const FIELD_TABLE_DOC = path.join(REPO_ROOT, 'README.md');

/** The rows of the markdown table whose header's first cell is `header`: field → cells after the field. */
function markdownTable(header: string): Map<string, string[]> {
  const lines = readFileSync(FIELD_TABLE_DOC, 'utf8').split('\n');
  const start = lines.findIndex((l) => l.startsWith(`| ${header} |`));
  expect(start, `a table headed "${header}" in ${FIELD_TABLE_DOC}`).to.be.greaterThan(-1);
  const rows = new Map<string, string[]>();
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    const cells = line.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());
    const field = /^`([^`]+)`$/.exec(cells[0] ?? '')?.[1];
    expect(field, `first cell of ${line}`).to.be.a('string');
    rows.set(field!, cells.slice(1));
  }
  return rows;
}

/** A README cell: the type's fate, and for openai-compatible the dialects that differ, e.g. "passed (mistral: mapped, deepseek: refused)". */
function fateCell(row: FieldRow, type: (typeof PROVIDER_TYPES)[number]): string {
  const differ = type === 'openai-compatible' ? Object.entries(row.byDialect ?? {}).filter(([, d]) => d !== row.by[type]) : [];
  return differ.length === 0 ? row.by[type] : `${row.by[type]} (${differ.map(([k, d]) => `${k}: ${d}`).join(', ')})`;
}

function thrown(fn: () => unknown): RouterError {
  try {
    fn();
  } catch (err) {
    if (err instanceof RouterError) return err;
    throw err;
  }
  throw new Error('expected a RouterError');
}

const APIS: { label: string; schema: string; header: string; table: Readonly<Record<string, FieldRow>> }[] = [
  { label: 'Responses', schema: 'CreateResponse', header: 'Responses field', table: RESPONSES_FIELDS },
  { label: 'Chat Completions', schema: 'CreateChatCompletionRequest', header: 'Chat field', table: CHAT_FIELDS },
];

describe('field policy table (issue 16: no silent drops)', () => {
  for (const api of APIS) {
    describe(api.label, () => {
      const props = schemaProperties(api.schema);

      it(`has a row in the code table for every property of ${api.schema}, and no schema row the schema lacks`, () => {
        expect(props.length).to.be.greaterThan(20);
        const missing = props.filter((p) => !Object.hasOwn(api.table, p));
        expect(missing, `fields of ${api.schema} with no row in src/api/field-policy.ts`).to.deep.equal([]);
        const stale = Object.entries(api.table)
          .filter(([k, r]) => r.kind === 'schema' && !props.includes(k))
          .map(([k]) => k);
        expect(stale, `rows of kind "schema" that ${api.schema} does not have (make them aliases or remove them)`).to.deep.equal([]);
      });

      it(`has a row in the README table (${path.relative(REPO_ROOT, FIELD_TABLE_DOC)}) for every property of ${api.schema}, agreeing with the code`, () => {
        const doc = markdownTable(api.header);
        const missing = props.filter((p) => !doc.has(p));
        expect(missing, `fields of ${api.schema} with no row in the README table`).to.deep.equal([]);
        for (const [field, row] of Object.entries(api.table)) {
          const cells = doc.get(field);
          expect(cells, `README row for ${field}`).to.not.equal(undefined);
          expect(cells!.slice(0, 1 + PROVIDER_TYPES.length), `README row for ${field}`).to.deep.equal([row.kind, ...PROVIDER_TYPES.map((t) => fateCell(row, t))]);
        }
        expect([...doc.keys()].filter((k) => !Object.hasOwn(api.table, k)), 'README rows the code does not have').to.deep.equal([]);
      });
    });
  }

  it('lists the router extensions in their own README table', () => {
    const doc = markdownTable('router field');
    expect([...doc.keys()].sort()).to.deep.equal(Object.keys(ROUTER_FIELDS).sort());
  });

  it('places the fields the finding named, each mapped, passed or refused per provider type', () => {
    for (const f of ['conversation', 'prompt', 'include', 'prompt_cache_key', 'service_tier', 'truncation', 'max_tool_calls']) {
      const row = RESPONSES_FIELDS[f]!;
      expect(row.kind, f).to.equal('schema');
      for (const t of PROVIDER_TYPES) expect(['mapped', 'passed', 'refused', 'warned'], `${f} on ${t}`).to.include(row.by[t]);
    }
    // Only prompt_cache_key may be "warned" (a routing hint, docs/clients/prompt-caching.md).
    for (const api of APIS) {
      for (const [f, row] of Object.entries(api.table)) {
        if (Object.values(row.by).includes('warned')) expect(f).to.equal('prompt_cache_key');
      }
    }
  });
});

describe('checkFields', () => {
  it('answers an unknown field as OpenAI does: unknown_parameter, "Unknown parameter: \'x\'."', () => {
    const err = thrown(() => checkFields('responses', { model: 'auto', input: 'hi', bogus_field: 1 }));
    expect(err.code).to.equal('unknown_parameter');
    expect(err.param).to.equal('bogus_field');
    expect(err.message).to.equal("Unknown parameter: 'bogus_field'.");
    expect(thrown(() => checkFields('chat', { messages: [], max_output_tokens: 5 })).param).to.equal('max_output_tokens');
  });

  it('refuses before routing a field no provider type serves, naming it', () => {
    const err = thrown(() => checkFields('chat', { messages: [], logprobs: true }));
    expect(err.code).to.equal('unsupported_parameter');
    expect(err.param).to.equal('logprobs');
    expect(thrown(() => checkFields('responses', { input: 'x', top_logprobs: 3 })).param).to.equal('top_logprobs');
  });

  it('treats default values as absent and ignores router extensions', () => {
    expect(checkFields('responses', { input: 'x', truncation: 'disabled', include: [], background: false, router_mode: 'cost', service_tier: 'auto' })).to.deep.equal([]);
    expect(checkFields('chat', { messages: [], n: 1, store: false, modalities: ['text'], logprobs: false })).to.deep.equal([]);
  });

  it('returns provider-dependent fields with who takes them verbatim and who refuses them', () => {
    const [f] = checkFields('responses', { input: 'x', service_tier: 'flex' });
    expect(f).to.include({ name: 'service_tier', value: 'flex' });
    expect(f!.passedTo).to.deep.equal(['openai']);
    expect(f!.refusedBy).to.deep.equal(['anthropic', 'gemini', 'openai-compatible', 'bedrock']);
    // seed differs per openai-compatible dialect, so that column is listed per dialect.
    const [seed] = checkFields('chat', { messages: [], seed: 7 });
    expect(seed!.passedTo).to.deep.equal(['openai', ...['generic', 'vllm', 'ollama', 'together', 'groq'].map((d) => `openai-compatible:${d}`)]);
    expect(seed!.refusedBy).to.deep.equal(['anthropic', 'gemini', 'openai-compatible:deepseek', 'bedrock']);
  });
});
