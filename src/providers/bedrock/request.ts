// CanonicalRequest → Bedrock Runtime Converse / ConverseStream request (docs/providers.md#bedrock).
// Pure translation, unsigned: sign.ts adds the SigV4 headers just before the call.
// Converse is one shape for every model family on Bedrock: system blocks, alternating
// user/assistant messages of content blocks, inferenceConfig, toolConfig; what a family
// takes beyond that (Anthropic's `thinking`) goes in additionalModelRequestFields.
import type { CanonicalRequest, ContentPart, FunctionTool, InputItem } from '../../canonical/types.js';
import type { ModelSpec, ProviderSpec } from '../../policy/types.js';
import { JSON_OBJECT_INSTRUCTION } from '../anthropic/request.js';
import { stateReplaysAt } from '../reasoning-state.js';
import { providerHeaderTemplate, requestHeaders } from '../shared/headers.js';
import type { Target, UpstreamRequest } from '../types.js';
import { argumentsObject, partsText } from '../shared/arguments.js';

type Block = Record<string, unknown>;
interface Message {
  role: 'user' | 'assistant';
  content: Block[];
}

const IMAGE_FORMATS: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpeg', 'image/jpg': 'jpeg', 'image/gif': 'gif', 'image/webp': 'webp' };
const DOCUMENT_FORMATS: Record<string, string> = {
  'application/pdf': 'pdf',
  'text/csv': 'csv',
  'application/msword': 'doc',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.ms-excel': 'xls',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'text/html': 'html',
  'text/plain': 'txt',
  'text/markdown': 'md',
};
const MIN_THINKING_BUDGET = 1024;
const THINKING_BUDGET: Record<NonNullable<CanonicalRequest['reasoningEffort']>, number> = { minimal: 1024, low: 2048, medium: 4096, high: 8192 };
const DEFAULT_MAX_TOKENS = 4096;

/** The regional endpoint, unless the policy overrides it (a VPC endpoint, a simulator). */
export function bedrockBase(provider: Readonly<ProviderSpec>): string {
  if (provider.baseUrl) return provider.baseUrl.replace(/\/+$/, '');
  return `https://bedrock-runtime.${provider.region ?? 'us-east-1'}.amazonaws.com`;
}

export function buildBedrockRequest(req: CanonicalRequest, target: Target): UpstreamRequest {
  const { provider, model } = target;
  const modelId = model.upstreamModel ?? model.name;
  const system: Block[] = [];
  if (req.instructions && req.instructions.trim() !== '') system.push({ text: req.instructions });
  for (const item of req.items) {
    if (item.type === 'message' && (item.role === 'system' || item.role === 'developer')) {
      const text = partsText(item.content);
      if (text.trim() !== '') system.push({ text });
    }
  }
  // Converse has no response-format field: structured output is asked for in the system prompt.
  const format = req.textFormat;
  if (format?.type === 'json_object') system.push({ text: JSON_OBJECT_INSTRUCTION });
  else if (format?.type === 'json_schema') system.push({ text: `${JSON_OBJECT_INSTRUCTION} The object must conform to this JSON Schema:\n${JSON.stringify(format.schema)}` });

  const messages = buildMessages(req.items, provider);
  const body: Record<string, unknown> = { messages };
  if (system.length > 0) body.system = system;

  const inference: Record<string, unknown> = {};
  const maxTokens = req.maxOutputTokens ?? model.maxOutputTokens ?? DEFAULT_MAX_TOKENS;
  inference.maxTokens = maxTokens;
  const additional: Record<string, unknown> = {};
  const budget = thinkingBudget(req, model, modelId, maxTokens);
  if (budget !== undefined) {
    // Anthropic on Bedrock: extended thinking fixes temperature at 1, so neither sampling knob is sent.
    additional.thinking = { type: 'enabled', budget_tokens: budget };
  } else {
    if (req.temperature !== undefined && Number.isFinite(req.temperature)) inference.temperature = req.temperature;
    if (req.topP !== undefined && Number.isFinite(req.topP)) inference.topP = req.topP;
  }
  const stops = (req.stop ?? []).filter((s) => typeof s === 'string' && s.trim() !== '');
  if (stops.length > 0) inference.stopSequences = stops;
  body.inferenceConfig = inference;

  // A history with toolUse/toolResult blocks needs toolConfig even when the caller says "none".
  if (req.tools.length > 0) {
    const toolConfig: Record<string, unknown> = { tools: req.tools.map(toolSpec) };
    const choice = req.toolChoice;
    if (choice === 'required') toolConfig.toolChoice = { any: {} };
    else if (choice && typeof choice === 'object') toolConfig.toolChoice = { tool: { name: choice.name } };
    else if (choice === 'auto') toolConfig.toolChoice = { auto: {} };
    body.toolConfig = toolConfig;
  }
  for (const f of req.fields ?? []) if (f.passedTo.includes('bedrock')) additional[f.name] = f.value;
  if (Object.keys(additional).length > 0) body.additionalModelRequestFields = additional;

  const headers = requestHeaders(providerHeaderTemplate(provider), {
    'content-type': 'application/json',
    accept: req.stream ? 'application/vnd.amazon.eventstream' : 'application/json',
  });
  return {
    url: `${bedrockBase(provider)}/model/${encodeURIComponent(modelId)}/${req.stream ? 'converse-stream' : 'converse'}`,
    method: 'POST',
    headers,
    body: JSON.stringify(body),
    stream: req.stream,
  };
}

function buildMessages(items: readonly InputItem[], provider: Readonly<ProviderSpec>): Message[] {
  const out: Message[] = [];
  const push = (role: Message['role'], blocks: Block[], first = false): void => {
    if (blocks.length === 0) return;
    const last = out[out.length - 1];
    // Converse wants alternating roles: consecutive same-role items share one message.
    if (last && last.role === role) last.content = first ? [...blocks, ...last.content] : [...last.content, ...blocks];
    else out.push({ role, content: blocks });
  };
  let pendingReasoning: Block[] = [];
  for (const item of items) {
    switch (item.type) {
      case 'message':
        if (item.role === 'system' || item.role === 'developer') break;
        if (item.role === 'user') push('user', item.content.map(userBlock).filter((b): b is Block => b !== undefined));
        else {
          push('assistant', [...pendingReasoning, ...item.content.flatMap((p) => (p.type === 'text' && p.text !== '' ? [{ text: p.text }] : p.type === 'refusal' && p.refusal !== '' ? [{ text: p.refusal }] : []))]);
          pendingReasoning = [];
        }
        break;
      case 'function_call':
        push('assistant', [...pendingReasoning, { toolUse: { toolUseId: item.callId, name: item.name, input: argumentsObject(item.arguments) } }]);
        pendingReasoning = [];
        break;
      case 'function_call_output': {
        const content: Block[] = [];
        if (item.output !== '') content.push({ text: item.output });
        for (const img of item.images ?? []) content.push(imageBlock(img.url));
        if (content.length === 0) content.push({ text: '' });
        push('user', [{ toolResult: { toolUseId: item.callId, content, ...(item.isError ? { status: 'error' } : {}) } }]);
        break;
      }
      case 'reasoning':
        // Reasoning signatures validate only where they were issued (reasoning-state.ts).
        if (!stateReplaysAt(item.provider, provider)) break;
        if (item.redacted) pendingReasoning.push({ reasoningContent: { redactedContent: item.redacted } });
        else if (item.signature) pendingReasoning.push({ reasoningContent: { reasoningText: { text: item.text, signature: item.signature } } });
        break;
    }
  }
  return out;
}

function userBlock(p: ContentPart): Block | undefined {
  if (p.type === 'text') return p.text !== '' ? { text: p.text } : undefined;
  if (p.type === 'refusal') return p.refusal !== '' ? { text: p.refusal } : undefined;
  if (p.type === 'image') return imageBlock(p.url);
  return documentBlock(p);
}

/** Converse takes image bytes (base64 in JSON), not URLs: an http(s) image cannot be expressed. */
function imageBlock(url: string): Block {
  const m = /^data:([^;,]+)((?:;[^;,]+)*),(.*)$/s.exec(url);
  if (!m) throw new Error('Bedrock takes images only as base64 data URLs.');
  const format = IMAGE_FORMATS[m[1]!.trim().toLowerCase()];
  if (!format) throw new Error(`Bedrock supports only PNG, JPEG, GIF and WebP images; got "${m[1]}".`);
  if (!m[2]!.split(';').some((x) => x.trim().toLowerCase() === 'base64')) throw new Error('Image data URLs must be base64-encoded.');
  return { image: { format, source: { bytes: m[3]!.replace(/\s+/g, '') } } };
}

function documentBlock(p: Extract<ContentPart, { type: 'document' }>): Block {
  // Bedrock document names allow letters, digits, spaces, hyphens, parentheses and brackets only.
  const name = (p.title ?? 'document').replace(/[^A-Za-z0-9 ()[\]-]+/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200) || 'document';
  if (p.text !== undefined) return { document: { format: 'txt', name, source: { bytes: Buffer.from(p.text, 'utf8').toString('base64') } } };
  const m = /^data:([^;,]+);base64,(.*)$/s.exec(p.url ?? '');
  if (!m) throw new Error('Bedrock takes documents only as base64 data URLs or text.');
  const format = DOCUMENT_FORMATS[m[1]!.toLowerCase()];
  if (!format) throw new Error(`Bedrock does not take "${m[1]}" documents.`);
  return { document: { format, name, source: { bytes: m[2]!.replace(/\s+/g, '') } } };
}

function toolSpec(t: FunctionTool): Block {
  return {
    toolSpec: {
      name: t.name,
      ...(t.description ? { description: t.description } : {}),
      inputSchema: { json: t.parameters ?? { type: 'object', properties: {} } },
    },
  };
}



/** Extended thinking: Anthropic models on Bedrock only, and only when it can work (as the Anthropic adapter decides). */
function thinkingBudget(req: CanonicalRequest, model: Readonly<ModelSpec>, modelId: string, maxTokens: number): number | undefined {
  if (!req.reasoningEffort || !model.capabilities.includes('reasoning') || !/(^|\.)anthropic\./.test(modelId)) return undefined;
  if (req.tools.length > 0 && (req.toolChoice === 'required' || typeof req.toolChoice === 'object')) return undefined;
  const budget = req.thinkingBudgetTokens ?? Math.min(THINKING_BUDGET[req.reasoningEffort], maxTokens - MIN_THINKING_BUDGET);
  return budget >= MIN_THINKING_BUDGET ? budget : undefined;
}
