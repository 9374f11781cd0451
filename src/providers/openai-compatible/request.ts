// CanonicalRequest → Chat Completions request (docs/providers.md#request), with the
// per-host quirks from dialects.ts. Only whitelisted fields are sent: strict
// hosts (Mistral) answer 422 to anything unknown, and metadata / router fields
// are never forwarded.
import type { CanonicalRequest, ContentPart, InputItem, TextFormat } from '../../canonical/types.js';
import { providerHeaderTemplate, requestHeaders } from '../shared/headers.js';
import { nineCharId } from '../shared/ids.js';
import type { Target, UpstreamRequest } from '../types.js';
import { dialectRules, listsProvider, type Dialect, type DialectRules } from './dialects.js';

export interface ChatBuildOptions {
  dialect: Dialect;
  /** Mistral and most hosts want max_tokens; OpenAI prefers max_completion_tokens. */
  maxTokensField: 'max_tokens' | 'max_completion_tokens';
  /** Forward `prompt_cache_key` (OpenAI only; other hosts cache by prefix without a key, or not at all). */
  forwardPromptCacheKey?: boolean;
  /** Forward `user` (OpenAI only). */
  forwardUser?: boolean;
  /** Forward `reasoning_effort` (OpenAI only). */
  forwardReasoningEffort?: boolean;
}

/** What the bridge between a tool result and a following user message says (Mistral). */
export const MISTRAL_BRIDGE_TEXT = 'OK.';

type ChatPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string; detail?: string } };

interface ChatToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | ChatPart[] }
  | { role: 'assistant'; content: string | null; tool_calls?: ChatToolCall[]; reasoning_content?: string }
  | { role: 'tool'; tool_call_id: string; content: string; name?: string };

export function joinUrl(baseUrl: string, path: string): string {
  return baseUrl.replace(/\/+$/, '') + path;
}

/** Auth + JSON headers, plus the policy's extra headers (which never override them; shared/headers.ts). */
export function jsonHeaders(target: Target, stream: boolean): Record<string, string> {
  return requestHeaders(providerHeaderTemplate(target.provider), {
    authorization: `Bearer ${target.apiKey}`,
    'content-type': 'application/json',
    accept: stream ? 'text/event-stream' : 'application/json',
  });
}

/**
 * The client's fields this provider takes verbatim (src/api/field-policy.ts), by type or by
 * openai-compatible dialect, plus those its dialect takes under its own name (Mistral's random_seed):
 * only for a request in the API the provider speaks natively; routing has already excluded the
 * providers that refuse them.
 */
export function passedFields(req: CanonicalRequest, target: Target, renamed: Readonly<Record<string, string>> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of req.fields ?? []) {
    if (listsProvider(f.passedTo, target.provider)) out[f.name] = f.value;
    else if (Object.hasOwn(renamed, f.name) && !listsProvider(f.refusedBy, target.provider)) out[renamed[f.name]!] = f.value;
  }
  return out;
}

export function upstreamModelId(target: Target): string {
  return target.model.upstreamModel ?? target.model.name;
}

/** The client's max output tokens, capped at the model's own limit when the policy declares one. */
export function maxOutputTokens(req: CanonicalRequest, target: Target): number | undefined {
  const asked = req.maxOutputTokens;
  const cap = target.model.maxOutputTokens;
  if (asked === undefined) return undefined;
  return cap !== undefined ? Math.min(asked, cap) : asked;
}

export function buildChatRequest(req: CanonicalRequest, target: Target, opts: ChatBuildOptions): UpstreamRequest {
  return {
    url: joinUrl(target.provider.baseUrl, '/chat/completions'),
    method: 'POST',
    headers: jsonHeaders(target, req.stream),
    body: JSON.stringify(buildChatBody(req, target, opts)),
    stream: req.stream,
  };
}

export function buildChatBody(req: CanonicalRequest, target: Target, opts: ChatBuildOptions): Record<string, unknown> {
  const rules = dialectRules(opts.dialect);
  const systemTexts: string[] = [];
  if (typeof req.instructions === 'string' && req.instructions !== '') systemTexts.push(req.instructions);
  const messages = convertItems(req.items, rules, systemTexts, target);

  const format = req.textFormat;
  let responseFormat: Record<string, unknown> | undefined;
  if (format?.type === 'json_schema') {
    if (rules.jsonSchemaViaPrompt) {
      responseFormat = { type: 'json_object' };
      systemTexts.push(schemaInstruction(format));
    } else {
      responseFormat = {
        type: 'json_schema',
        json_schema: {
          name: format.name,
          ...(format.description !== undefined ? { description: format.description } : {}),
          schema: format.schema,
          ...(format.strict !== undefined ? { strict: format.strict } : {}),
        },
      };
    }
  } else if (format?.type === 'json_object') {
    responseFormat = { type: 'json_object' };
    if (rules.jsonObjectNeedsJsonWord && !mentionsJson(systemTexts, messages)) {
      systemTexts.push('Respond with a single valid json object.');
    }
  }

  const all: ChatMessage[] = systemTexts.length > 0 ? [{ role: 'system', content: systemTexts.join('\n\n') }, ...messages] : messages;

  const body: Record<string, unknown> = {
    model: upstreamModelId(target),
    messages: all,
  };
  if (req.tools.length > 0) {
    body.tools = req.tools.map((t) => ({
      type: 'function',
      function: {
        name: t.name,
        ...(t.description !== undefined ? { description: t.description } : {}),
        parameters: t.parameters ?? { type: 'object', properties: {} },
        ...(t.strict !== undefined ? { strict: t.strict } : {}),
      },
    }));
    if (req.toolChoice !== undefined) {
      const tc = req.toolChoice;
      body.tool_choice =
        typeof tc === 'object'
          ? { type: 'function', function: { name: tc.name } }
          : tc === 'required'
            ? rules.requiredToolChoice
            : tc;
    }
    if (req.parallelToolCalls !== undefined && rules.parallelToolCalls) body.parallel_tool_calls = req.parallelToolCalls;
  }
  const maxTokens = maxOutputTokens(req, target);
  if (maxTokens !== undefined) body[opts.maxTokensField] = maxTokens;
  if (req.temperature !== undefined) body.temperature = req.temperature;
  if (req.topP !== undefined) body.top_p = req.topP;
  if (req.stop !== undefined && req.stop.length > 0) body.stop = req.stop;
  if (responseFormat) body.response_format = responseFormat;
  if (opts.forwardReasoningEffort && req.reasoningEffort !== undefined) body.reasoning_effort = req.reasoningEffort;
  if (opts.forwardUser && req.user !== undefined) body.user = req.user;
  if (opts.forwardPromptCacheKey && req.promptCacheKey !== undefined) body.prompt_cache_key = req.promptCacheKey;
  if (req.api === 'chat') Object.assign(body, passedFields(req, target, rules.fieldNames));
  if (req.stream) {
    body.stream = true;
    // Always ask for usage upstream: the router bills and reports it even when the client did not ask
    // (Mistral refuses the option and always sends usage on its last chunk).
    if (rules.streamOptions) body.stream_options = { include_usage: true };
  }
  return body;
}

function convertItems(items: readonly InputItem[], rules: DialectRules, systemTexts: string[], target: Target): ChatMessage[] {
  const out: ChatMessage[] = [];
  const mapId = (id: string): string => (rules.nineCharToolIds ? nineCharId(id) : id);
  const callNames = new Map<string, string>();
  // Reasoning from an earlier turn, waiting for the assistant message it belongs to.
  let pendingReasoning = '';
  const last = (): ChatMessage | undefined => out[out.length - 1];

  for (const item of items) {
    switch (item.type) {
      case 'message': {
        if (item.role === 'system' || item.role === 'developer') {
          const text = textOf(item.content);
          if (text !== '') systemTexts.push(text);
          break;
        }
        if (item.role === 'user') {
          if (rules.bridgeUserAfterTool && last()?.role === 'tool') out.push({ role: 'assistant', content: MISTRAL_BRIDGE_TEXT });
          out.push({ role: 'user', content: userContent(item.content, rules) });
          pendingReasoning = '';
          break;
        }
        // assistant
        const text = textOf(item.content);
        if (text === '') break;
        const msg: ChatMessage = { role: 'assistant', content: text };
        if (pendingReasoning) {
          msg.reasoning_content = pendingReasoning;
          pendingReasoning = '';
        }
        out.push(msg);
        break;
      }
      case 'function_call': {
        callNames.set(item.callId, item.name);
        const call: ChatToolCall = { id: mapId(item.callId), type: 'function', function: { name: item.name, arguments: item.arguments || '{}' } };
        const prev = last();
        if (prev && prev.role === 'assistant') {
          (prev.tool_calls ??= []).push(call);
          if (pendingReasoning) {
            prev.reasoning_content = (prev.reasoning_content ?? '') + pendingReasoning;
            pendingReasoning = '';
          }
        } else {
          const msg: ChatMessage = { role: 'assistant', content: null, tool_calls: [call] };
          if (pendingReasoning) {
            msg.reasoning_content = pendingReasoning;
            pendingReasoning = '';
          }
          out.push(msg);
        }
        break;
      }
      case 'function_call_output': {
        const name = callNames.get(item.callId);
        out.push({
          role: 'tool',
          tool_call_id: mapId(item.callId),
          content: item.output,
          ...(rules.toolMessageName && name !== undefined ? { name } : {}),
        });
        pendingReasoning = '';
        break;
      }
      case 'reasoning': {
        // Replayed only to the provider that produced it (docs/providers.md#state).
        if (rules.replayReasoningContent && item.text && (item.provider === target.provider.name || item.provider === 'deepseek')) {
          pendingReasoning += item.text;
        }
        break;
      }
    }
  }
  // DeepSeek wants reasoning_content back only on tool-call turns; elsewhere it is ignored, so keep the body lean.
  for (const m of out) {
    if (m.role === 'assistant' && m.reasoning_content !== undefined && !m.tool_calls) delete m.reasoning_content;
  }
  return out;
}

function textOf(content: readonly ContentPart[]): string {
  const texts: string[] = [];
  for (const p of content) {
    if (p.type === 'text') texts.push(p.text);
    else if (p.type === 'refusal') texts.push(p.refusal);
  }
  return texts.join('\n');
}

function userContent(content: readonly ContentPart[], rules: DialectRules): string | ChatPart[] {
  // Routing keeps documents away from Chat-wire hosts (the `document` request field); this is the backstop.
  if (content.some((p) => p.type === 'document')) throw new Error(`The ${rules.name} chat API cannot read documents; route the request to an Anthropic, OpenAI or Gemini provider.`);
  const hasImage = content.some((p) => p.type === 'image');
  if (!hasImage) return textOf(content);
  if (!rules.images) {
    throw new Error(`The ${rules.name} chat API accepts text only; this request contains an image. Route it to a vision-capable model.`);
  }
  const parts: ChatPart[] = [];
  for (const p of content) {
    if (p.type === 'text') parts.push({ type: 'text', text: p.text });
    else if (p.type === 'refusal') parts.push({ type: 'text', text: p.refusal });
    else if (p.type === 'image') parts.push({ type: 'image_url', image_url: { url: p.url, ...(p.detail !== undefined ? { detail: p.detail } : {}) } });
  }
  return parts;
}

function schemaInstruction(format: Extract<TextFormat, { type: 'json_schema' }>): string {
  const about = format.description ? ` (${format.description})` : '';
  return (
    `Respond with a single valid json object only, no code fences or other text. ` +
    `It must conform to this JSON Schema named "${format.name}"${about}:\n${JSON.stringify(format.schema)}`
  );
}

function mentionsJson(systemTexts: readonly string[], messages: readonly ChatMessage[]): boolean {
  if (systemTexts.some((t) => /json/i.test(t))) return true;
  return messages.some((m) => {
    if (typeof m.content === 'string') return /json/i.test(m.content);
    if (Array.isArray(m.content)) return m.content.some((p) => p.type === 'text' && /json/i.test(p.text));
    return false;
  });
}
