// POST /v1/messages body (Anthropic Messages) → CanonicalRequest. Content blocks become the same
// item list the OpenAI dialects produce: system blocks are system messages (one per block, so a
// block's cache_control stays on it), tool_use blocks function_call items, tool_result blocks
// function_call_output items, thinking / redacted_thinking blocks reasoning items. The mapping is
// chosen so that buildAnthropicRequest gives the body back (docs/api/messages.md): served by
// Anthropic, a Messages request is lossless.
import type { CanonicalRequest, ContentPart, FunctionTool, InputItem, RequestField, ToolChoice } from '../../canonical/types.js';
import { arrayOf, fail, isObject, optBoolean, optInteger, optNumber, optString, rejectSmuggling, shown, unsupported, withoutUndefined } from '../checks.js';
import { CHAT_FIELDS, checkFields, fateLists } from '../field-policy.js';
import { routerFields } from '../router-fields.js';
import { cacheControlOf, countCacheMarks } from '../cache-control.js';
import { ANTHROPIC_CLIENT_STATE } from '../../providers/reasoning-state.js';
import { unwrapReasoningState } from '../reasoning-state.js';

/** Routing field for images inside tool_result blocks: only Anthropic's tool results carry images. */
export const TOOL_IMAGE_NOTE = 'images inside tool_result blocks reach only Anthropic (other tool-output wires are text)';

/** Anthropic's smallest thinking budget. */
export const MIN_THINKING_BUDGET = 1024;
const IMAGE_MEDIA_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];

/**
 * Routing field for document blocks: only Anthropic, OpenAI (Responses input_file) and Gemini
 * (inlineData) read documents; Chat-wire hosts have no document part, so routing excludes them
 * (the same RequestField mechanism as top-level fields; no model capability says "documents").
 */
export const DOCUMENT_FIELD_NOTE = 'document blocks need Anthropic, OpenAI (input_file) or Gemini (inlineData); Chat-wire hosts cannot read them';

export function normalizeMessagesRequest(body: Record<string, any>): CanonicalRequest {
  rejectSmuggling(body);
  const fields: RequestField[] = checkFields('messages', body);
  const model = optString(body.model, 'model', 256);
  if (!model) fail('model', 'model: Field required');
  const maxOutputTokens = optInteger(body.max_tokens, 'max_tokens', 1, 10_000_000);
  if (maxOutputTokens === undefined) fail('max_tokens', 'max_tokens: Field required');

  const items: InputItem[] = [...systemItems(body.system)];
  if (body.messages === undefined || body.messages === null) fail('messages', 'messages: Field required');
  const turns = arrayOf(body.messages, 'messages');
  if (turns.length === 0) fail('messages', 'messages: at least one message is required');
  turns.forEach((m, i) => items.push(...message(m, `messages[${i}]`)));

  const tools = body.tools === undefined || body.tools === null ? [] : arrayOf(body.tools, 'tools', 512).map((t, i) => tool(t, `tools[${i}]`));
  const names = new Set<string>();
  tools.forEach((t, i) => {
    if (names.has(t.name)) fail(`tools[${i}].name`, `tools: tool names must be unique ("${t.name}" appears twice)`);
    names.add(t.name);
  });
  const { toolChoice, parallelToolCalls } = choice(body.tool_choice, tools);

  const thinking = thinkingConfig(body.thinking, maxOutputTokens);
  const temperature = optNumber(body.temperature, 'temperature', 0, 1);
  const topP = optNumber(body.top_p, 'top_p', 0, 1);
  optInteger(body.top_k, 'top_k', 0, 1_000_000); // forwarded from `fields` (field-policy.ts) where a provider takes it
  const stop = stopSequences(body.stop_sequences);
  const user = metadataUser(body.metadata);
  const stream = optBoolean(body.stream, 'stream') ?? false;
  if (body.service_tier !== undefined && body.service_tier !== null && body.service_tier !== 'auto' && body.service_tier !== 'standard_only') {
    fail('service_tier', 'service_tier must be "auto" or "standard_only"');
  }

  // disable_parallel_tool_use is Chat's parallel_tool_calls: false, nested: the same row decides which
  // provider types cannot honour it (Gemini, DeepSeek), so routing excludes them as it does on Chat.
  if (parallelToolCalls === false) fields.push(nestedField('parallel_tool_calls', false, CHAT_FIELDS.parallel_tool_calls!));
  const toolImages = items.reduce((n, it) => n + (it.type === 'function_call_output' ? (it.images?.length ?? 0) : 0), 0);
  if (toolImages > 0) fields.push({ name: 'tool_result_image', value: toolImages, passedTo: [], refusedBy: ['openai', 'gemini', 'openai-compatible'], note: TOOL_IMAGE_NOTE });
  const documents = items.reduce((n, it) => n + (it.type === 'message' ? it.content.filter((p) => p.type === 'document').length : 0), 0);
  if (documents > 0) fields.push({ name: 'document', value: documents, passedTo: [], refusedBy: ['openai-compatible'], note: DOCUMENT_FIELD_NOTE });

  return withoutUndefined({
    api: 'messages' as const,
    model,
    items,
    tools,
    stream,
    toolChoice,
    parallelToolCalls,
    maxOutputTokens,
    temperature,
    topP,
    stop,
    user,
    ...thinking,
    cacheMarks: countCacheMarks(items, tools) || undefined,
    fields: fields.length ? fields : undefined,
    router: routerFields(body),
  });
}

function nestedField(name: string, value: unknown, def: (typeof CHAT_FIELDS)[string]): RequestField {
  const { passedTo, refusedBy } = fateLists(def!);
  return { name, value, passedTo, refusedBy, note: def!.note };
}

/** `system`: a string, or text blocks (each its own system message so its cache_control stays on it). */
function systemItems(raw: unknown): InputItem[] {
  if (raw === undefined || raw === null) return [];
  if (typeof raw === 'string') return raw === '' ? [] : [{ type: 'message', role: 'system', content: [{ type: 'text', text: raw }] }];
  return arrayOf(raw, 'system', 1000).map((b, i) => {
    const p = `system[${i}]`;
    if (!isObject(b) || b.type !== 'text') fail(`${p}.type`, 'system blocks must be text blocks');
    allowKeys(b, p, ['type', 'text', 'cache_control', 'citations']);
    const text = optString(b.text, `${p}.text`);
    if (text === undefined) fail(`${p}.text`, `${p}.text: Field required`);
    return { type: 'message' as const, role: 'system' as const, content: [{ type: 'text' as const, text, ...cacheControlOf(b, p) }] };
  });
}

function message(raw: unknown, param: string): InputItem[] {
  if (!isObject(raw)) fail(param, 'each message must be an object with role and content');
  if (raw.role !== 'user' && raw.role !== 'assistant') fail(`${param}.role`, `${param}.role: Input should be 'user' or 'assistant'`);
  allowKeys(raw, param, ['role', 'content']);
  const role: 'user' | 'assistant' = raw.role;
  if (typeof raw.content === 'string') return [{ type: 'message', role, content: [{ type: 'text', text: raw.content }] }];
  const blocks = arrayOf(raw.content, `${param}.content`, 10_000);
  // Consecutive content blocks share one message item; tool and thinking blocks are items of their
  // own, in block order, so the Anthropic adapter rebuilds the same turn.
  const out: InputItem[] = [];
  let run: ContentPart[] | undefined;
  const part = (p: ContentPart): void => {
    if (!run) {
      run = [];
      out.push({ type: 'message', role, content: run });
    }
    run.push(p);
  };
  const item = (it: InputItem): void => {
    run = undefined;
    out.push(it);
  };
  blocks.forEach((b, j) => {
    const p = `${param}.content[${j}]`;
    if (!isObject(b)) fail(p, 'each content block must be an object');
    switch (b.type) {
      case 'text':
        allowKeys(b, p, ['type', 'text', 'cache_control', 'citations']);
        part({ type: 'text', text: optString(b.text, `${p}.text`) ?? '', ...cacheControlOf(b, p) });
        break;
      case 'image':
        userOnly(role, p, 'image');
        part(image(b, p));
        break;
      case 'document':
        userOnly(role, p, 'document');
        part(document(b, p));
        break;
      case 'tool_result':
        userOnly(role, p, 'tool_result');
        item(toolResult(b, p));
        break;
      case 'tool_use': {
        if (role !== 'assistant') fail(`${p}.type`, 'tool_use blocks belong in assistant messages');
        allowKeys(b, p, ['type', 'id', 'name', 'input', 'cache_control']);
        const callId = optString(b.id, `${p}.id`, 256);
        const name = optString(b.name, `${p}.name`, 200);
        if (!callId) fail(`${p}.id`, `${p}.id: Field required`);
        if (!name) fail(`${p}.name`, `${p}.name: Field required`);
        if (!isObject(b.input)) fail(`${p}.input`, `${p}.input must be an object`);
        item({ type: 'function_call', callId, name, arguments: JSON.stringify(b.input), ...cacheControlOf(b, p) });
        break;
      }
      case 'thinking': {
        if (role !== 'assistant') fail(`${p}.type`, 'thinking blocks belong in assistant messages');
        const text = optString(b.thinking, `${p}.thinking`) ?? '';
        const signature = optString(b.signature, `${p}.signature`);
        if (signature === undefined) fail(`${p}.signature`, `${p}.signature: Field required`);
        item({ type: 'reasoning', text, ...attributed(signature, 'signature', `${p}.signature`) });
        break;
      }
      case 'redacted_thinking': {
        if (role !== 'assistant') fail(`${p}.type`, 'redacted_thinking blocks belong in assistant messages');
        const data = optString(b.data, `${p}.data`);
        if (!data) fail(`${p}.data`, `${p}.data: Field required`);
        item({ type: 'reasoning', text: '', ...attributed(data, 'redacted', `${p}.data`) });
        break;
      }
      default:
        // server_tool_use, web_search_tool_result, search_result, container_upload, …: Anthropic server
        // features the router neither runs nor can replay to another provider.
        unsupported(`${p}.type`, `content block type "${shown(b.type)}" is not supported by the router`);
    }
  });
  return out;
}

/**
 * Whose reasoning state a block carries. Answers the router rendered from a non-Anthropic provider
 * carry that provider's state wrapped in the router's envelope (api/reasoning-state.ts; see
 * render.ts), which names the provider; anything else is Anthropic's own signature, which the
 * client got from some Anthropic endpoint: it replays to any provider of type anthropic.
 */
function attributed(value: string, key: 'signature' | 'redacted', param: string): { provider: string; signature?: string; redacted?: string } {
  if (value.startsWith('trr1.')) {
    const s = unwrapReasoningState(value, param);
    return { provider: s.provider, ...(s.signature ? { signature: s.signature } : {}), ...(s.redacted ? { redacted: s.redacted } : {}) };
  }
  if (value === '') return { provider: ANTHROPIC_CLIENT_STATE };
  return { provider: ANTHROPIC_CLIENT_STATE, [key]: value };
}

function userOnly(role: string, p: string, kind: string): void {
  if (role !== 'user') fail(`${p}.type`, `${kind} blocks belong in user messages`);
}

function allowKeys(b: Record<string, unknown>, p: string, keys: string[]): void {
  for (const k of Object.keys(b)) if (!keys.includes(k)) fail(`${p}.${k}`, `${p}.${k}: Extra inputs are not permitted`);
}

function image(b: Record<string, any>, p: string): ContentPart {
  allowKeys(b, p, ['type', 'source', 'cache_control']);
  const s = b.source;
  if (!isObject(s)) fail(`${p}.source`, `${p}.source: Field required`);
  if (s.type === 'base64') {
    if (!IMAGE_MEDIA_TYPES.includes(s.media_type)) fail(`${p}.source.media_type`, `${p}.source.media_type must be one of ${IMAGE_MEDIA_TYPES.join(', ')}`);
    const data = optString(s.data, `${p}.source.data`, 50_000_000);
    if (!data) fail(`${p}.source.data`, `${p}.source.data: Field required`);
    return { type: 'image', url: `data:${s.media_type};base64,${data}`, ...cacheControlOf(b, p) };
  }
  if (s.type === 'url') {
    const url = optString(s.url, `${p}.source.url`, 10_000);
    if (!url || !/^https?:\/\//i.test(url)) fail(`${p}.source.url`, `${p}.source.url must be an http(s) URL`);
    return { type: 'image', url, ...cacheControlOf(b, p) };
  }
  unsupported(`${p}.source.type`, `image source type "${shown(s.type)}" is not supported by the router (Files API ids cannot reach other providers)`);
}

function document(b: Record<string, any>, p: string): ContentPart {
  allowKeys(b, p, ['type', 'source', 'title', 'context', 'citations', 'cache_control']);
  const s = b.source;
  if (!isObject(s)) fail(`${p}.source`, `${p}.source: Field required`);
  const title = optString(b.title, `${p}.title`, 500);
  const context = optString(b.context, `${p}.context`);
  let citations: boolean | undefined;
  if (b.citations !== undefined && b.citations !== null) {
    if (!isObject(b.citations)) fail(`${p}.citations`, `${p}.citations must be {"enabled": boolean}`);
    citations = optBoolean(b.citations.enabled, `${p}.citations.enabled`) ?? false;
  }
  const extra = { ...(title !== undefined ? { title } : {}), ...(context !== undefined ? { context } : {}), ...(citations !== undefined ? { citations } : {}), ...cacheControlOf(b, p) };
  switch (s.type) {
    case 'base64': {
      if (s.media_type !== 'application/pdf') fail(`${p}.source.media_type`, `${p}.source.media_type must be application/pdf`);
      const data = optString(s.data, `${p}.source.data`, 50_000_000);
      if (!data) fail(`${p}.source.data`, `${p}.source.data: Field required`);
      return { type: 'document', url: `data:application/pdf;base64,${data}`, ...extra };
    }
    case 'url': {
      const url = optString(s.url, `${p}.source.url`, 10_000);
      if (!url || !/^https?:\/\//i.test(url)) fail(`${p}.source.url`, `${p}.source.url must be an http(s) URL`);
      return { type: 'document', url, ...extra };
    }
    case 'text': {
      if (s.media_type !== undefined && s.media_type !== 'text/plain') fail(`${p}.source.media_type`, `${p}.source.media_type must be text/plain`);
      const text = optString(s.data, `${p}.source.data`, 50_000_000);
      if (text === undefined) fail(`${p}.source.data`, `${p}.source.data: Field required`);
      return { type: 'document', text, ...extra };
    }
    default:
      unsupported(`${p}.source.type`, `document source type "${shown(s.type)}" is not supported by the router`);
  }
}

/**
 * tool_result: its text blocks (joined by newlines) are the canonical output, which the firewall scans
 * and routing reads; its images ride along as `images` (sent after the text), which only Anthropic
 * takes — routing excludes the other types (the `tool_result_image` field), never dropping them.
 */
function toolResult(b: Record<string, any>, p: string): InputItem {
  allowKeys(b, p, ['type', 'tool_use_id', 'content', 'is_error', 'cache_control']);
  const callId = optString(b.tool_use_id, `${p}.tool_use_id`, 256);
  if (!callId) fail(`${p}.tool_use_id`, `${p}.tool_use_id: Field required`);
  let output = '';
  // A mark on a text block inside the result marks the result (the cached prefix ends there either way).
  let innerMark: ReturnType<typeof cacheControlOf> = {};
  const images: Extract<ContentPart, { type: 'image' }>[] = [];
  if (typeof b.content === 'string') output = b.content;
  else if (b.content !== undefined && b.content !== null) {
    const texts: string[] = [];
    arrayOf(b.content, `${p}.content`, 1000).forEach((c, k) => {
      const cp = `${p}.content[${k}]`;
      if (!isObject(c)) fail(cp, 'each tool_result content block must be an object');
      if (c.type === 'image') {
        const { cacheControl, ...img } = image(c, cp) as Extract<ContentPart, { type: 'image' }>;
        if (cacheControl) innerMark = { cacheControl };
        images.push(img);
        return;
      }
      if (c.type !== 'text') unsupported(`${cp}.type`, `tool_result content of type "${shown(c.type)}" is not supported by the router (text and images only)`);
      allowKeys(c, cp, ['type', 'text', 'cache_control', 'citations']);
      const mark = cacheControlOf(c, cp);
      if (mark.cacheControl) innerMark = mark;
      texts.push(optString(c.text, `${cp}.text`) ?? '');
    });
    output = texts.join('\n');
  }
  const isError = optBoolean(b.is_error, `${p}.is_error`);
  const mark = cacheControlOf(b, p);
  return { type: 'function_call_output', callId, output, ...(isError ? { isError } : {}), ...(images.length ? { images } : {}), ...(mark.cacheControl ? mark : innerMark) };
}

/** A custom tool; a typed server tool (web_search_…, bash_…, text_editor_…, computer_…) is refused naming its type. */
function tool(raw: unknown, p: string): FunctionTool {
  if (!isObject(raw)) fail(p, 'each tool must be an object');
  if (raw.type !== undefined && raw.type !== null && raw.type !== 'custom') {
    unsupported(`${p}.type`, `tool type "${shown(raw.type)}" is an Anthropic server tool, which the router does not run; give it as a custom tool with input_schema`);
  }
  allowKeys(raw, p, ['type', 'name', 'description', 'input_schema', 'cache_control']);
  const name = optString(raw.name, `${p}.name`, 128);
  if (!name || !/^[A-Za-z0-9_-]{1,128}$/.test(name)) fail(`${p}.name`, 'tool names must be 1-128 characters of a-z, A-Z, 0-9, _ or -');
  const description = optString(raw.description, `${p}.description`, 100_000);
  if (!isObject(raw.input_schema)) fail(`${p}.input_schema`, `${p}.input_schema: Field required (a JSON Schema object)`);
  return { name, ...(description !== undefined ? { description } : {}), parameters: raw.input_schema, ...cacheControlOf(raw, p) };
}

function choice(raw: unknown, tools: readonly FunctionTool[]): { toolChoice?: ToolChoice; parallelToolCalls?: boolean } {
  if (raw === undefined || raw === null) return {};
  if (!isObject(raw)) fail('tool_choice', 'tool_choice must be an object with a type');
  const noParallel = optBoolean(raw.disable_parallel_tool_use, 'tool_choice.disable_parallel_tool_use');
  const parallel = noParallel === true ? { parallelToolCalls: false } : {};
  switch (raw.type) {
    case 'auto':
      return { toolChoice: 'auto', ...parallel };
    case 'none':
      return { toolChoice: 'none' };
    case 'any':
      if (tools.length === 0) fail('tool_choice', 'tool_choice "any" needs at least one tool in tools');
      return { toolChoice: 'required', ...parallel };
    case 'tool': {
      const name = optString(raw.name, 'tool_choice.name', 128);
      if (!name) fail('tool_choice.name', 'tool_choice.name: Field required');
      if (!tools.some((t) => t.name === name)) fail('tool_choice.name', `tool_choice names the tool "${name}", which is not in tools`);
      return { toolChoice: { name }, ...parallel };
    }
    default:
      fail('tool_choice.type', "tool_choice.type must be 'auto', 'any', 'tool' or 'none'");
  }
}

/** The reasoning band a thinking budget stands for where only an effort can be given (OpenAI, Gemini 3+). */
export function effortForBudget(budget: number): 'low' | 'medium' | 'high' {
  if (budget < 4096) return 'low';
  if (budget < 16_384) return 'medium';
  return 'high';
}

function thinkingConfig(raw: unknown, maxTokens: number): Pick<CanonicalRequest, 'reasoningEffort' | 'thinkingBudgetTokens' | 'thinkingAdaptive'> {
  if (raw === undefined || raw === null) return {};
  if (!isObject(raw)) fail('thinking', 'thinking must be an object with a type');
  switch (raw.type) {
    case 'disabled':
      return {};
    case 'adaptive':
      return { thinkingAdaptive: true, reasoningEffort: 'medium' };
    case 'enabled': {
      const budget = optInteger(raw.budget_tokens, 'thinking.budget_tokens', MIN_THINKING_BUDGET, 10_000_000);
      if (budget === undefined) fail('thinking.budget_tokens', 'thinking.budget_tokens: Field required');
      if (budget >= maxTokens) fail('thinking.budget_tokens', '`max_tokens` must be greater than `thinking.budget_tokens`');
      return { thinkingBudgetTokens: budget, reasoningEffort: effortForBudget(budget) };
    }
    default:
      fail('thinking.type', "thinking.type must be 'enabled', 'disabled' or 'adaptive'");
  }
}

function stopSequences(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  const list = arrayOf(v, 'stop_sequences', 8191).map((s, i) => {
    const str = optString(s, `stop_sequences[${i}]`, 1000);
    if (str === undefined) fail(`stop_sequences[${i}]`, 'stop sequences must be strings');
    return str;
  });
  return list.length ? list : undefined;
}

/** metadata has one field, user_id: the canonical user (Anthropic: metadata.user_id; OpenAI: user). */
function metadataUser(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) fail('metadata', 'metadata must be an object');
  allowKeys(v, 'metadata', ['user_id']);
  return optString(v.user_id, 'metadata.user_id', 256);
}
