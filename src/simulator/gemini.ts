// Gemini generateContent / streamGenerateContent (POST /gemini/v1beta/models/{model}:…):
// request reading and validation, GenerateContentResponse, and the stream
// (`?alt=sse`: `data:` fragments with CRLF delimiters; without alt=sse: one JSON array).
//
// Function calls come whole in one fragment (with an id and a thoughtSignature), followed by
// a separate final fragment carrying finishReason STOP and the usage, as newer models do.
// Models whose name contains "gemini-3" require the thoughtSignature back on function-call
// parts of the current turn (400 otherwise).

import { IN_BAND, inBandPayload, nativeError, type NativeError } from './errors.js';
import { emptyConversation, outputText, type Answer, type Conversation, type OutputFormat, type ToolChoice } from './plan.js';
import { isObject, type ProtocolContext, type WireProtocol } from './protocol.js';
import { textChunks } from './text.js';
import { sseData, withTokens, type Frame, type StreamPlan } from './wire.js';

function parts(content: unknown): any[] {
  return isObject(content) && Array.isArray(content.parts) ? content.parts.filter(isObject) : [];
}

/** A functionResponse.response as text: a lone output/result/content string is unwrapped. */
function responseText(response: unknown): string {
  if (isObject(response)) {
    const keys = Object.keys(response);
    if (keys.length === 1 && ['output', 'result', 'content'].includes(keys[0]!) && typeof response[keys[0]!] === 'string') return response[keys[0]!];
  }
  return outputText(response);
}

function parse(ctx: ProtocolContext): Conversation {
  const body = ctx.body;
  const conv = emptyConversation();
  const system = typeof body.systemInstruction === 'string' ? [body.systemInstruction] : parts(body.systemInstruction).flatMap((p) => (typeof p.text === 'string' ? [p.text] : []));
  conv.inputTexts.push(...system);
  conv.systemTexts.push(...system);
  const contents: any[] = Array.isArray(body.contents) ? body.contents.filter(isObject) : [];
  for (const [ci, c] of contents.entries()) {
    const texts: string[] = [];
    let images = 0;
    let lastIsResult = false;
    let lastResult = '';
    for (const p of parts(c)) {
      lastIsResult = false;
      if (typeof p.text === 'string') {
        if (p.thought !== true) texts.push(p.text);
      } else if (isObject(p.inlineData) || isObject(p.fileData)) {
        const mime = String((p.inlineData ?? p.fileData).mimeType ?? '');
        if (mime.startsWith('image/')) images += 1;
      } else if (isObject(p.functionCall)) {
        conv.inputTexts.push(JSON.stringify(p.functionCall.args ?? {}));
      } else if (isObject(p.functionResponse)) {
        conv.hasToolResult = true;
        lastIsResult = true;
        lastResult = responseText(p.functionResponse.response);
        conv.inputTexts.push(lastResult);
      }
    }
    conv.inputTexts.push(...texts);
    const role = c.role ?? 'user';
    if (role === 'user' && (texts.length > 0 || images > 0)) {
      conv.lastUserText = texts.join(' ');
      conv.lastUserImages = images;
    }
    if (ci === contents.length - 1 && role === 'user' && lastIsResult) conv.lastToolOutput = lastResult;
  }
  if (Array.isArray(body.tools)) {
    for (const t of body.tools) {
      if (!isObject(t) || !Array.isArray(t.functionDeclarations)) continue;
      for (const d of t.functionDeclarations) {
        if (isObject(d) && typeof d.name === 'string') conv.tools.push({ name: d.name, schema: d.parametersJsonSchema ?? d.parameters ?? undefined });
      }
    }
  }
  conv.toolChoice = toolChoice(body.toolConfig?.functionCallingConfig);
  conv.format = format(body.generationConfig);
  if (typeof body.generationConfig?.maxOutputTokens === 'number') conv.maxOutputTokens = body.generationConfig.maxOutputTokens;
  return conv;
}

function toolChoice(fc: any): ToolChoice {
  if (!isObject(fc)) return { mode: 'auto' };
  if (fc.mode === 'NONE') return { mode: 'none' };
  if (fc.mode === 'ANY') {
    const name = Array.isArray(fc.allowedFunctionNames) ? fc.allowedFunctionNames.find((n: unknown) => typeof n === 'string') : undefined;
    return name ? { mode: 'forced', name } : { mode: 'required' };
  }
  return { mode: 'auto' };
}

function format(gc: any): OutputFormat {
  if (!isObject(gc) || gc.responseMimeType !== 'application/json') return { type: 'text' };
  const schema = gc.responseJsonSchema ?? gc.responseSchema;
  return schema === undefined ? { type: 'json_object' } : { type: 'json_schema', schema };
}

/** Keys the legacy OpenAPI-subset `parameters` / `responseSchema` fields reject. */
const OPENAPI_SUBSET_REJECTS = new Set(['additionalProperties', '$schema', 'const', 'propertyNames', '$ref', '$defs', 'definitions', 'patternProperties', 'unevaluatedProperties']);

function forbiddenKey(schema: unknown, path: string): string | undefined {
  if (Array.isArray(schema)) {
    for (const [i, s] of schema.entries()) {
      const f = forbiddenKey(s, `${path}[${i}]`);
      if (f) return f;
    }
    return undefined;
  }
  if (!isObject(schema)) return undefined;
  for (const [k, v] of Object.entries(schema)) {
    if (OPENAPI_SUBSET_REJECTS.has(k)) return `Invalid JSON payload received. Unknown name "${k}" at '${path}': Cannot find field.`;
    if (k === 'type' && Array.isArray(v)) return `Invalid JSON payload received. Proto field is not repeating, cannot start list at '${path}.type'.`;
    if (k === 'properties' && isObject(v)) {
      for (const [pk, pv] of Object.entries(v)) {
        const f = forbiddenKey(pv, `${path}.properties[${pk}].value`);
        if (f) return f;
      }
    } else if (k === 'items' || k === 'anyOf') {
      const f = forbiddenKey(v, `${path}.${k === 'items' ? 'items' : 'any_of'}`);
      if (f) return f;
    }
  }
  return undefined;
}

const bad = (message: string): NativeError => nativeError('gemini', 400, message);

function validate(ctx: ProtocolContext): NativeError | undefined {
  const body = ctx.body;
  if (!Array.isArray(body.contents) || body.contents.length === 0) return bad('* GenerateContentRequest.contents: contents is not specified\n');
  const contents: any[] = body.contents;
  for (const [i, c] of contents.entries()) {
    if (!isObject(c)) return bad(`Invalid value at 'contents[${i}]'`);
    if (c.role !== undefined && c.role !== 'user' && c.role !== 'model') return bad('Please use a valid role: user, model.');
    for (const [j, p] of parts(c).entries()) {
      if (isObject(p.functionResponse)) {
        if (typeof p.functionResponse.name !== 'string' || !p.functionResponse.name) {
          return bad(`* GenerateContentRequest.contents[${i}].parts[${j}].function_response.name: Name cannot be empty.\n`);
        }
        if (!isObject(p.functionResponse.response)) {
          return bad(`Invalid value at 'contents[${i}].parts[${j}].function_response.response' (type.googleapis.com/google.protobuf.Struct), ${JSON.stringify(p.functionResponse.response)}`);
        }
      }
    }
  }
  if (Array.isArray(body.tools)) {
    for (const [ti, t] of body.tools.entries()) {
      if (!isObject(t) || !Array.isArray(t.functionDeclarations)) continue;
      for (const [di, d] of t.functionDeclarations.entries()) {
        const f = isObject(d) && d.parameters !== undefined ? forbiddenKey(d.parameters, `tools[${ti}].function_declarations[${di}].parameters`) : undefined;
        if (f) return bad(f);
      }
    }
  }
  const rs = body.generationConfig?.responseSchema;
  const f = rs !== undefined ? forbiddenKey(rs, 'generation_config.response_schema') : undefined;
  if (f) return bad(f);
  if (/gemini-3/.test(ctx.model)) {
    // The current turn: everything after the last user content with text.
    let start = 0;
    contents.forEach((c, i) => {
      if ((c.role ?? 'user') === 'user' && parts(c).some((p) => typeof p.text === 'string')) start = i + 1;
    });
    let position = 0;
    for (const c of contents.slice(start)) {
      if (c.role !== 'model') continue;
      for (const p of parts(c)) {
        if (!isObject(p.functionCall)) continue;
        position += 1;
        if (typeof p.thoughtSignature !== 'string' || !p.thoughtSignature) {
          return bad(
            `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${String(p.functionCall.name)}\` , position ${position}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`,
          );
        }
      }
    }
  }
  return undefined;
}

interface Ids {
  response: string;
  call: string;
  signature: string;
}

function ids(ctx: ProtocolContext, answer: Answer): Ids {
  const c = ctx as ProtocolContext & { _ids?: Ids };
  if (!c._ids) {
    const response = ctx.ids.next('');
    c._ids =
      answer.kind === 'tool'
        ? { response, call: ctx.ids.next('call_'), signature: Buffer.from(`sim-signature:${response}`).toString('base64') }
        : { response, call: '', signature: '' };
  }
  return c._ids;
}

function finishReason(answer: Answer): string {
  return answer.kind === 'text' && answer.truncated ? 'MAX_TOKENS' : 'STOP';
}

function usageMetadata(answer: Answer, final: boolean): any {
  // cachedContentTokenCount is part of promptTokenCount, and absent when nothing was cached.
  const prompt = { promptTokenCount: answer.inputTokens, ...(answer.cachedTokens > 0 ? { cachedContentTokenCount: answer.cachedTokens } : {}) };
  const details = { promptTokensDetails: [{ modality: 'TEXT', tokenCount: answer.inputTokens }] };
  if (!final) return { ...prompt, totalTokenCount: answer.inputTokens, ...details };
  return { ...prompt, candidatesTokenCount: answer.outputTokens, totalTokenCount: answer.inputTokens + answer.outputTokens, ...details };
}

function callPart(answer: Answer & { kind: 'tool' }, i: Ids): any {
  return { functionCall: { id: i.call, name: answer.name, args: JSON.parse(answer.arguments) }, thoughtSignature: i.signature };
}

function render(answer: Answer, ctx: ProtocolContext): unknown {
  const i = ids(ctx, answer);
  const content = { parts: answer.kind === 'tool' ? [callPart(answer, i)] : [{ text: answer.text }], role: 'model' };
  return {
    candidates: [{ content, finishReason: finishReason(answer), index: 0 }],
    usageMetadata: usageMetadata(answer, true),
    modelVersion: ctx.model,
    responseId: i.response,
  };
}

function stream(answer: Answer, ctx: ProtocolContext): StreamPlan {
  const i = ids(ctx, answer);
  const fragments: Array<[any, number]> = [];
  const fragment = (partsList: any[], final: boolean): any => ({
    candidates: [{ content: { parts: partsList, role: 'model' }, ...(final ? { finishReason: finishReason(answer) } : {}), index: 0 }],
    usageMetadata: usageMetadata(answer, final),
    modelVersion: ctx.model,
    responseId: i.response,
  });
  if (answer.kind === 'tool') {
    fragments.push([fragment([callPart(answer, i)], false), 1]);
    fragments.push([fragment([{ text: '' }], true), 0]);
  } else {
    const pieces = textChunks(answer.text);
    pieces.forEach((text, k) => fragments.push([fragment([{ text }], k === pieces.length - 1), 1]));
  }
  if (ctx.sse) {
    return {
      frames: fragments.map(([f, tokens]) => withTokens(sseData(f, '\r\n'), tokens)),
      inBandError: (_sent, spec) => [sseData(spec ? inBandPayload('gemini', spec) : IN_BAND.gemini, '\r\n').text],
    };
  }
  // Without alt=sse: one JSON array, written element by element.
  const frames: Frame[] = fragments.map(([f, tokens], k) => ({ text: `${k === 0 ? '[' : ',\r\n'}${JSON.stringify(f)}`, tokens, event: true }));
  frames.push({ text: ']', tokens: 0, event: false });
  return {
    frames,
    contentType: 'application/json; charset=UTF-8',
    inBandError: (sent, spec) => [`${sent === 0 ? '[' : ',\r\n'}${JSON.stringify(spec ? inBandPayload('gemini', spec) : IN_BAND.gemini)}]`],
  };
}

export const gemini: WireProtocol = { validate, parse, render, stream };
