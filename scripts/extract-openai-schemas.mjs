#!/usr/bin/env node
// Extracts the OpenAI component schemas a router needs from the official
// OpenAPI description and rewrites them so Ajv (JSON Schema 2020-12, strict
// mode) can compile them (the transformations are listed in the SOURCE.md it writes).
//
// Usage (from the repository root):
//   node scripts/extract-openai-schemas.mjs path/to/openapi.yaml
//
// The input is OpenAI's published OpenAPI description (openai/openai-openapi);
// schema-index.json and openapi.SOURCE.json are read from the same folder.
// Output: test/fixtures/openapi/openai-schemas.json
//
// The output is the wrapper schema { $id, $comment, $defs } plus one extra
// top-level key, "x-stream-events" (event type -> member schema name, from
// schema-index.json). Ajv must not see that key in strict mode: loaders pass
// only $id/$comment/$defs to ajv.addSchema.

import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
if (!process.argv[2]) {
  console.error('usage: node scripts/extract-openai-schemas.mjs path/to/openapi.yaml');
  process.exit(2);
}
const input = path.resolve(process.argv[2]);
const specDir = path.dirname(input);
const outDir = path.join(REPO_ROOT, 'test', 'fixtures', 'openapi');
const outFile = path.join(outDir, 'openai-schemas.json');

const SCHEMA_ID = 'https://tokenrouter.local/openapi/openai.schema.json';

const ROOTS = [
  'CreateResponse',
  'Response',
  'ResponseStreamEvent',
  'CreateChatCompletionRequest',
  'CreateChatCompletionResponse',
  'CreateChatCompletionStreamResponse',
  'ErrorResponse',
  'Error',
  // GET /v1/models, GET /v1/models/{id}, GET /v1/responses/{id}/input_items.
  'ListModelsResponse',
  'Model',
  'ResponseItemList',
];

// ---------------------------------------------------------------- positions
// Only these keys hold schemas; everything else is copied verbatim (property
// names such as `type` or `nullable` are data keys, enum/const/default hold values).
const SCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'dependentSchemas'];
const SCHEMA_ARRAYS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];
const SCHEMA_SINGLE = [
  'items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains',
  'propertyNames', 'unevaluatedItems', 'unevaluatedProperties',
];

// Annotation / vendor keys that strict Ajv rejects, plus the spec's typos.
const DROP_KEYS = new Set(['discriminator', 'example', 'optional', 'min_items', 'max_items', '$recursiveAnchor']);
const COMPONENT_REF = '#/components/schemas/';

const stats = {
  refs: 0, nullableTyped: 0, nullableWrapped: 0, nullableFalse: 0, discriminator: 0,
  oneOf: 0, oneOfMovedToAllOf: 0, exclusiveBool: 0, recursiveRef: 0, duplicateRequired: 0,
  vendorKeys: 0, typoKeys: 0, example: 0,
};

/** Calls fn for every direct sub-schema of a schema node (schema positions only). */
function forEachSubschema(node, fn) {
  for (const k of SCHEMA_MAPS) {
    const m = node[k];
    if (m && typeof m === 'object' && !Array.isArray(m)) for (const v of Object.values(m)) fn(v);
  }
  for (const k of SCHEMA_ARRAYS) if (Array.isArray(node[k])) node[k].forEach(fn);
  for (const k of SCHEMA_SINGLE) {
    const v = node[k];
    if (Array.isArray(v)) v.forEach(fn); // draft-4 style tuple `items` (not present in 2.3.0)
    else if (v !== undefined) fn(v);
  }
}

/** Returns the transformed copy of a schema node. `component` names the enclosing component. */
function transform(node, component) {
  if (typeof node !== 'object' || node === null) return node; // boolean schemas
  if (Array.isArray(node)) throw new Error(`${component}: array where a schema was expected`);

  const out = {};
  for (const [k, v] of Object.entries(node)) {
    if (k.startsWith('x-')) { stats.vendorKeys++; continue; }
    if (DROP_KEYS.has(k)) {
      if (k === 'discriminator') stats.discriminator++;
      else if (k === 'example') stats.example++;
      else if (k !== '$recursiveAnchor') stats.typoKeys++;
      continue;
    }
    if (SCHEMA_MAPS.includes(k) && v && typeof v === 'object' && !Array.isArray(v)) {
      out[k] = Object.fromEntries(Object.entries(v).map(([name, s]) => [name, transform(s, component)]));
    } else if (SCHEMA_ARRAYS.includes(k) && Array.isArray(v)) {
      out[k] = v.map((s) => transform(s, component));
    } else if (SCHEMA_SINGLE.includes(k)) {
      out[k] = Array.isArray(v) ? v.map((s) => transform(s, component)) : transform(v, component);
    } else if (k === '$ref' && typeof v === 'string') {
      if (!v.startsWith(COMPONENT_REF)) throw new Error(`${component}: unsupported $ref ${v}`);
      out.$ref = `#/$defs/${v.slice(COMPONENT_REF.length)}`;
      stats.refs++;
    } else if (k === '$recursiveRef') {
      if (v !== '#') throw new Error(`${component}: unsupported $recursiveRef ${v}`);
      out.$ref = `#/$defs/${component}`;
      stats.recursiveRef++;
    } else {
      out[k] = structuredClone(v);
    }
  }

  // OAS 3.0 boolean exclusiveMinimum / exclusiveMaximum.
  for (const [ex, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']]) {
    if (typeof out[ex] === 'boolean') {
      stats.exclusiveBool++;
      if (out[ex] && typeof out[bound] === 'number') {
        out[ex] = out[bound];
        delete out[bound];
      } else {
        delete out[ex];
      }
    }
  }

  // Duplicate `required` entries.
  if (Array.isArray(out.required)) {
    const uniq = [...new Set(out.required)];
    if (uniq.length !== out.required.length) stats.duplicateRequired++;
    out.required = uniq;
  }

  // oneOf -> anyOf (members overlap; OpenAPI tools rely on the discriminator).
  if (out.oneOf !== undefined) {
    stats.oneOf++;
    const members = out.oneOf;
    delete out.oneOf;
    if (out.anyOf === undefined) {
      out.anyOf = members;
    } else {
      stats.oneOfMovedToAllOf++;
      out.allOf = [...(out.allOf ?? []), { anyOf: members }];
    }
  }

  // nullable (OAS 3.0).
  if ('nullable' in out) {
    const nullable = out.nullable === true;
    delete out.nullable;
    if (!nullable) {
      stats.nullableFalse++;
    } else {
      const hasCombinator = ['anyOf', 'allOf', 'oneOf', 'not', '$ref', 'if'].some((k) => k in out);
      if (typeof out.type === 'string' && !hasCombinator && !('const' in out)) {
        stats.nullableTyped++;
        out.type = [out.type, 'null'];
        if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
      } else {
        stats.nullableWrapped++;
        const outer = {};
        for (const k of ['title', 'description', 'default', 'deprecated']) {
          if (k in out) { outer[k] = out[k]; delete out[k]; }
        }
        outer.anyOf = [out, { type: 'null' }];
        return outer;
      }
    }
  }
  return out;
}

// -------------------------------------------------------------------- main
const t0 = performance.now();
const doc = parse(readFileSync(input, 'utf8'), { maxAliasCount: -1 });
const tParse = performance.now() - t0;
const all = doc?.components?.schemas;
if (!all || typeof all !== 'object') throw new Error(`${input}: no components.schemas`);

const index = JSON.parse(readFileSync(path.join(specDir, 'schema-index.json'), 'utf8'));
const source = JSON.parse(readFileSync(path.join(specDir, 'openapi.SOURCE.json'), 'utf8'));
const streamEvents = Object.fromEntries(index.responseStreamEvents.map((e) => [e.type, e.schema]));

// Transitive closure over $ref, starting from the roots and every stream-event member.
const wanted = [...new Set([...ROOTS, ...Object.values(streamEvents)])];
const defs = {};
const queue = [...wanted];
while (queue.length > 0) {
  const name = queue.shift();
  if (name in defs) continue;
  if (!(name in all)) throw new Error(`component schema ${name} not found in ${input}`);
  defs[name] = transform(all[name], name);
  const visit = (n) => {
    if (typeof n !== 'object' || n === null) return;
    if (typeof n.$ref === 'string') {
      const target = n.$ref.slice('#/$defs/'.length);
      if (!(target in defs)) queue.push(target);
    }
    forEachSubschema(n, visit);
  };
  visit(defs[name]);
}

// Sanity checks: every stream event type in the index is the `type` tag of its schema,
// and the ResponseStreamEvent union lists exactly the indexed members.
const tagOf = (schema) => {
  const t = schema?.properties?.type;
  if (!t) return undefined;
  if (t.const !== undefined) return [t.const];
  return Array.isArray(t.enum) ? t.enum : undefined;
};
for (const [type, name] of Object.entries(streamEvents)) {
  const tags = tagOf(defs[name]);
  if (!tags || !tags.includes(type)) throw new Error(`schema-index says ${type} -> ${name}, but ${name}.type is ${JSON.stringify(tags)}`);
}
const unionMembers = (defs.ResponseStreamEvent.anyOf ?? []).map((m) => m.$ref?.slice('#/$defs/'.length)).sort();
const indexMembers = [...new Set(Object.values(streamEvents))].sort();
if (JSON.stringify(unionMembers) !== JSON.stringify(indexMembers)) {
  throw new Error('ResponseStreamEvent members differ from schema-index.json responseStreamEvents');
}

const sortedDefs = Object.fromEntries(Object.keys(defs).sort().map((k) => [k, defs[k]]));
const wrapper = {
  $id: SCHEMA_ID,
  $comment:
    `Generated by scripts/extract-openai-schemas.mjs from ${source.repository} ${source.path} ` +
    `@ ${source.commit} (info.version ${source.infoVersion}, sha256 ${source.sha256}). Do not edit.`,
  $defs: sortedDefs,
  'x-stream-events': streamEvents,
};

mkdirSync(outDir, { recursive: true });
const json = JSON.stringify(wrapper, null, 1) + '\n';
writeFileSync(outFile, json);

const sourceMd = `# OpenAI OpenAPI schemas (test fixtures)

\`openai-schemas.json\` holds the OpenAI component schemas that TokenRouter's output is
validated against in tests, transformed so Ajv (JSON Schema 2020-12, strict mode) compiles them.

- Upstream: ${source.repository}, branch \`${source.branch}\`, file \`${source.path}\`
- Commit: \`${source.commit}\` (${source.commitDate}, "${source.commitSubject}")
- Spec: OpenAPI ${source.openapiVersion}, info.version ${source.infoVersion}; sha256 of the YAML \`${source.sha256}\`
- Licence: ${source.license}
- Extracted: ${Object.keys(sortedDefs).length} of ${Object.keys(all).length} component schemas — the roots
  ${ROOTS.map((r) => `\`${r}\``).join(', ')}, every \`ResponseStreamEvent\` member listed in
  \`schema-index.json\` (${indexMembers.length}), and everything they reference transitively.
- Transformations: \`#/components/schemas/X\` → \`#/$defs/X\`;
  \`nullable\` → \`type: [T, "null"]\` (+ \`null\` in \`enum\`) or \`anyOf [schema, {type: null}]\`;
  \`discriminator\` removed; \`oneOf\` → \`anyOf\`; boolean \`exclusiveMinimum/Maximum\` → numeric;
  \`$recursiveRef: "#"\` → \`$ref\` to the enclosing component; duplicate \`required\` entries removed;
  \`x-*\`, \`example\`, \`optional\`, \`min_items\`, \`max_items\` removed.
- \`x-stream-events\` (not part of the schema; strip it before \`ajv.addSchema\`) maps each
  Responses stream event \`type\` to its member schema, from \`schema-index.json\`.

\`examples/\` holds copies of the hand-written example streams and bodies that came with the
spec (they conform to it), so tests never read outside the repository.

## Regenerate

\`\`\`sh
node scripts/extract-openai-schemas.mjs /path/to/openapi.yaml # schema-index.json and openapi.SOURCE.json must sit next to it
cp /path/to/examples/* test/fixtures/openapi/examples/
\`\`\`
`;
writeFileSync(path.join(outDir, 'SOURCE.md'), sourceMd);

console.log(
  `parsed ${path.relative(process.cwd(), input)} in ${tParse.toFixed(0)} ms; ` +
  `wrote ${path.relative(process.cwd(), outFile)} (${Object.keys(sortedDefs).length} schemas, ${json.length} bytes)`,
);
console.log('transformations:', JSON.stringify(stats));
