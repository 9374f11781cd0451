// OpenAI Responses API (POST /openai/v1/responses): request reading, the Response
// object and the event stream exactly as in spec/examples/responses-*.sse.
//
// Reasoning models (isOpenAIReasoningModel: o1/o3/o4…, gpt-5…) answer with a `reasoning` item
// first (a one-part summary, always given), with `encrypted_content` when `include` asks for
// "reasoning.encrypted_content"; streamed as reasoning_summary_part / reasoning_summary_text
// events, the encrypted_content on output_item.done. On input an encrypted_content the simulator
// did not issue is refused (400 invalid_encrypted_content), a reasoning item must be followed by
// another item, and with store:false a function call this simulator issued with a reasoning item
// must come back after that item (400 otherwise), as OpenAI refuses such a stateless tool loop.

import { IN_BAND, inBandPayload, nativeError, type KindSpec, type NativeError } from './errors.js';
import { emptyConversation, outputText, type Answer, type Conversation, type OutputFormat, type ToolChoice } from './plan.js';
import { isObject, type ProtocolContext, type WireProtocol } from './protocol.js';
import { encryptedContent, isOpenAIReasoningModel, reasoningText, validEncryptedContent } from './reasoning.js';
import { argumentChunks, textChunks } from './text.js';
import { sseEvent, withTokens, type Frame, type StreamPlan } from './wire.js';

function parse(ctx: ProtocolContext): Conversation {
  const body = ctx.body;
  const conv = emptyConversation();
  if (typeof body.instructions === 'string') {
    conv.inputTexts.push(body.instructions);
    conv.systemTexts.push(body.instructions);
  }
  const items: any[] = typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : Array.isArray(body.input) ? body.input : [];
  let lastWasToolResult = false;
  let lastToolOutput = '';
  for (const item of items) {
    if (!isObject(item)) continue;
    const type = item.type ?? (item.role ? 'message' : undefined);
    lastWasToolResult = false;
    if (type === 'message') {
      const texts: string[] = [];
      let images = 0;
      if (typeof item.content === 'string') texts.push(item.content);
      else if (Array.isArray(item.content)) {
        for (const part of item.content) {
          if (!isObject(part)) continue;
          if (typeof part.text === 'string') texts.push(part.text);
          else if (typeof part.refusal === 'string') texts.push(part.refusal);
          else if (part.type === 'input_image') images += 1;
        }
      }
      conv.inputTexts.push(...texts);
      if (item.role === 'system' || item.role === 'developer') conv.systemTexts.push(...texts);
      if (item.role === 'user' && (texts.length > 0 || images > 0)) {
        conv.lastUserText = texts.join(' ');
        conv.lastUserImages = images;
      }
    } else if (type === 'function_call') {
      if (typeof item.arguments === 'string') conv.inputTexts.push(item.arguments);
    } else if (type === 'function_call_output') {
      conv.hasToolResult = true;
      lastWasToolResult = true;
      lastToolOutput = outputText(item.output);
      conv.inputTexts.push(lastToolOutput);
    }
  }
  if (lastWasToolResult) conv.lastToolOutput = lastToolOutput;
  if (Array.isArray(body.tools)) {
    for (const t of body.tools) if (isObject(t) && t.type === 'function' && typeof t.name === 'string') conv.tools.push({ name: t.name, schema: t.parameters ?? undefined });
  }
  conv.toolChoice = toolChoice(body.tool_choice);
  conv.format = format(body.text?.format);
  if (typeof body.max_output_tokens === 'number') conv.maxOutputTokens = body.max_output_tokens;
  return conv;
}

function toolChoice(tc: any): ToolChoice {
  if (tc === 'none') return { mode: 'none' };
  if (tc === 'required') return { mode: 'required' };
  if (isObject(tc) && tc.type === 'function' && typeof tc.name === 'string') return { mode: 'forced', name: tc.name };
  if (isObject(tc) && tc.type === 'allowed_tools' && Array.isArray(tc.tools)) {
    const first = tc.tools.find((t: any) => isObject(t) && typeof t.name === 'string');
    if (first) return { mode: 'forced', name: first.name };
  }
  return { mode: 'auto' };
}

function format(f: any): OutputFormat {
  if (isObject(f) && f.type === 'json_schema') return { type: 'json_schema', schema: f.schema };
  if (isObject(f) && f.type === 'json_object') return { type: 'json_object' };
  return { type: 'text' };
}

function invalid(message: string, param: string | null, code: string | null): NativeError {
  const e = nativeError('openai', 400, message);
  (e.body as any).error = { ...(e.body as any).error, param, code };
  return e;
}

/** Reasoning state on input, checked as OpenAI checks it (messages as OpenAI words them). */
function validate(ctx: ProtocolContext): NativeError | undefined {
  const items: any[] = Array.isArray(ctx.body.input) ? ctx.body.input : [];
  const seen = new Set<string>();
  for (const [k, item] of items.entries()) {
    if (!isObject(item)) continue;
    if (item.type === 'reasoning') {
      const id = typeof item.id === 'string' ? item.id : '';
      if (typeof item.encrypted_content === 'string') {
        if (!validEncryptedContent(item.encrypted_content, item.id)) {
          const shown = id ? `for item ${id}` : `${item.encrypted_content.slice(0, 4)}...${item.encrypted_content.slice(-4)}`;
          return invalid(`The encrypted content ${shown} could not be verified. Reason: Encrypted content could not be decrypted or parsed.`, null, 'invalid_encrypted_content');
        }
      } else if (ctx.body.store === false) {
        // Nothing is stored at OpenAI with store:false: a reasoning item by id alone cannot be found.
        return invalid(`Item with id '${id}' not found. Items are not persisted when \`store\` is set to false. Try again with \`store\` set to true, or remove this item from your input.`, 'input', null);
      }
      if (k === items.length - 1) return invalid(`Item '${id}' of type 'reasoning' was provided without its required following item.`, 'input', null);
      if (id) seen.add(id);
    } else if (item.type === 'function_call' && ctx.body.store === false) {
      const issued = ctx.ledger.lookup(item.call_id);
      if (issued && !seen.has(issued.reasoningId)) {
        return invalid(`Item '${issued.itemId}' of type 'function_call' was provided without its required 'reasoning' item: '${issued.reasoningId}'.`, 'input', null);
      }
    }
  }
  return undefined;
}

interface Ids {
  resp: string;
  item: string;
  call: string;
  /** Reasoning models: the reasoning item's id ('' otherwise). */
  reasoning: string;
}

function ids(ctx: ProtocolContext, answer: Answer): Ids {
  // One id set per request; cached on the context so render and stream agree.
  const c = ctx as ProtocolContext & { _ids?: Ids };
  if (!c._ids) {
    const resp = ctx.ids.next('resp_');
    const reasoning = isOpenAIReasoningModel(ctx.model) ? ctx.ids.next('rs_') : '';
    c._ids =
      answer.kind === 'tool'
        ? { resp, reasoning, item: ctx.ids.next('fc_'), call: ctx.ids.next('call_') }
        : { resp, reasoning, item: ctx.ids.next('msg_'), call: '' };
    if (answer.kind === 'tool' && reasoning) ctx.ledger.record(c._ids.call, { itemId: c._ids.item, reasoningId: reasoning });
  }
  return c._ids;
}

function wantsEncrypted(ctx: ProtocolContext): boolean {
  return Array.isArray(ctx.body.include) && ctx.body.include.includes('reasoning.encrypted_content');
}

/** The reasoning output item (reasoning models only); encrypted_content when `include` asks for it. */
function reasoningItem(answer: Answer, ctx: ProtocolContext, i: Ids, done: boolean): any {
  const text = reasoningText(answer);
  return {
    id: i.reasoning,
    type: 'reasoning',
    summary: done ? [{ type: 'summary_text', text }] : [],
    ...(done && wantsEncrypted(ctx) ? { encrypted_content: encryptedContent(i.reasoning, text) } : {}),
  };
}

function outputItem(answer: Answer, i: Ids, done: boolean): any {
  if (answer.kind === 'tool') {
    return { id: i.item, type: 'function_call', call_id: i.call, name: answer.name, arguments: done ? answer.arguments : '', status: done ? 'completed' : 'in_progress' };
  }
  return {
    id: i.item,
    type: 'message',
    role: 'assistant',
    status: done ? (answer.truncated ? 'incomplete' : 'completed') : 'in_progress',
    content: done ? [textPart(answer.text)] : [],
  };
}

function textPart(text: string): any {
  return { type: 'output_text', text, annotations: [], logprobs: [] };
}

function usage(answer: Answer): any {
  return {
    input_tokens: answer.inputTokens,
    input_tokens_details: { cached_tokens: answer.cachedTokens, cache_write_tokens: 0 },
    output_tokens: answer.outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: answer.inputTokens + answer.outputTokens,
  };
}

type Phase = 'in_progress' | 'final' | 'failed';

function responseObject(ctx: ProtocolContext, answer: Answer, i: Ids, phase: Phase): any {
  const b = ctx.body;
  const truncated = answer.kind === 'text' && answer.truncated;
  const status = phase === 'in_progress' ? 'in_progress' : phase === 'failed' ? 'failed' : truncated ? 'incomplete' : 'completed';
  const r: any = {
    id: i.resp,
    object: 'response',
    created_at: ctx.created,
    status,
    completed_at: status === 'completed' ? Math.max(ctx.created, Math.floor(Date.now() / 1000)) : null,
    error: phase === 'failed' ? { code: 'server_error', message: IN_BAND.openaiMessage } : null,
    incomplete_details: status === 'incomplete' ? { reason: 'max_output_tokens' } : null,
    instructions: b.instructions ?? null,
    max_output_tokens: b.max_output_tokens ?? null,
    model: ctx.model,
    output: phase === 'final' ? [...(i.reasoning ? [reasoningItem(answer, ctx, i, true)] : []), outputItem(answer, i, true)] : [],
    parallel_tool_calls: b.parallel_tool_calls ?? true,
    previous_response_id: b.previous_response_id ?? null,
    reasoning: b.reasoning ?? null,
    store: b.store ?? true,
    temperature: b.temperature ?? 1,
    text: isObject(b.text) && isObject(b.text.format) ? b.text : { format: { type: 'text' } },
    tool_choice: b.tool_choice ?? 'auto',
    tools: Array.isArray(b.tools) ? b.tools : [],
    top_p: b.top_p ?? 1,
    truncation: b.truncation ?? 'disabled',
    metadata: b.metadata ?? {},
  };
  if (phase === 'final') r.usage = usage(answer);
  return r;
}

function stream(answer: Answer, ctx: ProtocolContext): StreamPlan {
  const i = ids(ctx, answer);
  const events: Array<[string, any, number]> = [];
  const add = (type: string, data: any, tokens = 0): void => void events.push([type, { type, ...data }, tokens]);
  add('response.created', { response: responseObject(ctx, answer, i, 'in_progress') });
  add('response.in_progress', { response: responseObject(ctx, answer, i, 'in_progress') });
  let at = 0;
  if (i.reasoning) {
    const text = reasoningText(answer);
    const loc = { item_id: i.reasoning, output_index: 0, summary_index: 0 };
    add('response.output_item.added', { output_index: 0, item: reasoningItem(answer, ctx, i, false) });
    add('response.reasoning_summary_part.added', { ...loc, part: { type: 'summary_text', text: '' } });
    for (const delta of textChunks(text)) add('response.reasoning_summary_text.delta', { ...loc, delta });
    add('response.reasoning_summary_text.done', { ...loc, text });
    add('response.reasoning_summary_part.done', { ...loc, part: { type: 'summary_text', text } });
    add('response.output_item.done', { output_index: 0, item: reasoningItem(answer, ctx, i, true) });
    at = 1;
  }
  add('response.output_item.added', { output_index: at, item: outputItem(answer, i, false) });
  if (answer.kind === 'tool') {
    const pieces = argumentChunks(answer.arguments);
    for (const delta of pieces) add('response.function_call_arguments.delta', { item_id: i.item, output_index: at, delta }, 1);
    add('response.function_call_arguments.done', { item_id: i.item, output_index: at, name: answer.name, arguments: answer.arguments });
  } else {
    const loc = { item_id: i.item, output_index: at, content_index: 0 };
    add('response.content_part.added', { ...loc, part: textPart('') });
    for (const delta of textChunks(answer.text)) add('response.output_text.delta', { ...loc, delta, logprobs: [] }, 1);
    add('response.output_text.done', { ...loc, text: answer.text, logprobs: [] });
    add('response.content_part.done', { ...loc, part: textPart(answer.text) });
  }
  add('response.output_item.done', { output_index: at, item: outputItem(answer, i, true) });
  const final = responseObject(ctx, answer, i, 'final');
  add(final.status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response: final });
  const frames: Frame[] = events.map(([type, data, tokens], seq) => withTokens(sseEvent(type, { ...data, sequence_number: seq }), tokens));
  return {
    frames,
    inBandError: (sent, spec) => [
      sseEvent('error', spec ? responsesErrorEvent(spec, sent) : { type: 'error', code: 'server_error', message: IN_BAND.openaiMessage, param: null, sequence_number: sent }).text,
      sseEvent('response.failed', { type: 'response.failed', response: responseObject(ctx, answer, i, 'failed'), sequence_number: sent + 1 }).text,
    ],
  };
}

export const openaiResponses: WireProtocol = {
  validate,
  parse,
  render: (answer, ctx) => responseObject(ctx, answer, ids(ctx, answer), 'final'),
  stream,
};

/** A scripted in-band error as a Responses `error` event: the Chat-style error's code (or type), message and param. */
function responsesErrorEvent(spec: KindSpec, sent: number): unknown {
  const e = inBandPayload('openai', spec).error;
  return { type: 'error', code: e.code ?? e.type, message: e.message, param: e.param ?? null, sequence_number: sent };
}
