// Protocol-neutral answer planning. Each protocol module reduces its request to
// a Conversation; planAnswer decides deterministically what the model "says".

import { countWords, exampleFromSchema, firstChars } from './text.js';

export interface SimTool {
  name: string;
  schema?: unknown;
}

export type ToolChoice = { mode: 'auto' } | { mode: 'none' } | { mode: 'required' } | { mode: 'forced'; name: string };

export type OutputFormat = { type: 'text' } | { type: 'json_schema'; schema: unknown } | { type: 'json_object' };

export interface Conversation {
  /** System prompt texts (instructions, system/developer messages, systemInstruction). */
  systemTexts: string[];
  /** Every input text (system, messages, tool outputs, call arguments): the input token count. */
  inputTexts: string[];
  /** Text of the last user message that has text or images. */
  lastUserText: string;
  lastUserImages: number;
  hasToolResult: boolean;
  /** The last input item is a tool result; its output as text. */
  lastToolOutput?: string;
  tools: SimTool[];
  toolChoice: ToolChoice;
  format: OutputFormat;
  maxOutputTokens?: number;
}

/** Input tokens the answer reports as cache reads / cache writes (both parts of inputTokens). */
export interface CacheCounts {
  cachedTokens: number;
  cacheWriteTokens: number;
}

export type Answer = CacheCounts &
  (
    | { kind: 'text'; text: string; truncated: boolean; inputTokens: number; outputTokens: number }
    | { kind: 'tool'; name: string; arguments: string; inputTokens: number; outputTokens: number }
  );

export function emptyConversation(): Conversation {
  return { systemTexts: [], inputTexts: [], lastUserText: '', lastUserImages: 0, hasToolResult: false, tools: [], toolChoice: { mode: 'auto' }, format: { type: 'text' } };
}

/**
 * - tools offered, no tool result anywhere yet and tool_choice not "none" → call the forced tool
 *   (or the first one) with arguments generated from its schema;
 * - else the last item is a tool result → "Tool result received: …";
 * - else "Hello from <label> model <model>. You said: … [I see N image(s).]";
 * - a json_schema format replaces the text with a document generated from the schema,
 *   json_object wraps it as {"answer": text};
 * - prompt-driven JSON (how routers emulate structured output where the provider has none):
 *   with json_object or no format, a JSON schema embedded in the system prompt is obeyed like
 *   json_schema; with no format, a system prompt mentioning "JSON" gets {"answer": text};
 * - max output tokens truncate text answers by words (truncated = true).
 */
export function planAnswer(label: string, model: string, conv: Conversation): Answer {
  const inputTokens = Math.max(1, conv.inputTexts.reduce((n, t) => n + countWords(t), 0));
  if (conv.tools.length > 0 && !conv.hasToolResult && conv.toolChoice.mode !== 'none') {
    const forced = conv.toolChoice.mode === 'forced' ? conv.toolChoice.name : undefined;
    const tool = (forced ? conv.tools.find((t) => t.name === forced) : undefined) ?? (forced ? { name: forced } : conv.tools[0]!);
    const args = JSON.stringify(tool.schema === undefined ? {} : exampleFromSchema(tool.schema));
    return { kind: 'tool', name: tool.name, arguments: args, inputTokens, outputTokens: Math.max(1, countWords(`${tool.name} ${args}`)), cachedTokens: 0, cacheWriteTokens: 0 };
  }
  let text =
    conv.lastToolOutput !== undefined
      ? `Tool result received: ${firstChars(conv.lastToolOutput, 60)}`
      : `Hello from ${label} model ${model}. You said: ${firstChars(conv.lastUserText, 60)}` +
        (conv.lastUserImages > 0 ? ` I see ${conv.lastUserImages} image(s).` : '');
  const format = effectiveFormat(conv);
  if (format.type === 'json_schema') text = JSON.stringify(exampleFromSchema(format.schema));
  else if (format.type === 'json_object') text = JSON.stringify({ answer: text });
  let truncated = false;
  const max = conv.maxOutputTokens;
  if (typeof max === 'number' && max >= 0 && countWords(text) > max) {
    const words = text.match(/\s*\S+/g) ?? [];
    text = words.slice(0, max).join('');
    truncated = true;
  }
  return { kind: 'text', text, truncated, inputTokens, outputTokens: countWords(text), cachedTokens: 0, cacheWriteTokens: 0 };
}

/**
 * The scripted cache counts (Behaviour.cachedInputTokens / cacheWriteTokens), capped so reads
 * plus writes never exceed the input: a provider's cache can only cover the prompt it was sent.
 */
export function withCache(answer: Answer, cached: number | undefined, writes: number | undefined): Answer {
  const read = Math.min(Math.max(0, Math.floor(cached ?? 0)), answer.inputTokens);
  const write = Math.min(Math.max(0, Math.floor(writes ?? 0)), answer.inputTokens - read);
  return { ...answer, cachedTokens: read, cacheWriteTokens: write };
}

/** Tool output (string, text parts, or an object) as text. */
export function outputText(output: unknown): string {
  if (typeof output === 'string') return output;
  if (Array.isArray(output)) {
    return output
      .map((p) => (typeof p === 'string' ? p : p && typeof p === 'object' && typeof (p as any).text === 'string' ? (p as any).text : ''))
      .filter(Boolean)
      .join(' ');
  }
  if (output === undefined || output === null) return '';
  return JSON.stringify(output);
}

function effectiveFormat(conv: Conversation): OutputFormat {
  if (conv.format.type === 'json_schema') return conv.format;
  const system = conv.systemTexts.join('\n');
  if (!/json/i.test(system)) return conv.format;
  const schema = embeddedSchema(system);
  if (schema !== undefined) return { type: 'json_schema', schema };
  return { type: 'json_object' };
}

/** The first balanced {...} in the text that parses as JSON and looks like a JSON schema. */
export function embeddedSchema(text: string): unknown {
  for (let start = text.indexOf('{'); start !== -1; start = text.indexOf('{', start + 1)) {
    let depth = 0;
    let inString = false;
    for (let i = start; i < text.length; i++) {
      const ch = text[i];
      if (inString) {
        if (ch === '\\') i++;
        else if (ch === '"') inString = false;
      } else if (ch === '"') inString = true;
      else if (ch === '{') depth++;
      else if (ch === '}' && --depth === 0) {
        try {
          const v = JSON.parse(text.slice(start, i + 1));
          if (v && typeof v === 'object' && !Array.isArray(v) && ('properties' in v || 'type' in v || '$schema' in v || 'anyOf' in v)) return v;
        } catch {
          // not JSON: try the next brace
        }
        break;
      }
    }
  }
  return undefined;
}
