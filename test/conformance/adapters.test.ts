// The shared adapter conformance suite. Every adapter runs against its golden
// fixtures in test/fixtures/providers/<type>/*.json:
//   kind "request":  canonical request + target  → the exact upstream request
//   kind "response": provider JSON body           → canonical events
//   kind "stream":   provider SSE text            → canonical events (Bedrock: a list of event-stream messages)
//   kind "error":    provider status/headers/body → mapped client error
// UPDATE_FIXTURES=1 rewrites every `expected` from current behaviour (review the diff); a
// fixture without `expected` fails otherwise, so a new fixture cannot pass by checking the
// adapter against itself.
// Every request to an OpenAI-shaped upstream (OpenAI or Azure /responses, any Chat Completions host) must
// also validate against the official schema, CreateResponse or CreateChatCompletionRequest
// (upstream-schema.ts lists where a host legitimately differs).
// On top of the fixtures, properties every adapter must have are checked on each
// stream fixture: a stream cut before its finish ends with an error event, and
// tool-call argument deltas are never lost.
import { expect } from 'chai';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { CanonicalEvent } from '../../src/canonical/types.js';
import { resolveDialect } from '../../src/providers/openai-compatible/dialects.js';
import { ADAPTERS } from '../../src/providers/registry.js';
import { setIdGenerator } from '../../src/providers/shared/ids.js';
import type { ProviderAdapter } from '../../src/providers/types.js';
import type { SseMessage, UpstreamRequest } from '../../src/providers/types.js';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { parseSseText } from '../../src/upstream/sse.js';
import { validateSchema } from '../helpers/openapi.js';
import { FIXTURES, missingGolden, REPO_ROOT, UPDATE_FIXTURES } from '../helpers/paths.js';
import { requestSchemaFor, toOpenAISpelling } from './upstream-schema.js';

interface Fixture {
  description: string;
  kind: 'request' | 'response' | 'stream' | 'error';
  request: any;
  target?: { provider: any; model: any };
  input?: any;
  expected?: unknown;
}

export function runFixture(adapter: ProviderAdapter, fx: Fixture): unknown {
  switch (fx.kind) {
    case 'request':
      return adapter.buildRequest(fx.request, { ...fx.target!, apiKey: 'test-key' });
    case 'response':
      return adapter.parseResponse(fx.input, fx.request);
    case 'stream':
      return translateStream(adapter, fx.request, fx.input);
    case 'error':
      return adapter.mapError(fx.input.status, fx.input.headers ?? {}, typeof fx.input.body === 'string' ? fx.input.body : JSON.stringify(fx.input.body));
  }
}

/** The URL a request fixture goes to; '' when building it throws (its golden test reports that). */
function upstreamUrl(adapter: ProviderAdapter, fx: Fixture): string {
  try {
    return (runFixture(adapter, fx) as UpstreamRequest).url;
  } catch {
    return '';
  }
}

/**
 * The messages of a stream fixture. SSE fixtures are text; a binary framing (Bedrock's event
 * stream) is written as a list of {event, data} messages (`exception:<name>` for an exception),
 * encoded here with the AWS codec and fed to the adapter's own decoder in 7-byte pieces, so the
 * framing across chunk boundaries is under test too.
 */
function streamMessages(adapter: ProviderAdapter, input: unknown): SseMessage[] {
  if (!adapter.createStreamDecoder || !Array.isArray(input)) return parseSseText(String(input));
  const codec = new EventStreamCodec(toUtf8, fromUtf8);
  const str = (value: string) => ({ type: 'string' as const, value });
  const bytes = Buffer.concat(
    (input as { event: string; data: unknown }[]).map((m) => {
      const exception = m.event.startsWith('exception:') ? m.event.slice('exception:'.length) : undefined;
      const headers: Record<string, { type: 'string'; value: string }> = exception
        ? { ':message-type': str('exception'), ':exception-type': str(exception), ':content-type': str('application/json') }
        : { ':message-type': str('event'), ':event-type': str(m.event), ':content-type': str('application/json') };
      return codec.encode({ headers, body: fromUtf8(typeof m.data === 'string' ? m.data : JSON.stringify(m.data)) });
    }),
  );
  const decoder = adapter.createStreamDecoder();
  const out: SseMessage[] = [];
  for (let i = 0; i < bytes.length; i += 7) out.push(...decoder.feed(bytes.subarray(i, i + 7)));
  out.push(...decoder.end());
  return out;
}

function translateStream(adapter: ProviderAdapter, request: any, input: unknown, cutAfter?: number): CanonicalEvent[] {
  const t = adapter.createStreamTranslator(request);
  const events: CanonicalEvent[] = [];
  const messages = streamMessages(adapter, input);
  for (const m of cutAfter === undefined ? messages : messages.slice(0, cutAfter)) events.push(...t.push(m));
  events.push(...t.end());
  return events;
}

/**
 * Every started call ends, and on a finished turn (stop, tool_calls, content_filter) every call
 * carries its arguments as JSON. Missing is not empty: a call with no arguments delta at all
 * fails here — an adapter must send "{}" itself when the provider made the call with none
 * (src/providers/shared/arguments.ts), so arguments lost on the way can never pass as "{}".
 * After an error or a length stop the arguments may legitimately be missing or cut short.
 */
function checkToolCalls(events: CanonicalEvent[]): void {
  const started = events.filter((e) => e.type === 'tool_call_start').map((e) => (e as { key: string }).key);
  const ended = events.filter((e) => e.type === 'tool_call_end').map((e) => (e as { key: string }).key);
  expect(ended.sort()).to.deep.equal([...started].sort());
  const finished = events.some((e) => e.type === 'finish' && e.reason !== 'error' && e.reason !== 'length');
  if (!finished) return;
  for (const key of started) {
    const deltas = events.filter((e): e is Extract<CanonicalEvent, { type: 'tool_call_delta' }> => e.type === 'tool_call_delta' && e.key === key);
    expect(deltas.length, `arguments of ${key}: a finished call must carry arguments ("{}" when made with none)`).to.be.greaterThan(0);
    const args = deltas.map((e) => e.arguments).join('');
    expect(() => JSON.parse(args), `arguments of ${key}: ${JSON.stringify(args)}`).to.not.throw();
  }
}

describe('provider adapter conformance (golden fixtures)', () => {
  let restore: ((p: string, b: number) => string) | undefined;
  beforeEach(() => {
    let n = 0;
    restore = setIdGenerator((prefix) => `${prefix}test${String(++n).padStart(4, '0')}`);
  });
  afterEach(() => {
    if (restore) setIdGenerator(restore);
  });

  for (const [type, adapter] of Object.entries(ADAPTERS)) {
    describe(type, () => {
      const dir = path.join(FIXTURES, 'providers', type);
      const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
      it('has fixtures of every kind', () => {
        const kinds = new Set(files.map((f) => (JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Fixture).kind));
        expect([...kinds].sort()).to.deep.equal(['error', 'request', 'response', 'stream']);
      });
      for (const file of files) {
        const full = path.join(dir, file);
        const fx = JSON.parse(readFileSync(full, 'utf8')) as Fixture;
        it(`${file}: ${fx.description}`, () => {
          const actual = JSON.parse(JSON.stringify(runFixture(adapter, fx)));
          // Only a changed output is written, so the diff to review is exactly the behaviour change
          // (rewriting every file would also reorder keys and renumber 1.0 as 1 in the inputs).
          if (UPDATE_FIXTURES && !isDeepStrictEqual(actual, fx.expected)) {
            fx.expected = actual;
            writeFileSync(full, JSON.stringify(fx, null, 2) + '\n');
          } else if (fx.expected === undefined) {
            throw missingGolden(path.relative(REPO_ROOT, full));
          }
          expect(actual).to.deep.equal(fx.expected);
        });
        const openaiWire = type === 'openai' || type === 'openai-compatible' || type === 'azure-openai';
        const schema = fx.kind === 'request' && openaiWire ? requestSchemaFor(upstreamUrl(adapter, fx)) : undefined;
        if (schema !== undefined) {
          it(`${file}: the upstream request is a valid OpenAI ${schema}`, () => {
            const built = runFixture(adapter, fx) as UpstreamRequest;
            const dialect = type === 'openai-compatible' ? resolveDialect(fx.target!.provider) : 'generic';
            const { body, mapped } = toOpenAISpelling(dialect, JSON.parse(built.body) as Record<string, unknown>);
            const r = validateSchema(schema, body);
            const note = mapped.length > 0 ? `\n  (host differences mapped first: ${mapped.join('; ')})` : '';
            expect(r.ok, `${schema}:\n  - ${r.errors.join('\n  - ')}${note}`).to.equal(true);
          });
        }
        if (fx.kind === 'response') {
          it(`${file}: tool-call arguments arrive whole`, () => {
            checkToolCalls(runFixture(adapter, fx) as CanonicalEvent[]);
          });
        }
        if (fx.kind === 'stream') {
          it(`${file}: a stream cut before its end finishes with an error event, never a clean finish`, () => {
            const total = streamMessages(adapter, fx.input).length;
            for (const cut of [0, Math.floor(total / 2)]) {
              const events = translateStream(adapter, fx.request, fx.input, cut);
              const last = events[events.length - 1];
              const finishedCleanly = events.some((e) => e.type === 'finish' && e.reason !== 'error');
              if (finishedCleanly) continue; // the cut happened after the finish marker
              expect(last?.type, `cut after ${cut} of ${total} messages`).to.equal('error');
            }
          });
          it(`${file}: tool-call arguments arrive whole and every started call ends`, () => {
            checkToolCalls(translateStream(adapter, fx.request, fx.input));
          });
        }
      }
    });
  }
});
