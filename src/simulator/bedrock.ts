// AWS Bedrock Runtime Converse (POST /bedrock/model/{modelId}/converse) and ConverseStream
// (…/converse-stream): request reading and validation, the Converse answer, and the stream in
// AWS's binary event-stream framing (messageStart, contentBlockStart/Delta/Stop, messageStop,
// metadata), encoded with @smithy/eventstream-codec. In-band failures are `exception` messages.
// SigV4 is checked before this module runs (sigv4.ts, server.ts).

import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { bedrockError, kindError, type KindSpec, type NativeError } from './errors.js';
import { emptyConversation, outputText, type Answer, type Conversation, type ToolChoice } from './plan.js';
import { isObject, type ProtocolContext, type WireProtocol } from './protocol.js';
import { argumentChunks, textChunks } from './text.js';
import { withTokens, type Frame, type StreamPlan } from './wire.js';

const codec = new EventStreamCodec(toUtf8, fromUtf8);

/** One event-stream message: `:event-type` event (or an `:exception-type` exception) with a JSON payload. */
export function eventFrame(type: string, payload: unknown, kind: 'event' | 'exception' = 'event'): Frame {
  const str = (value: string): { type: 'string'; value: string } => ({ type: 'string', value });
  const headers = {
    [kind === 'event' ? ':event-type' : ':exception-type']: str(type),
    ':content-type': str('application/json'),
    ':message-type': str(kind),
  };
  return { text: codec.encode({ headers, body: fromUtf8(JSON.stringify(payload)) }), tokens: 0, event: true };
}

function bad(message: string): NativeError {
  return bedrockError(400, 'ValidationException', message);
}

function validate(ctx: ProtocolContext): NativeError | undefined {
  const body = ctx.body;
  if (!Array.isArray(body.messages) || body.messages.length === 0) return bad('A conversation must start with a user message. Try again with a conversation that starts with a user message.');
  let prev = '';
  let usesTools = false;
  for (const [i, m] of (body.messages as unknown[]).entries()) {
    if (!isObject(m) || (m.role !== 'user' && m.role !== 'assistant')) return bad(`1 validation error detected: Value at 'messages.${i + 1}.member.role' failed to satisfy constraint: Member must satisfy enum value set: [user, assistant]`);
    if (i === 0 && m.role !== 'user') return bad('A conversation must start with a user message. Try again with a conversation that starts with a user message.');
    if (m.role === prev) return bad('A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.');
    prev = m.role;
    if (!Array.isArray(m.content) || m.content.length === 0) return bad(`The content field in the Message object at messages.${i}.content is empty. Add a ContentBlock object to the content field and try again.`);
    for (const b of m.content as unknown[]) {
      if (!isObject(b) || Object.keys(b).length !== 1) return bad(`messages.${i}.content: each ContentBlock must have exactly one member`);
      if (b.image && (!isObject(b.image) || !['png', 'jpeg', 'gif', 'webp'].includes(b.image.format) || typeof b.image.source?.bytes !== 'string')) return bad(`messages.${i}.content: invalid image block`);
      if (b.image && m.role !== 'user') return bad('Only user messages can contain images.');
      if (b.toolUse || b.toolResult) usesTools = true;
    }
  }
  if (usesTools && !isObject(body.toolConfig)) return bad('The toolConfig field must be defined when using toolUse and toolResult content blocks.');
  const ic = body.inferenceConfig;
  if (ic !== undefined && (!isObject(ic) || (ic.maxTokens !== undefined && (!Number.isInteger(ic.maxTokens) || ic.maxTokens < 1)))) return bad("1 validation error detected: Value at 'inferenceConfig.maxTokens' failed to satisfy constraint: Member must have value greater than or equal to 1");
  if (body.model !== undefined || body.stream !== undefined) return bad('Malformed input request: extraneous key [model/stream] is not permitted, please reformat your input and try again.');
  return undefined;
}

function parse(ctx: ProtocolContext): Conversation {
  const body = ctx.body;
  const conv = emptyConversation();
  for (const b of Array.isArray(body.system) ? body.system : []) {
    if (isObject(b) && typeof b.text === 'string') {
      conv.systemTexts.push(b.text);
      conv.inputTexts.push(b.text);
    }
  }
  const messages: any[] = Array.isArray(body.messages) ? body.messages.filter(isObject) : [];
  for (const [mi, m] of messages.entries()) {
    const texts: string[] = [];
    let images = 0;
    let lastIsResult = false;
    let lastResult = '';
    for (const b of Array.isArray(m.content) ? m.content.filter(isObject) : []) {
      lastIsResult = false;
      if (typeof b.text === 'string') texts.push(b.text);
      else if (b.image) images += 1;
      else if (b.document && typeof b.document.source?.bytes === 'string' && b.document.format === 'txt') texts.push(Buffer.from(b.document.source.bytes, 'base64').toString('utf8'));
      else if (b.toolUse) conv.inputTexts.push(JSON.stringify(b.toolUse.input ?? {}));
      else if (b.toolResult) {
        conv.hasToolResult = true;
        lastIsResult = true;
        lastResult = outputText(b.toolResult.content);
        conv.inputTexts.push(lastResult);
      }
    }
    conv.inputTexts.push(...texts);
    if (m.role === 'user' && (texts.length > 0 || images > 0)) {
      conv.lastUserText = texts.join(' ');
      conv.lastUserImages = images;
    }
    if (mi === messages.length - 1 && m.role === 'user' && lastIsResult) conv.lastToolOutput = lastResult;
  }
  const tc = body.toolConfig;
  for (const t of isObject(tc) && Array.isArray(tc.tools) ? tc.tools : []) {
    if (isObject(t) && isObject(t.toolSpec) && typeof t.toolSpec.name === 'string') conv.tools.push({ name: t.toolSpec.name, schema: t.toolSpec.inputSchema?.json });
  }
  conv.toolChoice = toolChoice(isObject(tc) ? tc.toolChoice : undefined);
  if (typeof body.inferenceConfig?.maxTokens === 'number') conv.maxOutputTokens = body.inferenceConfig.maxTokens;
  return conv;
}

function toolChoice(tc: unknown): ToolChoice {
  if (!isObject(tc)) return { mode: 'auto' };
  if (tc.any) return { mode: 'required' };
  if (isObject(tc.tool) && typeof tc.tool.name === 'string') return { mode: 'forced', name: tc.tool.name };
  return { mode: 'auto' };
}

function stopReason(answer: Answer): string {
  return answer.kind === 'tool' ? 'tool_use' : answer.truncated ? 'max_tokens' : 'end_turn';
}

/** Converse usage: inputTokens without the cache reads and writes, which are reported beside it. */
function usage(answer: Answer): Record<string, number> {
  const input = answer.inputTokens - answer.cachedTokens - answer.cacheWriteTokens;
  return {
    inputTokens: input,
    outputTokens: answer.outputTokens,
    totalTokens: answer.inputTokens + answer.outputTokens,
    ...(answer.cachedTokens > 0 ? { cacheReadInputTokens: answer.cachedTokens } : {}),
    ...(answer.cacheWriteTokens > 0 ? { cacheWriteInputTokens: answer.cacheWriteTokens } : {}),
  };
}

function toolUseId(ctx: ProtocolContext): string {
  const c = ctx as ProtocolContext & { _tool?: string };
  c._tool ??= `tooluse_${ctx.ids.next('')}`;
  return c._tool;
}

function render(answer: Answer, ctx: ProtocolContext): unknown {
  const content = answer.kind === 'tool' ? [{ toolUse: { toolUseId: toolUseId(ctx), name: answer.name, input: JSON.parse(answer.arguments) } }] : [{ text: answer.text }];
  return { output: { message: { role: 'assistant', content } }, stopReason: stopReason(answer), usage: usage(answer), metrics: { latencyMs: 1 } };
}

function stream(answer: Answer, ctx: ProtocolContext): StreamPlan {
  const frames: Frame[] = [];
  const p = 'abcdefghijklmnopqrstuvwxyz'; // AWS pads events with a `p` field so their sizes say nothing
  frames.push(eventFrame('messageStart', { role: 'assistant', p }));
  if (answer.kind === 'tool') {
    frames.push(eventFrame('contentBlockStart', { contentBlockIndex: 0, start: { toolUse: { toolUseId: toolUseId(ctx), name: answer.name } }, p }));
    for (const piece of argumentChunks(answer.arguments)) frames.push(withTokens(eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: piece } }, p }), 1));
  } else {
    for (const piece of textChunks(answer.text)) frames.push(withTokens(eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: piece }, p }), 1));
  }
  frames.push(eventFrame('contentBlockStop', { contentBlockIndex: 0, p }));
  frames.push(eventFrame('messageStop', { stopReason: stopReason(answer), p }));
  frames.push(eventFrame('metadata', { usage: usage(answer), metrics: { latencyMs: 1 }, p }));
  return { frames, inBandError: (_sent, spec) => [inBandException(spec).text], contentType: 'application/vnd.amazon.eventstream' };
}

/** The scripted in-band failure as the exception AWS would send (default: a model stream error). */
function inBandException(spec: KindSpec | undefined): Frame {
  if (!spec || spec.kind === 'server_error') return eventFrame('modelStreamErrorException', { message: spec?.message ?? 'The model stream failed.' }, 'exception');
  const e = kindError('bedrock', spec);
  const type = (e.headers?.['x-amzn-errortype'] ?? 'InternalServerException').split(':')[0]!;
  return eventFrame(type.charAt(0).toLowerCase() + type.slice(1), { message: (e.body as { message: string }).message }, 'exception');
}

export const bedrock: WireProtocol = { validate, parse, render, stream };
