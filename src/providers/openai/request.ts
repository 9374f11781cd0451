// CanonicalRequest → OpenAI Responses request. The body is rebuilt from the
// canonical form (never the client's raw body): the router keeps conversation
// state itself, so `store:false` and no previous_response_id, and metadata /
// router fields are never forwarded.
import { documentFile } from '../shared/document.js';
import type { CanonicalRequest, ContentPart, InputItem } from '../../canonical/types.js';
import { jsonHeaders, joinUrl, maxOutputTokens, passedFields, upstreamModelId } from '../openai-compatible/request.js';
import type { Target, UpstreamRequest } from '../types.js';

export function buildResponsesRequest(req: CanonicalRequest, target: Target): UpstreamRequest {
  return {
    url: joinUrl(target.provider.baseUrl, '/responses'),
    method: 'POST',
    headers: jsonHeaders(target, req.stream),
    body: JSON.stringify(buildResponsesBody(req, target)),
    stream: req.stream,
  };
}

export function buildResponsesBody(req: CanonicalRequest, target: Target): Record<string, unknown> {
  const body: Record<string, unknown> = { model: upstreamModelId(target) };
  if (typeof req.instructions === 'string' && req.instructions !== '') body.instructions = req.instructions;
  body.input = req.items.flatMap((item) => inputItem(item, target.provider.name));
  if (req.tools.length > 0) {
    // FunctionTool requires `parameters` and `strict` (both nullable). null is "not set": a
    // caller who gave no `strict` keeps OpenAI's Responses default (strict when the schema allows
    // it, docs/clients/fixtures.md), which `false` or `true` would each change.
    body.tools = req.tools.map((t) => ({
      type: 'function',
      name: t.name,
      ...(t.description !== undefined ? { description: t.description } : {}),
      parameters: t.parameters ?? null,
      strict: t.strict ?? null,
    }));
    if (req.toolChoice !== undefined) {
      body.tool_choice = typeof req.toolChoice === 'object' ? { type: 'function', name: req.toolChoice.name } : req.toolChoice;
    }
    if (req.parallelToolCalls !== undefined) body.parallel_tool_calls = req.parallelToolCalls;
  }
  const f = req.textFormat;
  if (f && f.type !== 'text') {
    body.text = {
      format:
        f.type === 'json_schema'
          ? {
              type: 'json_schema',
              name: f.name,
              ...(f.description !== undefined ? { description: f.description } : {}),
              schema: f.schema,
              ...(f.strict !== undefined ? { strict: f.strict } : {}),
            }
          : { type: 'json_object' },
    };
  }
  const maxTokens = maxOutputTokens(req, target);
  if (maxTokens !== undefined) body.max_output_tokens = maxTokens;
  if (req.temperature !== undefined) body.temperature = req.temperature;
  if (req.topP !== undefined) body.top_p = req.topP;
  if (req.reasoningEffort !== undefined) body.reasoning = { effort: req.reasoningEffort };
  if (req.user !== undefined) body.user = req.user;
  if (req.promptCacheKey !== undefined) body.prompt_cache_key = req.promptCacheKey;
  Object.assign(body, passedFields(req, target));
  // The router never stores at OpenAI (store:false), so reasoning continues only through
  // encrypted_content: always ask for it from a reasoning model, whatever the client asked.
  if (req.reasoningEffort !== undefined || target.model.capabilities.includes('reasoning')) body.include = ['reasoning.encrypted_content'];
  body.stream = req.stream;
  body.store = false;
  return body;
}

function inputItem(item: InputItem, providerName: string): Record<string, unknown>[] {
  switch (item.type) {
    case 'message':
      if (item.role === 'assistant') {
        // An assistant turn goes back as an EasyInputMessage with string content: the input
        // content list allows input_* parts only, which OpenAI rejects for the assistant role,
        // and the output_text form (OutputMessage) needs the item id and status, which a
        // store:false conversation does not have.
        const content = assistantText(item.content);
        return content !== '' ? [{ type: 'message', role: 'assistant', content }] : [];
      }
      return [{ type: 'message', role: item.role, content: item.content.map(inputPart) }];
    case 'function_call':
      return [{ type: 'function_call', call_id: item.callId, name: item.name, arguments: item.arguments || '{}' }];
    case 'function_call_output':
      return [{ type: 'function_call_output', call_id: item.callId, output: item.output }];
    case 'reasoning': {
      // Replayed only with the state this provider issued (store:false needs encrypted_content and the item id).
      if (item.provider !== providerName || !item.signature) return [];
      const state = openaiReasoningState(item.signature);
      if (!state) return [];
      return [{ type: 'reasoning', id: state.id, summary: item.text ? [{ type: 'summary_text', text: item.text }] : [], encrypted_content: state.encrypted }];
    }
  }
}

/**
 * OpenAI's opaque reasoning state as one canonical signature string: the item id and its
 * encrypted_content (a store:false replay needs both), JSON so neither can be confused.
 */
export function openaiReasoningSignature(id: unknown, encrypted: unknown): string | undefined {
  if (typeof id !== 'string' || id === '' || typeof encrypted !== 'string' || encrypted === '') return undefined;
  return JSON.stringify({ id, encrypted_content: encrypted });
}

function openaiReasoningState(signature: string): { id: string; encrypted: string } | undefined {
  try {
    const v = JSON.parse(signature) as { id?: unknown; encrypted_content?: unknown };
    return typeof v.id === 'string' && typeof v.encrypted_content === 'string' ? { id: v.id, encrypted: v.encrypted_content } : undefined;
  } catch {
    return undefined;
  }
}

function inputPart(p: ContentPart): Record<string, unknown> {
  switch (p.type) {
    case 'text':
      return { type: 'input_text', text: p.text };
    case 'refusal':
      return { type: 'input_text', text: p.refusal };
    case 'image':
      return { type: 'input_image', image_url: p.url, detail: p.detail ?? 'auto' };
    case 'document':
      // A PDF as input_file (file_data data URL + filename, or file_url); a text document as text.
      return p.text !== undefined ? { type: 'input_text', text: p.text } : { type: 'input_file', ...documentFile(p.url ?? '', p.title) };
  }
}

/** The assistant's text and refusals, one part a line (as the Chat path sends them). */
function assistantText(content: readonly ContentPart[]): string {
  const texts: string[] = [];
  for (const p of content) {
    if (p.type === 'text' && p.text !== '') texts.push(p.text);
    else if (p.type === 'refusal' && p.refusal !== '') texts.push(p.refusal);
    // assistants do not send images
  }
  return texts.join('\n');
}
