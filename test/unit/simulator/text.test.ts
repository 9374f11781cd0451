// Deterministic content helpers: schema examples, chunk splitting, embeddings.
import { expect } from 'chai';
import { embeddedSchema, emptyConversation, planAnswer } from '../../../src/simulator/plan.js';
import { embeddingFor, exampleFromSchema, splitPieces, splitWords, textChunks } from '../../../src/simulator/text.js';

describe('simulator: content helpers', () => {
  it('fills required properties by type, recursively', () => {
    const schema = {
      type: 'object',
      properties: {
        s: { type: 'string' },
        e: { type: 'string', enum: ['b', 'a'] },
        n: { type: ['number', 'null'] },
        b: { type: 'boolean' },
        a: { type: 'array', items: { type: 'string' } },
        a2: { type: 'array', minItems: 1, items: { $ref: '#/$defs/pt' } },
        o: { type: 'object', properties: { x: { type: 'integer' }, y: { type: 'integer' } }, required: ['x'] },
        u: { anyOf: [{ type: 'null' }, { type: 'boolean' }] },
        c: { const: 'fixed' },
        g: { type: 'STRING' },
        optional: { type: 'string' },
      },
      required: ['s', 'e', 'n', 'b', 'a', 'a2', 'o', 'u', 'c', 'g'],
      $defs: { pt: { type: 'object', properties: { lat: { type: 'number' } }, required: ['lat'] } },
    };
    expect(exampleFromSchema(schema)).to.deep.equal({ s: 'example', e: 'b', n: 1, b: true, a: [], a2: [{ lat: 1 }], o: { x: 1 }, u: true, c: 'fixed', g: 'example' });
    expect(exampleFromSchema(undefined)).to.deep.equal({});
    const recursive = { $ref: '#' };
    expect(() => exampleFromSchema(recursive)).to.not.throw();
  });

  it('splits text so that the pieces concatenate back', () => {
    for (const t of ['Hello from x. You said: a  b', ' lead', 'one', '{"a":1}', '😀😀😀😀']) {
      expect(splitWords(t).join('')).to.equal(t);
      expect(textChunks(t).join('')).to.equal(t);
      expect(splitPieces(t, 3).join('')).to.equal(t);
    }
    expect(splitPieces('{"a":1}', 3)).to.have.length(3);
    expect(splitPieces('😀😀😀', 2).every((p) => !/[\uD800-\uDBFF]$/.test(p))).to.equal(true);
  });

  it('embeddings are 8 deterministic floats', () => {
    expect(embeddingFor('a')).to.deep.equal(embeddingFor('a'));
    expect(embeddingFor('a')).to.not.deep.equal(embeddingFor('b'));
    expect(embeddingFor('a')).to.have.length(8);
  });

  it('prompt-driven JSON: a schema in the system prompt is obeyed, a bare "JSON" request gets {"answer"}', () => {
    const conv = emptyConversation();
    conv.lastUserText = 'hi';
    conv.systemTexts = ['Reply with one JSON object. It must conform to this JSON Schema:\n{"type":"object","properties":{"x":{"type":"string","description":"a {brace}"}},"required":["x"]}'];
    expect(planAnswer('p', 'm', conv)).to.deep.include({ kind: 'text', text: '{"x":"example"}' });
    conv.systemTexts = ['Respond with a single valid json object.'];
    expect(JSON.parse((planAnswer('p', 'm', conv) as { text: string }).text)).to.deep.equal({ answer: 'Hello from p model m. You said: hi' });
    conv.systemTexts = ['Be brief. {not valid}'];
    expect((planAnswer('p', 'm', conv) as { text: string }).text).to.equal('Hello from p model m. You said: hi');
    expect(embeddedSchema('see {oops} and {"properties":{}}')).to.deep.equal({ properties: {} });
  });
});
