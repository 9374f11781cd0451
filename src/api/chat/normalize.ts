// POST /v1/chat/completions body → CanonicalRequest. Chat messages become the
// same item list a Responses request produces: assistant tool_calls become
// function_call items, tool messages become function_call_output items.
import type { CanonicalRequest, ContentPart, InputItem } from '../../canonical/types.js';
import {
  arrayOf,
  checkToolChoice,
  fail,
  isEmpty,
  isObject,
  optBoolean,
  optInteger,
  optMetadata,
  optNumber,
  optString,
  rejectSmuggling,
  shown,
  withoutUndefined,
  unsupported,
} from '../checks.js';
import { checkFields } from '../field-policy.js';
import { routerFields } from '../router-fields.js';
import { functionTool, textFormat, toolChoice } from '../tools.js';
import { cacheControlOf, countCacheMarks, markLastPart } from '../cache-control.js';

export function normalizeChatRequest(body: Record<string, any>): CanonicalRequest {
  rejectSmuggling(body);
  const fields = checkFields('chat', body);
  const model = optString(body.model, 'model', 256) ?? 'auto';
  if (body.messages === undefined || body.messages === null) fail('messages', 'messages is required: an array of messages');
  const items = arrayOf(body.messages, 'messages').flatMap((m, i) => message(m, `messages[${i}]`));
  if (items.length === 0) fail('messages', 'messages must not be empty');
  const tools =
    body.tools === undefined || body.tools === null
      ? []
      : arrayOf(body.tools, 'tools', 512).map((t, i) => {
          if (!isObject(t) || t.type !== 'function' || !isObject(t.function)) unsupported(`tools[${i}]`, 'only {type: "function", function: {...}} tools are supported');
          return functionTool(t.function, `tools[${i}].function`, t, `tools[${i}]`);
        });
  const tc = toolChoice(body.tool_choice, 'tool_choice', (o) => (isObject(o.function) ? o.function.name : undefined));
  checkToolChoice(tc, tools);
  const format = textFormat(body.response_format, 'response_format', (o) => (isObject(o.json_schema) ? o.json_schema : {}));
  const maxOutputTokens = optInteger(body.max_completion_tokens ?? body.max_tokens, body.max_completion_tokens !== undefined ? 'max_completion_tokens' : 'max_tokens', 1, 10_000_000);
  const temperature = optNumber(body.temperature, 'temperature', 0, 2);
  const topP = optNumber(body.top_p, 'top_p', 0, 1);
  const n = optInteger(body.n, 'n', 1, 128);
  if (n !== undefined && n > 1) unsupported('n', 'n > 1 is not supported by the router');
  const stop = stopSequences(body.stop);
  const metadata = optMetadata(body.metadata);
  const stream = optBoolean(body.stream, 'stream') ?? false;
  const includeUsage = isObject(body.stream_options) ? optBoolean(body.stream_options.include_usage, 'stream_options.include_usage') : undefined;
  const parallelToolCalls = optBoolean(body.parallel_tool_calls, 'parallel_tool_calls');
  const user = optString(body.safety_identifier ?? body.user, 'user', 256);
  const effort = optString(body.reasoning_effort, 'reasoning_effort', 16);
  if (effort !== undefined && !['minimal', 'low', 'medium', 'high'].includes(effort)) fail('reasoning_effort', 'reasoning_effort must be minimal, low, medium or high');
  const promptCacheKey = optString(body.prompt_cache_key, 'prompt_cache_key', 1024);
  const router = routerFields(body);
  return withoutUndefined({
    api: 'chat',
    model,
    items,
    tools,
    stream,
    toolChoice: tc,
    parallelToolCalls,
    textFormat: format,
    maxOutputTokens,
    temperature,
    topP,
    stop,
    metadata,
    includeUsage,
    reasoningEffort: effort as CanonicalRequest['reasoningEffort'],
    user,
    promptCacheKey,
    cacheMarks: countCacheMarks(items, tools) || undefined,
    fields: fields.length ? fields : undefined,
    router,
  });
}

function stopSequences(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  const list = typeof v === 'string' ? [v] : arrayOf(v, 'stop', 4);
  return list.map((s, i) => optString(s, `stop[${i}]`, 1000) ?? '');
}

function message(raw: unknown, param: string): InputItem[] {
  if (!isObject(raw)) fail(param, 'each message must be an object');
  switch (raw.role) {
    case 'system':
    case 'developer':
    case 'user': {
      const parts = markLastPart(content(raw.content, `${param}.content`), raw, param);
      if (raw.role === 'user' && isEmpty(parts)) fail(`${param}.content`, 'user message content must not be empty');
      return [{ type: 'message', role: raw.role, content: parts }];
    }
    case 'assistant': {
      const out: InputItem[] = [];
      const parts = raw.content === null || raw.content === undefined ? [] : markLastPart(content(raw.content, `${param}.content`), raw, param);
      if (typeof raw.refusal === 'string' && raw.refusal) parts.push({ type: 'refusal', refusal: raw.refusal });
      if (parts.length > 0) out.push({ type: 'message', role: 'assistant', content: parts });
      if (raw.tool_calls !== undefined && raw.tool_calls !== null) {
        arrayOf(raw.tool_calls, `${param}.tool_calls`, 512).forEach((tc, j) => {
          const p = `${param}.tool_calls[${j}]`;
          if (!isObject(tc) || !isObject(tc.function)) fail(p, 'each tool call needs id and function {name, arguments}');
          const callId = optString(tc.id, `${p}.id`, 256);
          const name = optString(tc.function.name, `${p}.function.name`, 128);
          if (!callId || !name) fail(p, 'each tool call needs id and function.name');
          out.push({ type: 'function_call', callId, name, arguments: optString(tc.function.arguments, `${p}.function.arguments`) ?? '{}' });
        });
      }
      return out;
    }
    case 'tool': {
      const callId = optString(raw.tool_call_id, `${param}.tool_call_id`, 256);
      if (!callId) fail(`${param}.tool_call_id`, 'tool messages need tool_call_id');
      const parts = content(raw.content, `${param}.content`);
      return [{ type: 'function_call_output', callId, output: parts.map((p) => (p.type === 'text' ? p.text : '')).join('') }];
    }
    case 'function':
      unsupported(`${param}.role`, 'the legacy function role is not supported; use tools');
    default:
      fail(`${param}.role`, 'role must be system, developer, user, assistant or tool');
  }
}

function content(raw: unknown, param: string): ContentPart[] {
  if (typeof raw === 'string') return [{ type: 'text', text: raw }];
  if (raw === null || raw === undefined) return [];
  return arrayOf(raw, param, 1000).map((p, i) => {
    const pp = `${param}[${i}]`;
    if (!isObject(p)) fail(pp, 'each content part must be an object');
    if (p.type === 'text') return { type: 'text' as const, text: optString(p.text, `${pp}.text`) ?? '', ...cacheControlOf(p, pp) };
    if (p.type === 'image_url') {
      const url = isObject(p.image_url) ? p.image_url.url : p.image_url;
      if (typeof url !== 'string' || !/^(https?:|data:image\/)/i.test(url)) fail(`${pp}.image_url`, 'image_url.url must be an http(s) URL or a data:image/... URL');
      const detail = isObject(p.image_url) ? p.image_url.detail : undefined;
      return { type: 'image' as const, url, ...(detail === 'low' || detail === 'high' || detail === 'auto' ? { detail } : {}), ...cacheControlOf(p, pp) };
    }
    if (p.type === 'refusal') return { type: 'refusal' as const, refusal: optString(p.refusal, `${pp}.refusal`) ?? '' };
    unsupported(`${pp}.type`, `content part type "${shown(p.type)}" is not supported by the router`);
  });
}
