// Anthropic Messages API (POST /anthropic/v1/messages): request reading and
// validation, the Message object, and the message_start … message_stop stream.
//
// Extended thinking (`thinking: {type: "enabled", budget_tokens}`): the answer starts with a
// `thinking` block carrying a signature the simulator issued for that text (reasoning.ts), plus a
// `redacted_thinking` block when the prompt holds Anthropic's redacted-thinking test trigger.
// Streamed as Anthropic does: thinking_delta pieces, then one signature_delta. On input, every
// thinking / redacted_thinking block must carry state this simulator issued, and with thinking
// enabled the assistant turn of a pending tool loop must start with one (400 otherwise).

import { IN_BAND, inBandPayload, nativeError, type NativeError } from './errors.js';
import { emptyConversation, outputText, type Answer, type Conversation, type OutputFormat, type ToolChoice } from './plan.js';
import { isObject, type ProtocolContext, type WireProtocol } from './protocol.js';
import { redactedData, REDACTED_THINKING_TRIGGER, reasoningText, thinkingSignature, validRedactedData, validThinkingSignature } from './reasoning.js';
import { argumentChunks, countWords, textChunks } from './text.js';
import { sseEvent, withTokens, type Frame, type StreamPlan } from './wire.js';

function blocks(content: unknown): any[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return Array.isArray(content) ? content.filter(isObject) : [];
}

function parse(ctx: ProtocolContext): Conversation {
  const body = ctx.body;
  const conv = emptyConversation();
  for (const b of blocks(body.system)) {
    if (typeof b.text !== 'string') continue;
    conv.inputTexts.push(b.text);
    conv.systemTexts.push(b.text);
  }
  const messages: any[] = Array.isArray(body.messages) ? body.messages.filter(isObject) : [];
  for (const [mi, m] of messages.entries()) {
    const texts: string[] = [];
    let images = 0;
    let lastBlockIsResult = false;
    let lastResult = '';
    for (const b of blocks(m.content)) {
      lastBlockIsResult = false;
      if (b.type === 'text' && typeof b.text === 'string') texts.push(b.text);
      else if (b.type === 'image') images += 1;
      else if (b.type === 'tool_use') conv.inputTexts.push(JSON.stringify(b.input ?? {}));
      else if (b.type === 'tool_result') {
        conv.hasToolResult = true;
        lastBlockIsResult = true;
        lastResult = outputText(b.content);
        conv.inputTexts.push(lastResult);
      }
    }
    conv.inputTexts.push(...texts);
    if (m.role === 'user' && (texts.length > 0 || images > 0)) {
      conv.lastUserText = texts.join(' ');
      conv.lastUserImages = images;
    }
    if (mi === messages.length - 1 && m.role === 'user' && lastBlockIsResult) conv.lastToolOutput = lastResult;
  }
  if (Array.isArray(body.tools)) {
    for (const t of body.tools) {
      // Custom tools have no type (or "custom"); server tools (web_search_…) are skipped.
      if (isObject(t) && typeof t.name === 'string' && (t.type === undefined || t.type === 'custom')) conv.tools.push({ name: t.name, schema: t.input_schema ?? undefined });
    }
  }
  conv.toolChoice = toolChoice(body.tool_choice);
  conv.format = format(body.output_config?.format ?? body.output_format);
  if (typeof body.max_tokens === 'number') conv.maxOutputTokens = body.max_tokens;
  return conv;
}

function toolChoice(tc: any): ToolChoice {
  if (!isObject(tc)) return { mode: 'auto' };
  if (tc.type === 'none') return { mode: 'none' };
  if (tc.type === 'any') return { mode: 'required' };
  if (tc.type === 'tool' && typeof tc.name === 'string') return { mode: 'forced', name: tc.name };
  return { mode: 'auto' };
}

function format(f: any): OutputFormat {
  if (isObject(f) && f.type === 'json_schema') return { type: 'json_schema', schema: f.schema };
  return { type: 'text' };
}

const bad = (message: string): NativeError => nativeError('anthropic', 400, message);

function validate(ctx: ProtocolContext): NativeError | undefined {
  const body = ctx.body;
  if (!ctx.headers['anthropic-version']) return bad('anthropic-version: header is required');
  if (typeof body.model !== 'string' || !body.model) return bad('model: Field required');
  if (typeof body.max_tokens !== 'number') return bad('max_tokens: Field required');
  if (!Array.isArray(body.messages)) return bad('messages: Field required');
  if (body.messages.length === 0) return bad('messages: at least one message is required');
  if (typeof body.temperature === 'number' && (body.temperature < 0 || body.temperature > 1)) return bad('temperature: range: 0..1');
  const thinking = thinkingConfig(body);
  if (thinking.error) return bad(thinking.error);
  const messages: any[] = body.messages;
  const state = thinkingState(messages, thinking.enabled);
  if (state) return bad(state);
  for (const [i, m] of messages.entries()) {
    if (!isObject(m) || (m.role !== 'user' && m.role !== 'assistant')) return bad(`messages.${i}.role: Input should be 'user' or 'assistant'`);
    if (m.content === '' || (Array.isArray(m.content) && m.content.length === 0 && i !== messages.length - 1)) {
      return bad(`messages.${i}: all messages must have non-empty content except for the optional final assistant message`);
    }
    for (const [j, b] of blocks(m.content).entries()) {
      if (b.type === 'text' && Array.isArray(m.content) && b.text === '') return bad('messages: text content blocks must be non-empty');
      if (b.type === 'tool_use' && (typeof b.id !== 'string' || !/^[a-zA-Z0-9_-]+$/.test(b.id))) {
        return bad(`messages.${i}.content.${j}.tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'`);
      }
    }
    const useIds = m.role === 'assistant' ? blocks(m.content).filter((b) => b.type === 'tool_use').map((b) => b.id) : [];
    const next = messages[i + 1];
    if (useIds.length > 0 && next !== undefined) {
      const results = new Set(blocks(next?.content).filter((b) => b.type === 'tool_result').map((b) => b.tool_use_id));
      const missing = useIds.filter((id) => !results.has(id));
      if (missing.length > 0) {
        return bad(
          `messages.${i + 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`,
        );
      }
    }
    if (m.role === 'user') {
      const prev = messages[i - 1];
      const prevUses = new Set(isObject(prev) && prev.role === 'assistant' ? blocks(prev.content).filter((b) => b.type === 'tool_use').map((b) => b.id) : []);
      for (const [j, b] of blocks(m.content).entries()) {
        if (b.type === 'tool_result' && !prevUses.has(b.tool_use_id)) {
          return bad(
            `messages.${i}.content.${j}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${String(b.tool_use_id)}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`,
          );
        }
      }
    }
  }
  return undefined;
}

const DOCS = 'https://docs.claude.com/en/docs/build-with-claude/extended-thinking';

function thinkingEnabled(body: any): boolean {
  return isObject(body.thinking) && body.thinking.type === 'enabled';
}

function thinkingConfig(body: any): { enabled: boolean; error?: string } {
  if (!thinkingEnabled(body)) return { enabled: false };
  const budget = body.thinking.budget_tokens;
  if (typeof budget !== 'number') return { enabled: true, error: 'thinking.enabled.budget_tokens: Field required' };
  if (budget < 1024) return { enabled: true, error: 'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024' };
  if (typeof body.max_tokens === 'number' && body.max_tokens <= budget) {
    return { enabled: true, error: `\`max_tokens\` must be greater than \`thinking.budget_tokens\`. Please consult our documentation at ${DOCS}#max-tokens-and-context-window-size` };
  }
  if (typeof body.temperature === 'number' && body.temperature !== 1) {
    return { enabled: true, error: `\`temperature\` may only be set to 1 when thinking is enabled or in interleaved thinking mode. Please consult our documentation at ${DOCS}#feature-compatibility` };
  }
  return { enabled: true };
}

/**
 * Thinking state on input: signatures and redacted data must be the simulator's own, and with
 * thinking enabled the last assistant message, when it holds the tool_use of a pending tool loop,
 * must start with a thinking block (Anthropic's wording, including its "preceeding").
 */
function thinkingState(messages: any[], enabled: boolean): string | undefined {
  for (const [i, m] of messages.entries()) {
    if (!isObject(m) || m.role !== 'assistant') continue;
    for (const [j, b] of blocks(m.content).entries()) {
      if (b.type === 'thinking') {
        if (typeof b.signature !== 'string') return `messages.${i}.content.${j}.thinking.signature: Field required`;
        if (!validThinkingSignature(b.thinking, b.signature)) return `messages.${i}.content.${j}: Invalid \`signature\` in \`thinking\` block`;
      } else if (b.type === 'redacted_thinking' && !validRedactedData(b.data)) {
        return `messages.${i}.content.${j}: Invalid \`data\` in \`redacted_thinking\` block`;
      }
    }
  }
  if (!enabled) return undefined;
  const last = messages.findLastIndex((m) => isObject(m) && m.role === 'assistant');
  if (last < 0) return undefined;
  const content = blocks(messages[last].content);
  const pending = content.some((b) => b.type === 'tool_use') && blocks(messages[last + 1]?.content).some((b) => b.type === 'tool_result');
  const first = content[0]?.type;
  if (!pending || first === 'thinking' || first === 'redacted_thinking') return undefined;
  return (
    `messages.${last}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${String(first)}\`. When \`thinking\` is enabled, a final \`assistant\` message ` +
    `must start with a thinking block (preceeding the lastmost set of \`tool_use\` and \`tool_result\` blocks). We recommend you include thinking blocks from previous turns. ` +
    `To avoid this requirement, disable \`thinking\`. Please consult our documentation at ${DOCS}`
  );
}

/** The thinking blocks that open the answer when thinking is enabled (redacted one on the test trigger). */
function thinkingBlocks(answer: Answer, ctx: ProtocolContext, msgId: string): any[] {
  if (!thinkingEnabled(ctx.body)) return [];
  const text = reasoningText(answer);
  const out: any[] = [{ type: 'thinking', thinking: text, signature: thinkingSignature(text) }];
  if (JSON.stringify(ctx.body.messages ?? []).includes(REDACTED_THINKING_TRIGGER)) out.push({ type: 'redacted_thinking', data: redactedData(msgId) });
  return out;
}

interface Ids {
  msg: string;
  tool: string;
}

function ids(ctx: ProtocolContext, answer: Answer): Ids {
  const c = ctx as ProtocolContext & { _ids?: Ids };
  if (!c._ids) c._ids = { msg: ctx.ids.next('msg_'), tool: answer.kind === 'tool' ? ctx.ids.next('toolu_') : '' };
  return c._ids;
}

function stopReason(answer: Answer): string {
  return answer.kind === 'tool' ? 'tool_use' : answer.truncated ? 'max_tokens' : 'end_turn';
}

/** Anthropic's input_tokens excludes cache reads and writes: the three add up to the prompt. */
function usage(answer: Answer, output: number): any {
  return {
    input_tokens: answer.inputTokens - answer.cachedTokens - answer.cacheWriteTokens,
    cache_creation_input_tokens: answer.cacheWriteTokens,
    cache_read_input_tokens: answer.cachedTokens,
    output_tokens: output,
    service_tier: 'standard',
  };
}

function render(answer: Answer, ctx: ProtocolContext): unknown {
  const i = ids(ctx, answer);
  return {
    id: i.msg,
    type: 'message',
    role: 'assistant',
    model: ctx.model,
    content: [
      ...thinkingBlocks(answer, ctx, i.msg),
      ...(answer.kind === 'tool' ? [{ type: 'tool_use', id: i.tool, name: answer.name, input: JSON.parse(answer.arguments) }] : [{ type: 'text', text: answer.text }]),
    ],
    stop_reason: stopReason(answer),
    stop_sequence: null,
    usage: usage(answer, answer.outputTokens),
  };
}

function stream(answer: Answer, ctx: ProtocolContext): StreamPlan {
  const i = ids(ctx, answer);
  const frames: Frame[] = [];
  const add = (type: string, data: any, tokens = 0): void => void frames.push(withTokens(sseEvent(type, { type, ...data }), tokens));
  add('message_start', {
    message: { id: i.msg, type: 'message', role: 'assistant', model: ctx.model, content: [], stop_reason: null, stop_sequence: null, usage: usage(answer, 1) },
  });
  let index = 0;
  for (const block of thinkingBlocks(answer, ctx, i.msg)) {
    if (block.type === 'redacted_thinking') {
      // Redacted thinking arrives whole in content_block_start.
      add('content_block_start', { index, content_block: block });
    } else {
      add('content_block_start', { index, content_block: { type: 'thinking', thinking: '', signature: '' } });
      for (const piece of textChunks(block.thinking)) add('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: piece } });
      add('content_block_delta', { index, delta: { type: 'signature_delta', signature: block.signature } });
    }
    add('content_block_stop', { index });
    index += 1;
  }
  if (answer.kind === 'tool') {
    add('content_block_start', { index, content_block: { type: 'tool_use', id: i.tool, name: answer.name, input: {} } });
    add('ping', {});
    add('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: '' } });
    for (const piece of argumentChunks(answer.arguments)) add('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } }, 1);
  } else {
    add('content_block_start', { index, content_block: { type: 'text', text: '' } });
    add('ping', {});
    for (const piece of textChunks(answer.text)) add('content_block_delta', { index, delta: { type: 'text_delta', text: piece } }, 1);
  }
  add('content_block_stop', { index });
  const u = usage(answer, answer.outputTokens);
  delete u.service_tier;
  add('message_delta', { delta: { stop_reason: stopReason(answer), stop_sequence: null }, usage: u });
  add('message_stop', {});
  return { frames, inBandError: (_sent, spec) => [sseEvent('error', spec ? inBandPayload('anthropic', spec) : IN_BAND.anthropic).text] };
}

export const anthropic: WireProtocol = { validate, parse, render, stream };

/**
 * POST /anthropic/v1/messages/count_tokens: `{input_tokens}` for a Messages body without
 * max_tokens. The count is the one a Messages call with this body reports as its input (words of
 * the same texts, plan.ts), so a test can compare the two. Validated first (countTokensInvalid);
 * scripted faults apply as on /messages (server.ts).
 */
export function countTokens(ctx: ProtocolContext): { input_tokens: number } {
  const conv = parse(ctx);
  return { input_tokens: Math.max(1, conv.inputTexts.reduce((n, t) => n + countWords(t), 0)) };
}

/** Anthropic's checks on a count_tokens body: anthropic-version, model and messages (max_tokens is not taken). */
export function countTokensInvalid(ctx: ProtocolContext): NativeError | undefined {
  const body = ctx.body;
  if (!ctx.headers['anthropic-version']) return bad('anthropic-version: header is required');
  if (typeof body.model !== 'string' || !body.model) return bad('model: Field required');
  if (!Array.isArray(body.messages)) return bad('messages: Field required');
  if (body.messages.length === 0) return bad('messages: at least one message is required');
  for (const [i, m] of (body.messages as unknown[]).entries()) {
    if (!isObject(m) || (m.role !== 'user' && m.role !== 'assistant')) return bad(`messages.${i}.role: Input should be 'user' or 'assistant'`);
  }
  return undefined;
}
