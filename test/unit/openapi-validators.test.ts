// Proves the OpenAPI output validators (test/helpers/openapi.ts) work: the spec
// examples (copied into test/fixtures/openapi/examples/) validate, and
// deliberately broken variants are rejected with readable reasons.
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES } from '../helpers/paths.js';
import { parseSseText } from '../../src/upstream/sse.js';
import {
  assertValid,
  streamEventSchemaName,
  validateChatCompletion,
  validateChatCompletionChunk,
  validateErrorResponse,
  validateResponse,
  validateResponseStreamEvent,
  validateSchema,
  warmUpOpenApiValidators,
  type ValidationResult,
} from '../helpers/openapi.js';

const EXAMPLES = path.join(FIXTURES, 'openapi', 'examples');

type Json = Record<string, unknown>;

interface SseEvent {
  event: string | undefined;
  data: Json;
}

/** The router's own SSE decoder (src/upstream/sse.ts); `[DONE]` carries no event. */
function parseSse(text: string): SseEvent[] {
  return parseSseText(text)
    .filter((m) => m.data.trim() !== '' && m.data.trim() !== '[DONE]')
    .map((m) => ({ event: m.event, data: JSON.parse(m.data) as Json }));
}

function examples(pattern: RegExp): string[] {
  return readdirSync(EXAMPLES).filter((f) => pattern.test(f)).sort();
}

function sse(file: string): SseEvent[] {
  return parseSse(readFileSync(path.join(EXAMPLES, file), 'utf8'));
}

function json(file: string): Json {
  return JSON.parse(readFileSync(path.join(EXAMPLES, file), 'utf8')) as Json;
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

function expectValid(r: ValidationResult, what: string): void {
  expect(r.errors, what).to.deep.equal([]);
  expect(r.ok, what).to.equal(true);
}

function expectInvalid(r: ValidationResult, ...mentions: RegExp[]): void {
  expect(r.ok).to.equal(false);
  expect(r.errors).to.not.be.empty;
  for (const m of mentions) expect(r.errors.join('\n')).to.match(m);
}

/** The first event of `type` in a Responses example stream. */
function eventOf(file: string, type: string): Json {
  const e = sse(file).find((x) => x.data.type === type);
  if (!e) throw new Error(`${file} has no ${type} event`);
  return clone(e.data);
}

function chunkOf(file: string, index: number): Json {
  const c = sse(file)[index];
  if (!c) throw new Error(`${file} has no chunk ${index}`);
  return clone(c.data);
}

describe('OpenAPI output validators', function () {
  before(function () {
    this.timeout(60_000);
    warmUpOpenApiValidators();
  });

  describe('spec examples validate', () => {
    const responseStreams = examples(/^responses-.*\.sse$/);
    const chatStreams = examples(/^chat-.*\.sse$/);

    it('finds the copied example files', () => {
      expect(responseStreams).to.have.length.of.at.least(4);
      expect(chatStreams).to.have.length.of.at.least(2);
      expect(examples(/\.json$/)).to.include.members(['response-function-call.json', 'error-429.json']);
    });

    for (const file of responseStreams) {
      it(`every event of ${file} is a valid ResponseStreamEvent`, () => {
        const events = sse(file);
        expect(events).to.not.be.empty;
        events.forEach(({ event, data }, i) => {
          expectValid(validateResponseStreamEvent(data), `${file} event #${i} (${String(data.type)})`);
          if (event !== undefined) expect(event, `${file} event #${i}: SSE event name`).to.equal(data.type);
          expect(data.sequence_number, `${file} event #${i}: sequence_number`).to.equal(i);
          if (isObject(data.response)) expectValid(validateResponse(data.response), `${file} event #${i}: .response`);
        });
      });
    }

    for (const file of chatStreams) {
      it(`every chunk of ${file} is a valid CreateChatCompletionStreamResponse`, () => {
        const chunks = sse(file);
        expect(chunks).to.not.be.empty;
        chunks.forEach(({ data }, i) => expectValid(validateChatCompletionChunk(data), `${file} chunk #${i}`));
      });
    }

    it('response-function-call.json is a valid Response', () => {
      expectValid(validateResponse(json('response-function-call.json')), 'response-function-call.json');
    });

    it('error-429.json is a valid ErrorResponse', () => {
      expectValid(validateErrorResponse(json('error-429.json')), 'error-429.json');
    });

    it('a minimal chat.completion built from the stream validates', () => {
      const body = {
        id: 'chatcmpl-0001',
        object: 'chat.completion',
        created: 1767225600,
        model: 'gemini-2.5-flash',
        choices: [
          { index: 0, message: { role: 'assistant', content: 'Hello world', refusal: null }, logprobs: null, finish_reason: 'stop' },
        ],
        usage: { prompt_tokens: 21, completion_tokens: 3, total_tokens: 24 },
      };
      expectValid(validateChatCompletion(body), 'chat.completion');
      expect(() => assertValid('ChatCompletion', body)).to.not.throw();
    });

    it('maps every Responses stream event type to its member schema', () => {
      expect(streamEventSchemaName('response.output_text.delta')).to.equal('ResponseTextDeltaEvent');
      expect(streamEventSchemaName('error')).to.equal('ResponseErrorEvent');
      expect(streamEventSchemaName('response.nonexistent')).to.equal(undefined);
    });
  });

  describe('broken variants fail', () => {
    it('response.output_text.delta without logprobs', () => {
      const e = eventOf('responses-text.sse', 'response.output_text.delta');
      delete e.logprobs;
      expectInvalid(validateResponseStreamEvent(e), /ResponseTextDeltaEvent: .*must have required property 'logprobs'/);
    });

    it('a stream event without sequence_number', () => {
      const e = eventOf('responses-text.sse', 'response.output_item.added');
      delete e.sequence_number;
      expectInvalid(validateResponseStreamEvent(e), /sequence_number/);
    });

    it('a stream event whose type is not in the spec', () => {
      const e = eventOf('responses-text.sse', 'response.output_text.delta');
      e.type = 'response.output_text.appended';
      expectInvalid(validateResponseStreamEvent(e), /not a ResponseStreamEvent type/);
    });

    it('an output_text part without annotations (reported on the union member, not all 28 output items)', () => {
      const e = eventOf('responses-text.sse', 'response.content_part.added');
      const part = e.part as Json;
      expect(part.type).to.equal('output_text');
      delete part.annotations;
      const r = validateResponseStreamEvent(e);
      expectInvalid(r, /\/part \(OutputTextContent\) must have required property 'annotations'/);
      expect(r.errors.length).to.be.at.most(4);
    });

    it('Response without usage.input_tokens_details.cache_write_tokens', () => {
      const body = json('response-function-call.json');
      delete ((body.usage as Json).input_tokens_details as Json).cache_write_tokens;
      expectInvalid(validateResponse(body), /\/usage\/input_tokens_details .*'cache_write_tokens'/);
    });

    it('Response with user: null, usage: null, or a provider error code', () => {
      const withUser = { ...json('response-function-call.json'), user: null };
      expectInvalid(validateResponse(withUser), /\/user /);
      const withNullUsage = { ...json('response-function-call.json'), usage: null };
      expectInvalid(validateResponse(withNullUsage), /\/usage /);
      const failed = eventOf('responses-failed.sse', 'response.failed');
      const response = failed.response as Json;
      (response.error as Json).code = 'overloaded_error';
      expectInvalid(validateResponse(response), /\/error\/code .*server_error/);
      expectInvalid(validateResponseStreamEvent(failed), /ResponseFailedEvent: \/response\/error\/code/);
    });

    it('an output message item with an output_text part missing logprobs', () => {
      const body = json('response-function-call.json');
      const msg = (body.output as Json[])[0]!;
      delete ((msg.content as Json[])[0]!).logprobs;
      expectInvalid(validateResponse(body), /\/output\/0\/content\/0 \(OutputTextContent\) must have required property 'logprobs'/);
    });

    it('a chat chunk with system_fingerprint: null', () => {
      const c = chunkOf('chat-text.sse', 1);
      c.system_fingerprint = null;
      expectInvalid(validateChatCompletionChunk(c), /\/system_fingerprint .*must be string/);
      c.system_fingerprint = 'fp_0001';
      expectValid(validateChatCompletionChunk(c), 'string system_fingerprint');
    });

    it('a chat chunk with a provider finish_reason', () => {
      const c = chunkOf('chat-text.sse', 3);
      ((c.choices as Json[])[0]!).finish_reason = 'end_turn';
      expectInvalid(validateChatCompletionChunk(c), /\/choices\/0\/finish_reason/);
    });

    it('a chat.completion without choices', () => {
      expectInvalid(validateChatCompletion({ id: 'x', object: 'chat.completion', created: 1, model: 'm' }), /'choices'/);
    });

    it('an ErrorResponse without param', () => {
      const body = json('error-429.json');
      delete (body.error as Json).param;
      expectInvalid(validateErrorResponse(body), /\/error must have required property 'param'/);
    });

    it('assertValid throws an Error listing the problems', () => {
      const body = json('error-429.json');
      delete (body.error as Json).param;
      delete (body.error as Json).code;
      expect(() => assertValid('ErrorResponse', body)).to.throw(Error, /not a valid OpenAI ErrorResponse:\n {2}- \/error must have required property/);
      expect(() => assertValid('ErrorResponse', json('error-429.json'))).to.not.throw();
    });
  });

  it('validateSchema reaches other extracted components (request side)', () => {
    expectValid(validateSchema('CreateResponse', { model: 'gpt-4.1', input: 'hi' }), 'CreateResponse');
    expectInvalid(validateSchema('CreateChatCompletionRequest', { model: 'gpt-4.1' }), /'messages'/);
  });
});

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
