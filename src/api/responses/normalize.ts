// POST /v1/responses body → CanonicalRequest.
import type { CanonicalRequest, ContentPart, InputItem, ItemRef } from '../../canonical/types.js';
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
import { unwrapReasoningState } from '../reasoning-state.js';
import { routerFields } from '../router-fields.js';
import { functionTool, textFormat, toolChoice } from '../tools.js';
import { cacheControlOf, countCacheMarks, markLastPart } from '../cache-control.js';

export function normalizeResponsesRequest(body: Record<string, any>): CanonicalRequest {
  rejectSmuggling(body);
  const fields = checkFields('responses', body);
  const model = optString(body.model, 'model', 256) ?? 'auto';
  const previousResponseId = optString(body.previous_response_id, 'previous_response_id', 256);
  const { items, itemRefs } = normalizeInput(body.input, previousResponseId !== undefined);
  const instructions = optString(body.instructions, 'instructions');
  const tools = body.tools === undefined || body.tools === null ? [] : arrayOf(body.tools, 'tools', 512).map((t, i) => tool(t, `tools[${i}]`));
  // Chat-style {type: "function", function: {name}} is the hosted product's shape: accepted as an alias.
  const tc = toolChoice(body.tool_choice, 'tool_choice', (o) => o.name ?? (isObject(o.function) ? o.function.name : undefined));
  checkToolChoice(tc, tools);
  const format = responseFormat(body);
  const maxOutputTokens = optInteger(body.max_output_tokens, 'max_output_tokens', 1, 10_000_000);
  const temperature = optNumber(body.temperature, 'temperature', 0, 2);
  const topP = optNumber(body.top_p, 'top_p', 0, 1);
  const metadata = optMetadata(body.metadata);
  const stream = optBoolean(body.stream, 'stream') ?? false;
  const store = optBoolean(body.store, 'store');
  const parallelToolCalls = optBoolean(body.parallel_tool_calls, 'parallel_tool_calls');
  const user = optString(body.safety_identifier ?? body.user, 'user', 256);
  const effort = isObject(body.reasoning) ? optString(body.reasoning.effort, 'reasoning.effort', 16) : undefined;
  if (effort !== undefined && !['minimal', 'low', 'medium', 'high'].includes(effort)) fail('reasoning.effort', 'reasoning.effort must be minimal, low, medium or high');
  if (body.background === true) unsupported('background', 'background responses are not supported by the router');
  const promptCacheKey = optString(body.prompt_cache_key, 'prompt_cache_key', 1024);
  const includeReasoningState = checkInclude(body.include);
  const router = routerFields(body);
  return withoutUndefined({
    api: 'responses',
    model,
    items,
    tools,
    stream,
    instructions,
    toolChoice: tc,
    parallelToolCalls,
    textFormat: format,
    maxOutputTokens,
    temperature,
    topP,
    metadata,
    store,
    includeReasoningState: includeReasoningState || undefined,
    previousResponseId,
    itemRefs: itemRefs.length ? itemRefs : undefined,
    reasoningEffort: effort as CanonicalRequest['reasoningEffort'],
    user,
    promptCacheKey,
    cacheMarks: countCacheMarks(items, tools) || undefined,
    fields: fields.length ? fields : undefined,
    router,
  });
}

/**
 * `include` values: reasoning.encrypted_content is honoured on every provider — reasoning items carry
 * the provider's opaque state, wrapped by the router (api/reasoning-state.ts). The others ask for
 * outputs the router does not return — logprobs, results of hosted tools it does not run, input image
 * URLs — so they are refused rather than passed and then lost on the way back.
 */
function checkInclude(include: unknown): boolean {
  if (include === undefined || include === null) return false;
  const values = arrayOf(include, 'include', 32);
  values.forEach((v, i) => {
    if (typeof v !== 'string') fail(`include[${i}]`, 'include values must be strings');
    if (v !== 'reasoning.encrypted_content') unsupported('include', `include value "${v}" is not supported by the router: it does not return that output`);
  });
  return values.length > 0;
}

/**
 * The output format: `text.format` (the Responses shape) or one of the hosted product's shapes,
 * accepted as aliases — `text: {type: "json_schema", json_schema: {...}}` (directly under text) and a
 * top-level Chat-style `response_format`. Two of them at once is ambiguous: 400.
 */
function responseFormat(body: Record<string, any>) {
  const text = body.text;
  if (text !== undefined && text !== null && !isObject(text)) fail('text', 'text must be an object');
  if (isObject(text) && text.verbosity != null && text.verbosity !== 'medium') unsupported('text.verbosity', 'text.verbosity is not supported by the router');
  const direct = isObject(text) && typeof text.type === 'string' ? text : undefined;
  const shapes = [isObject(text) && text.format != null ? 'text.format' : undefined, direct ? 'text' : undefined, body.response_format != null ? 'response_format' : undefined].filter(
    (s): s is string => s !== undefined,
  );
  if (shapes.length > 1) fail(shapes[1]!, `send the output format once: ${shapes.join(' and ')} both set it`);
  const chatUnwrap = (o: Record<string, any>) => (isObject(o.json_schema) ? o.json_schema : o);
  if (direct) return textFormat(direct, 'text', chatUnwrap);
  if (body.response_format != null) return textFormat(body.response_format, 'response_format', chatUnwrap);
  return textFormat(isObject(text) ? text.format : undefined, 'text.format', (o) => o);
}

function tool(raw: unknown, param: string) {
  if (!isObject(raw)) fail(param, 'each tool must be an object');
  if (raw.type !== 'function') unsupported(`${param}.type`, `tool type "${shown(raw.type)}" is not supported by the router; only function tools`);
  // Chat-style {type: "function", function: {name, parameters}}: the hosted product's shape, an alias.
  if (isObject(raw.function) && raw.name === undefined) return functionTool(raw.function, `${param}.function`, raw, param);
  return functionTool(raw, param);
}

/**
 * `input`: a string or an array of items, never empty (a follow-up of previous_response_id may send
 * an empty list). Earlier output items sent back by id — `item_reference`, or a reasoning item with its
 * id and no content, as the AI SDK sends them — become placeholders (itemRefs) at their place; the
 * normalize stage swaps in the stored items.
 */
function normalizeInput(input: unknown, continues: boolean): { items: InputItem[]; itemRefs: ItemRef[] } {
  if (input === undefined || input === null) {
    if (continues) return { items: [], itemRefs: [] };
    fail('input', 'input is required: a string or an array of input items');
  }
  if (typeof input === 'string') {
    if (input === '') fail('input', 'input must not be empty');
    return { items: [{ type: 'message', role: 'user', content: [{ type: 'text', text: input }] }], itemRefs: [] };
  }
  if (!Array.isArray(input)) fail('input', 'input must be a string or an array of input items');
  if (input.length === 0 && !continues) fail('input', 'input must not be empty');
  const items: InputItem[] = [];
  const itemRefs: ItemRef[] = [];
  arrayOf(input, 'input').forEach((raw, i) => {
    const param = `input[${i}]`;
    const ref = referenceOf(raw, param);
    if (ref !== undefined) itemRefs.push({ at: items.length, id: ref, param: `${param}.id` });
    else items.push(inputItem(raw, param));
  });
  return { items, itemRefs };
}

/** The id an input item replays an earlier output item by, or undefined for an item carried in full. */
function referenceOf(raw: unknown, param: string): string | undefined {
  if (!isObject(raw)) return undefined;
  const byId = raw.type === 'item_reference' || (raw.type === 'reasoning' && !hasSummaryText(raw.summary) && raw.encrypted_content == null && raw.content == null);
  if (!byId) return undefined;
  const id = optString(raw.id, `${param}.id`, 256);
  if (!id) {
    if (raw.type === 'item_reference') fail(`${param}.id`, 'item_reference needs the id of an earlier output item');
    return undefined;
  }
  return id;
}

function hasSummaryText(summary: unknown): boolean {
  return Array.isArray(summary) && summary.some((s) => isObject(s) && typeof s.text === 'string' && s.text !== '');
}



function inputItem(raw: unknown, param: string): InputItem {
  if (!isObject(raw)) fail(param, 'each input item must be an object');
  const type = raw.type ?? 'message';
  switch (type) {
    case 'message': {
      const role = raw.role;
      if (role !== 'user' && role !== 'assistant' && role !== 'system' && role !== 'developer') {
        fail(`${param}.role`, 'role must be user, assistant, system or developer');
      }
      const content = markLastPart(messageContent(raw.content, `${param}.content`), raw, param);
      if (role === 'user' && isEmpty(content)) fail(`${param}.content`, 'user message content must not be empty');
      return { type: 'message', role, content };
    }
    case 'function_call': {
      const callId = optString(raw.call_id, `${param}.call_id`, 256);
      const name = optString(raw.name, `${param}.name`, 128);
      const args = optString(raw.arguments, `${param}.arguments`) ?? '{}';
      if (!callId || !name) fail(param, 'function_call items need call_id and name');
      return { type: 'function_call', callId, name, arguments: args };
    }
    case 'function_call_output': {
      const callId = optString(raw.call_id, `${param}.call_id`, 256);
      if (!callId) fail(`${param}.call_id`, 'function_call_output needs call_id');
      return { type: 'function_call_output', callId, output: outputText(raw.output, `${param}.output`) };
    }
    case 'reasoning': {
      const summary = Array.isArray(raw.summary) ? raw.summary.map((s: any) => (isObject(s) && typeof s.text === 'string' ? s.text : '')).join('') : '';
      if (raw.encrypted_content == null) return { type: 'reasoning', text: summary };
      // The provider's state the router wrapped on the way out: replayed only to that provider.
      const state = unwrapReasoningState(raw.encrypted_content, `${param}.encrypted_content`);
      return {
        type: 'reasoning',
        text: summary,
        provider: state.provider,
        ...(state.signature ? { signature: state.signature } : {}),
        ...(state.redacted ? { redacted: state.redacted } : {}),
      };
    }
    default:
      unsupported(`${param}.type`, `input item type "${shown(type)}" is not supported by the router`);
  }
}

function messageContent(content: unknown, param: string): ContentPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return arrayOf(content, param, 1000).map((raw, i) => contentPart(raw, `${param}[${i}]`));
}

function contentPart(raw: unknown, param: string): ContentPart {
  if (!isObject(raw)) fail(param, 'each content part must be an object');
  switch (raw.type) {
    case 'input_text':
    case 'output_text':
    case 'text': {
      const text = optString(raw.text, `${param}.text`);
      if (text === undefined) fail(`${param}.text`, 'text parts need text');
      return { type: 'text', text, ...cacheControlOf(raw, param) };
    }
    case 'refusal':
      return { type: 'refusal', refusal: optString(raw.refusal, `${param}.refusal`) ?? '' };
    case 'image_url': {
      // Chat's part shape {type: "image_url", image_url: {url, detail}}: the hosted product's alias.
      const iu = raw.image_url;
      const url = isObject(iu) ? iu.url : iu;
      if (typeof url !== 'string' || !/^(https?:|data:image\/)/i.test(url)) fail(`${param}.image_url`, 'image_url.url must be an http(s) URL or a data:image/... URL');
      const detail = isObject(iu) ? iu.detail : undefined;
      return { type: 'image', url, ...(detail === 'low' || detail === 'high' || detail === 'auto' ? { detail } : {}), ...cacheControlOf(raw, param) };
    }
    case 'input_image': {
      if (raw.file_id) unsupported(`${param}.file_id`, 'file_id images are not supported by the router; send image_url (https or data URL)');
      const url = optString(raw.image_url, `${param}.image_url`, 30_000_000);
      if (!url || !/^(https?:|data:image\/)/i.test(url)) fail(`${param}.image_url`, 'image_url must be an http(s) URL or a data:image/... URL');
      const detail = raw.detail;
      return { type: 'image', url, ...(detail === 'low' || detail === 'high' || detail === 'auto' ? { detail } : {}), ...cacheControlOf(raw, param) };
    }
    default:
      unsupported(`${param}.type`, `content part type "${shown(raw.type)}" is not supported by the router`);
  }
}

function outputText(output: unknown, param: string): string {
  if (typeof output === 'string') return output;
  if (Array.isArray(output)) {
    return output.map((p) => (isObject(p) && typeof p.text === 'string' ? p.text : '')).join('');
  }
  fail(param, 'output must be a string or an array of text parts');
}
