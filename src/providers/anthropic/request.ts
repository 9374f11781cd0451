// CanonicalRequest → Anthropic Messages request (docs/providers.md#request, #anthropic).
// Pure translation: system/developer messages are hoisted into `system`,
// history items become alternating user/assistant turns (tool_result blocks
// first in the user turn that follows the tool_use turn), and every parameter
// Anthropic does not have (metadata, seed, penalties…) is dropped.
import type { CacheControl, CanonicalRequest, ContentPart, FunctionTool, InputItem, TextFormat, ToolChoice } from '../../canonical/types.js';
import type { ModelSpec } from '../../policy/types.js';
import { providerHeaderTemplate, requestHeaders } from '../shared/headers.js';
import { safeToolId } from '../shared/ids.js';
import { anthropicBreakpoints } from '../prompt-cache.js';
import type { Target, UpstreamRequest } from '../types.js';
import { addCacheBreakpoints } from './cache.js';
import { stateReplaysAt } from '../reasoning-state.js';
import { argumentsObject, partsText } from '../shared/arguments.js';

export const ANTHROPIC_VERSION = '2023-06-01';
const DEFAULT_MAX_TOKENS = 4096;
const MAX_DEFAULT_MAX_TOKENS = 8192;
const MIN_THINKING_BUDGET = 1024;
const THINKING_BUDGET: Record<NonNullable<CanonicalRequest['reasoningEffort']>, number> = {
  minimal: 1024,
  low: 2048,
  medium: 4096,
  high: 8192,
};
const IMAGE_MEDIA_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

export const JSON_OBJECT_INSTRUCTION =
  'Respond with a single valid JSON object only: no prose before or after it and no Markdown code fences.';

type Block = Record<string, unknown>;

interface Turn {
  role: 'user' | 'assistant';
  /** user turns: tool_result blocks, which must come first. */
  results: Block[];
  /** assistant turns: replayed thinking blocks, which must come first. */
  thinking: Block[];
  content: Block[];
}

export interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: Block[];
}

export function buildAnthropicRequest(req: CanonicalRequest, target: Target): UpstreamRequest {
  const { provider, model } = target;
  // One system block per source; a block keeps the client's cache mark when a part of its message had one.
  const system: Block[] = [];
  if (req.instructions && req.instructions.trim() !== '') system.push({ type: 'text', text: req.instructions });
  for (const item of req.items) {
    if (item.type === 'message' && (item.role === 'system' || item.role === 'developer')) {
      const text = partsText(item.content);
      const marked = item.content.find((p): p is Exclude<ContentPart, { type: 'refusal' }> => p.type !== 'refusal' && p.cacheControl !== undefined);
      if (text.trim() !== '') system.push({ type: 'text', text, ...cacheControlBlock(marked) });
    }
  }

  const messages = buildMessages(req.items, provider.name, provider.type);
  const maxTokens = req.maxOutputTokens ?? Math.min(model.maxOutputTokens ?? DEFAULT_MAX_TOKENS, MAX_DEFAULT_MAX_TOKENS);

  const body: Record<string, unknown> = {
    model: model.upstreamModel ?? model.name,
    max_tokens: maxTokens,
  };

  const format = formatInstruction(req.textFormat, model);
  if (format.instruction) system.push({ type: 'text', text: format.instruction });
  // A plain string unless the client marked a system part (blocks are needed to carry a mark) or
  // spoke Messages itself (its system blocks go back one for one).
  if (system.length > 0) body.system = req.api === 'messages' || system.some((b) => b.cache_control) ? system : system.map((b) => b.text).join('\n\n');
  body.messages = messages;

  if (req.tools.length > 0) {
    body.tools = req.tools.map(mapTool);
    const choice = mapToolChoice(req.toolChoice, req.parallelToolCalls);
    if (choice) body.tool_choice = choice;
  }

  const thinkingBudget = thinkingBudgetFor(req, model, maxTokens, messages);
  if (req.api === 'messages' && thinkingBudget !== undefined) {
    // A Messages client chose its own sampling and thinking: both go as sent (Anthropic answers for the mix).
    body.thinking = req.thinkingAdaptive ? { type: 'adaptive' } : { type: 'enabled', budget_tokens: thinkingBudget };
    if (req.temperature !== undefined) body.temperature = req.temperature;
    if (req.topP !== undefined) body.top_p = req.topP;
  } else if (req.api === 'messages') {
    if (req.temperature !== undefined) body.temperature = req.temperature;
    if (req.topP !== undefined) body.top_p = req.topP;
  } else if (thinkingBudget !== undefined) {
    // Thinking fixes temperature at 1 and only tolerates a narrow top_p: send neither.
    body.thinking = { type: 'enabled', budget_tokens: thinkingBudget };
  } else if (req.temperature !== undefined && Number.isFinite(req.temperature)) {
    // Anthropic's range is 0–1; recent models refuse temperature together with top_p.
    body.temperature = Math.min(1, Math.max(0, req.temperature));
  } else if (req.topP !== undefined && Number.isFinite(req.topP)) {
    body.top_p = req.topP;
  }

  // Anthropic rejects whitespace-only stop sequences.
  const stops = (req.stop ?? []).filter((s) => typeof s === 'string' && s.trim() !== '');
  if (stops.length > 0) body.stop_sequences = stops;

  // Request fields only some provider types take (top_k), forwarded verbatim where Anthropic is listed.
  for (const f of req.fields ?? []) if (f.passedTo.includes('anthropic')) body[f.name] = f.value;
  // Messages metadata.user_id is the canonical user; other dialects do not fill it (docs/clients/field-policy.md).
  if (req.api === 'messages' && req.user !== undefined) body.metadata = { user_id: req.user };

  if (format.outputConfig) body.output_config = format.outputConfig;
  if (req.stream) body.stream = true;
  // prompt_cache_key has no Anthropic field: it maps to breakpoints on the stable prefix.
  if (anthropicBreakpoints(req, model)) addCacheBreakpoints(body);

  // Configuration may pin its own anthropic-version; never the key or content-type (shared/headers.ts).
  const headers = requestHeaders(
    providerHeaderTemplate(provider),
    { 'content-type': 'application/json', 'x-api-key': target.apiKey },
    // The client's own anthropic-version / anthropic-beta (Messages front door) as sent; configuration may pin them.
    { 'anthropic-version': req.anthropic?.version ?? ANTHROPIC_VERSION, ...(req.anthropic?.beta ? { 'anthropic-beta': req.anthropic.beta } : {}) },
  );

  return {
    url: `${provider.baseUrl.replace(/\/+$/, '')}/messages`,
    method: 'POST',
    headers,
    body: JSON.stringify(body),
    stream: req.stream,
  };
}

/** History items → alternating Anthropic turns (consecutive same-role turns merged). */
export function buildMessages(items: readonly InputItem[], providerName = 'anthropic', providerType = 'anthropic'): AnthropicMessage[] {
  const turns: Turn[] = [];
  const turn = (role: Turn['role']): Turn => {
    const last = turns[turns.length - 1];
    if (last && last.role === role) return last;
    const t: Turn = { role, results: [], thinking: [], content: [] };
    turns.push(t);
    return t;
  };

  for (const item of items) {
    switch (item.type) {
      case 'message': {
        if (item.role === 'system' || item.role === 'developer') break; // hoisted into `system`
        const blocks = item.role === 'user' ? userBlocks(item.content) : assistantBlocks(item.content);
        if (blocks.length > 0) turn(item.role).content.push(...blocks);
        break;
      }
      case 'function_call':
        turn('assistant').content.push({
          type: 'tool_use',
          id: safeToolId(item.callId),
          name: item.name,
          input: argumentsObject(item.arguments),
          ...cacheControlBlock(item),
        });
        break;
      case 'function_call_output': {
        const block: Block = { type: 'tool_result', tool_use_id: safeToolId(item.callId) };
        if (item.images?.length) {
          // The tool's text first, then its images (the client's order within the result is not kept).
          block.content = [...(item.output !== '' ? [{ type: 'text', text: item.output }] : []), ...item.images.map((img) => imageBlock(img.url))];
        } else if (item.output !== '') block.content = item.output;
        if (item.isError) block.is_error = true;
        Object.assign(block, cacheControlBlock(item));
        turn('user').results.push(block);
        break;
      }
      case 'reasoning':
        // Signatures only validate at the provider that issued them; anything else is dropped.
        if (!stateReplaysAt(item.provider, { name: providerName, type: providerType })) break;
        if (item.redacted) turn('assistant').thinking.push({ type: 'redacted_thinking', data: item.redacted });
        else if (item.signature) turn('assistant').thinking.push({ type: 'thinking', thinking: item.text, signature: item.signature });
        break;
    }
  }

  const out: AnthropicMessage[] = [];
  for (const t of turns) {
    const content = t.role === 'user' ? [...t.results, ...t.content] : [...t.thinking, ...t.content];
    // A turn holding nothing but replayed thinking is not a valid assistant message.
    if (t.role === 'assistant' && t.content.length === 0) continue;
    if (content.length === 0) continue;
    const prev = out[out.length - 1];
    if (prev && prev.role === t.role) {
      // Dropping a turn can make two same-role turns adjacent: keep the ordering rules.
      prev.content = mergeSameRole(t.role, prev.content, content);
    } else {
      out.push({ role: t.role, content });
    }
  }
  return out;
}

function mergeSameRole(role: Turn['role'], a: Block[], b: Block[]): Block[] {
  const all = [...a, ...b];
  const firstKind = role === 'user' ? 'tool_result' : 'thinking';
  return [...all.filter((x) => x.type === firstKind), ...all.filter((x) => x.type !== firstKind)];
}

function userBlocks(parts: readonly ContentPart[]): Block[] {
  const blocks: Block[] = [];
  for (const p of parts) {
    if (p.type === 'text') {
      if (p.text !== '') blocks.push({ type: 'text', text: p.text, ...cacheControlBlock(p) });
    } else if (p.type === 'refusal') {
      if (p.refusal !== '') blocks.push({ type: 'text', text: p.refusal });
    } else if (p.type === 'document') {
      blocks.push({ ...documentBlock(p), ...cacheControlBlock(p) });
    } else {
      blocks.push({ ...imageBlock(p.url), ...cacheControlBlock(p) });
    }
  }
  return blocks;
}

function assistantBlocks(parts: readonly ContentPart[]): Block[] {
  const blocks: Block[] = [];
  for (const p of parts) {
    // Anthropic rejects empty text blocks; assistant turns carry no images.
    if (p.type === 'text' && p.text !== '') blocks.push({ type: 'text', text: p.text, ...cacheControlBlock(p) });
    else if (p.type === 'refusal' && p.refusal !== '') blocks.push({ type: 'text', text: p.refusal });
  }
  return blocks;
}

function imageBlock(url: string): Block {
  if (url.startsWith('data:')) {
    const m = /^data:([^;,]+)((?:;[^;,]+)*),(.*)$/s.exec(url);
    if (!m) throw new Error('Invalid image data URL.');
    let mediaType = m[1]!.trim().toLowerCase();
    if (mediaType === 'image/jpg') mediaType = 'image/jpeg';
    const isBase64 = m[2]!.split(';').some((param) => param.trim().toLowerCase() === 'base64');
    if (!IMAGE_MEDIA_TYPES.has(mediaType)) {
      throw new Error(`Anthropic supports only JPEG, PNG, GIF and WebP images; got "${mediaType}".`);
    }
    if (!isBase64) throw new Error('Image data URLs must be base64-encoded.');
    return { type: 'image', source: { type: 'base64', media_type: mediaType, data: m[3]!.replace(/\s+/g, '') } };
  }
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  throw new Error('Images must be given as an https URL or a base64 data URL.');
}

/** A canonical document as Anthropic's document block: base64 PDF, URL or plain text, with title/context/citations as sent. */
function documentBlock(p: Extract<ContentPart, { type: 'document' }>): Block {
  let source: Block;
  if (p.text !== undefined) source = { type: 'text', media_type: 'text/plain', data: p.text };
  else {
    const url = p.url ?? '';
    const m = /^data:([^;,]+);base64,(.*)$/s.exec(url);
    if (m) source = { type: 'base64', media_type: m[1]!.toLowerCase(), data: m[2]!.replace(/\s+/g, '') };
    else if (/^https?:\/\//i.test(url)) source = { type: 'url', url };
    else throw new Error('Documents must be given as an https URL, a base64 data URL or text.');
  }
  return {
    type: 'document',
    source,
    ...(p.title !== undefined ? { title: p.title } : {}),
    ...(p.context !== undefined ? { context: p.context } : {}),
    ...(p.citations !== undefined ? { citations: { enabled: p.citations } } : {}),
  };
}



function mapTool(t: FunctionTool): Block {
  return {
    name: t.name,
    ...(t.description !== undefined && t.description !== '' ? { description: t.description } : {}),
    input_schema: t.parameters ?? { type: 'object', properties: {} },
    ...cacheControlBlock(t),
  };
}

/** The client's own cache mark, passed through in Anthropic's spelling (src/api/cache-control.ts). */
function cacheControlBlock(x: { cacheControl?: CacheControl } | undefined): { cache_control?: Block } {
  if (!x?.cacheControl) return {};
  return { cache_control: { type: 'ephemeral', ...(x.cacheControl.ttl ? { ttl: x.cacheControl.ttl } : {}) } };
}

function mapToolChoice(choice: ToolChoice | undefined, parallel: boolean | undefined): Block | undefined {
  const noParallel = parallel === false ? { disable_parallel_tool_use: true } : {};
  if (choice === undefined) return parallel === false ? { type: 'auto', ...noParallel } : undefined;
  if (choice === 'none') return { type: 'none' };
  if (choice === 'auto') return { type: 'auto', ...noParallel };
  if (choice === 'required') return { type: 'any', ...noParallel };
  return { type: 'tool', name: choice.name, ...noParallel };
}

function formatInstruction(
  format: TextFormat | undefined,
  model: Readonly<ModelSpec>,
): { instruction?: string; outputConfig?: Record<string, unknown> } {
  if (!format || format.type === 'text') return {};
  if (format.type === 'json_object') return { instruction: JSON_OBJECT_INSTRUCTION };
  if (model.capabilities.includes('json_schema')) {
    return { outputConfig: { format: { type: 'json_schema', schema: format.schema } } };
  }
  // Models without native structured outputs: ask for it in the system prompt.
  return {
    instruction: `${JSON_OBJECT_INSTRUCTION} The object must conform to this JSON Schema:\n${JSON.stringify(format.schema)}`,
  };
}

/**
 * Extended thinking for reasoning-capable models when the caller asked for a
 * reasoning effort. Skipped when it cannot work: a forced tool choice, too few
 * output tokens for the 1024-token minimum budget, or a pending tool loop whose
 * assistant turn has no thinking block to continue from.
 */
function thinkingBudgetFor(
  req: CanonicalRequest,
  model: Readonly<ModelSpec>,
  maxTokens: number,
  messages: readonly AnthropicMessage[],
): number | undefined {
  if (!req.reasoningEffort || !model.capabilities.includes('reasoning')) return undefined;
  if (req.tools.length > 0 && (req.toolChoice === 'required' || typeof req.toolChoice === 'object')) return undefined;
  // An exact budget (Messages thinking.budget_tokens) goes as the client sent it; the normalizer checked it against max_tokens.
  const budget = req.thinkingBudgetTokens ?? Math.min(THINKING_BUDGET[req.reasoningEffort], maxTokens - MIN_THINKING_BUDGET);
  if (budget < MIN_THINKING_BUDGET) return undefined;
  const lastAssistant = [...messages].reverse().find((m) => m.role === 'assistant');
  if (lastAssistant && lastAssistant.content.some((b) => b.type === 'tool_use') && lastAssistant.content[0]?.type !== 'thinking') {
    return undefined;
  }
  return budget;
}
