// OpenAI Chat Completions wire (POST /{openai,mistral,deepseek,llama}/v1/chat/completions),
// with the per-host flavours the router has to cope with:
//   openai   : spec/examples/chat-*.sse shapes; usage chunk (choices: []) only with
//              stream_options.include_usage; tool arguments streamed in fragments.
//   deepseek : like openai, plus a leading ": keep-alive" SSE comment, prompt_cache_hit/miss
//              usage fields; json_schema response_format → 400, json_object needs "json" in the prompt.
//   llama    : like openai without usage details.
//   mistral  : 9-character tool-call ids; each tool call arrives whole in one chunk; usage always
//              sent on the final (finish_reason) chunk; 422 extra_forbidden for any top-level field
//              outside its schema (MISTRAL_CHAT_FIELDS) and for reasoning_content, 400 for non-9-char tool ids or a user message right after a tool message.

import { IN_BAND, inBandPayload, mistralExtraFields, nativeError, type NativeError } from './errors.js';
import { emptyConversation, outputText, type Answer, type Conversation, type OutputFormat, type ToolChoice } from './plan.js';
import { isObject, type ProtocolContext, type WireProtocol } from './protocol.js';
import { argumentChunks, textChunks } from './text.js';
import { sseData, withTokens, type Frame, type StreamPlan } from './wire.js';

function parse(ctx: ProtocolContext): Conversation {
  const body = ctx.body;
  const conv = emptyConversation();
  const messages: any[] = Array.isArray(body.messages) ? body.messages : [];
  let lastWasToolResult = false;
  let lastToolOutput = '';
  for (const m of messages) {
    if (!isObject(m)) continue;
    lastWasToolResult = false;
    if (m.role === 'tool') {
      conv.hasToolResult = true;
      lastWasToolResult = true;
      lastToolOutput = outputText(m.content);
      conv.inputTexts.push(lastToolOutput);
      continue;
    }
    const texts: string[] = [];
    let images = 0;
    if (typeof m.content === 'string') texts.push(m.content);
    else if (Array.isArray(m.content)) {
      for (const part of m.content) {
        if (!isObject(part)) continue;
        if (typeof part.text === 'string') texts.push(part.text);
        else if (part.type === 'image_url') images += 1;
      }
    }
    conv.inputTexts.push(...texts);
    if (m.role === 'system' || m.role === 'developer') conv.systemTexts.push(...texts);
    if (Array.isArray(m.tool_calls)) {
      for (const tc of m.tool_calls) {
        const args = tc?.function?.arguments;
        if (typeof args === 'string') conv.inputTexts.push(args);
        else if (isObject(args)) conv.inputTexts.push(JSON.stringify(args));
      }
    }
    if (m.role === 'user' && (texts.length > 0 || images > 0)) {
      conv.lastUserText = texts.join(' ');
      conv.lastUserImages = images;
    }
  }
  if (lastWasToolResult) conv.lastToolOutput = lastToolOutput;
  if (Array.isArray(body.tools)) {
    for (const t of body.tools) {
      const fn = t?.function;
      if (isObject(fn) && typeof fn.name === 'string') conv.tools.push({ name: fn.name, schema: fn.parameters ?? undefined });
    }
  }
  conv.toolChoice = toolChoice(body.tool_choice);
  conv.format = format(body.response_format);
  const max = body.max_completion_tokens ?? body.max_tokens;
  if (typeof max === 'number') conv.maxOutputTokens = max;
  return conv;
}

function toolChoice(tc: any): ToolChoice {
  if (tc === 'none') return { mode: 'none' };
  if (tc === 'required' || tc === 'any') return { mode: 'required' };
  if (isObject(tc) && typeof tc.function?.name === 'string') return { mode: 'forced', name: tc.function.name };
  return { mode: 'auto' };
}

function format(f: any): OutputFormat {
  if (isObject(f) && f.type === 'json_schema') return { type: 'json_schema', schema: f.json_schema?.schema };
  if (isObject(f) && f.type === 'json_object') return { type: 'json_object' };
  return { type: 'text' };
}

/**
 * The top-level fields Mistral's chat completions request schema declares (its API reference and
 * client SDKs' ChatCompletionRequest). Mistral validates with extra fields forbidden, so anything else —
 * seed, logit_bias, user, stream_options, max_completion_tokens … — is a 422 extra_forbidden, and a
 * test fails when the router forwards a field Mistral does not take. DeepSeek, by contrast, ignores
 * fields it does not know, so its flavour refuses nothing extra.
 */
export const MISTRAL_CHAT_FIELDS: ReadonlySet<string> = new Set([
  'model', 'messages', 'temperature', 'top_p', 'max_tokens', 'stream', 'stop', 'random_seed', 'response_format',
  'tools', 'tool_choice', 'presence_penalty', 'frequency_penalty', 'n', 'prediction', 'parallel_tool_calls',
  'prompt_mode', 'safe_prompt',
]);

function validate(ctx: ProtocolContext): NativeError | undefined {
  const body = ctx.body;
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return ctx.provider === 'mistral'
      ? { status: 422, body: { detail: [{ type: 'missing', loc: ['body', 'messages'], msg: 'Field required', input: body }] } }
      : nativeError('openai', 400, "Missing required parameter: 'messages'.");
  }
  if (ctx.provider === 'mistral') {
    const extra = Object.keys(body).filter((k) => !MISTRAL_CHAT_FIELDS.has(k));
    if (extra.length > 0) return mistralExtraFields(extra.map((k) => [k, body[k]]));
    let prevRole: string | undefined;
    for (const [i, m] of (body.messages as any[]).entries()) {
      if (!isObject(m)) continue;
      if ('reasoning_content' in m) return { status: 422, body: { detail: [{ type: 'extra_forbidden', loc: ['body', 'messages', i, m.role, 'reasoning_content'], msg: 'Extra inputs are not permitted', input: m.reasoning_content }] } };
      const ids = [...(Array.isArray(m.tool_calls) ? m.tool_calls.map((t: any) => t?.id) : []), ...(m.role === 'tool' ? [m.tool_call_id] : [])];
      for (const id of ids) {
        if (typeof id !== 'string' || !/^[A-Za-z0-9]{9}$/.test(id)) return nativeError('mistral', 400, `Tool call id was ${String(id)} but must be a-z, A-Z, 0-9, with a length of 9.`);
      }
      if (m.role === 'user' && prevRole === 'tool') return nativeError('mistral', 400, "Unexpected role 'user' after role 'tool'");
      prevRole = m.role;
    }
  }
  if (ctx.provider === 'deepseek') {
    const f = body.response_format;
    if (isObject(f) && f.type === 'json_schema') return nativeError('openai', 400, 'This response_format type is unavailable now');
    if (isObject(f) && f.type === 'json_object' && !/json/i.test(JSON.stringify(body.messages))) {
      return nativeError('openai', 400, "Prompt must contain the word 'json' in some form to use 'response_format' of type 'json_object'.");
    }
  }
  return undefined;
}

interface Ids {
  completion: string;
  call: string;
}

function ids(ctx: ProtocolContext, answer: Answer): Ids {
  const c = ctx as ProtocolContext & { _ids?: Ids };
  if (!c._ids) {
    const completion = ctx.ids.next('chatcmpl-');
    c._ids = { completion, call: answer.kind === 'tool' ? (ctx.provider === 'mistral' ? ctx.ids.nine() : ctx.ids.next('call_')) : '' };
  }
  return c._ids;
}

function finishReason(answer: Answer): string {
  return answer.kind === 'tool' ? 'tool_calls' : answer.truncated ? 'length' : 'stop';
}

function usage(answer: Answer, ctx: ProtocolContext): any {
  const u: any = { prompt_tokens: answer.inputTokens, completion_tokens: answer.outputTokens, total_tokens: answer.inputTokens + answer.outputTokens };
  if (ctx.provider === 'openai') {
    u.prompt_tokens_details = { cached_tokens: answer.cachedTokens };
    u.completion_tokens_details = { reasoning_tokens: 0 };
  } else if (ctx.provider === 'deepseek') {
    u.prompt_tokens_details = { cached_tokens: answer.cachedTokens };
    u.prompt_cache_hit_tokens = answer.cachedTokens;
    u.prompt_cache_miss_tokens = answer.inputTokens - answer.cachedTokens;
  }
  return u;
}

function render(answer: Answer, ctx: ProtocolContext): unknown {
  const i = ids(ctx, answer);
  const message: any = { role: 'assistant', content: answer.kind === 'text' ? answer.text : null };
  if (ctx.provider === 'openai') message.refusal = null;
  if (answer.kind === 'tool') message.tool_calls = [{ id: i.call, type: 'function', function: { name: answer.name, arguments: answer.arguments } }];
  return {
    id: i.completion,
    object: 'chat.completion',
    created: ctx.created,
    model: ctx.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason(answer) }],
    usage: usage(answer, ctx),
  };
}

function stream(answer: Answer, ctx: ProtocolContext): StreamPlan {
  const i = ids(ctx, answer);
  const head = { id: i.completion, object: 'chat.completion.chunk', created: ctx.created, model: ctx.model };
  const chunk = (delta: any, finish: string | null = null, extra: any = {}): any => ({
    ...head,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...extra,
  });
  const frames: Frame[] = [];
  if (ctx.provider === 'deepseek') frames.push({ text: ': keep-alive\n\n', tokens: 0, event: false });
  const mistral = ctx.provider === 'mistral';
  if (answer.kind === 'tool') {
    frames.push(sseData(chunk({ role: 'assistant', content: mistral ? '' : null })));
    if (mistral) {
      frames.push(withTokens(sseData(chunk({ tool_calls: [{ index: 0, id: i.call, type: 'function', function: { name: answer.name, arguments: answer.arguments } }] })), 1));
    } else {
      frames.push(sseData(chunk({ tool_calls: [{ index: 0, id: i.call, type: 'function', function: { name: answer.name, arguments: '' } }] })));
      for (const piece of argumentChunks(answer.arguments)) frames.push(withTokens(sseData(chunk({ tool_calls: [{ index: 0, function: { arguments: piece } }] })), 1));
    }
  } else {
    frames.push(sseData(chunk({ role: 'assistant', content: '' })));
    for (const piece of textChunks(answer.text)) frames.push(withTokens(sseData(chunk({ content: piece })), 1));
  }
  if (mistral) {
    frames.push(sseData(chunk(answer.kind === 'tool' ? {} : { content: '' }, finishReason(answer), { usage: usage(answer, ctx) })));
  } else {
    frames.push(sseData(chunk({}, finishReason(answer))));
    if (ctx.body.stream_options?.include_usage === true) frames.push(sseData({ ...head, choices: [], usage: usage(answer, ctx) }));
  }
  frames.push(sseData('[DONE]'));
  return {
    frames,
    inBandError: (_sent, spec) => [sseData(spec ? inBandPayload(ctx.provider === 'mistral' ? 'mistral' : 'openai', spec) : IN_BAND.chat).text],
  };
}

export const openaiChat: WireProtocol = { validate, parse, render, stream };
