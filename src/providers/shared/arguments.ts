import type { ContentPart } from '../../canonical/types.js';
import { MAX_JSON_DEPTH, textNestsDeeperThan } from '../../canonical/json-depth.js';

// The arguments of a tool call the provider made with none. OpenAI's schemas make a call's
// `arguments` a required string holding JSON (FunctionToolCall.arguments,
// ChatCompletionMessageToolCall.function.arguments), and OpenAI itself sends "{}" for a function
// without parameters; other providers send "", no field at all, or an empty object. Adapters emit
// this explicitly when a provider finished a call without arguments, so a client never receives
// "" (which no client can JSON.parse) — and so "no arguments" is told apart from arguments that
// were lost: a call that ends without any arguments delta was cut, never silently "{}".
export const NO_ARGUMENTS = '{}';

/**
 * A canonical call's arguments text as the object the provider's tool-call input is (Anthropic
 * tool_use.input, Gemini functionCall.args, Bedrock toolUse.input); text that is not a JSON object
 * becomes {}. The parsed value is re-serialised (recursively) into the body, so a deeper value
 * than the limit would overflow the stack there: it is refused instead.
 */
export function argumentsObject(args: string): Record<string, unknown> {
  if (textNestsDeeperThan(args)) throw new Error(`Tool-call arguments nest objects and arrays deeper than ${MAX_JSON_DEPTH} levels (the limit).`);
  try {
    const v: unknown = JSON.parse(args);
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // not JSON: a tool input must be an object
  }
  return {};
}

/** The text of message parts (refusals as text, images left out), paragraphs apart: a system prompt's text. */
export function partsText(parts: readonly ContentPart[]): string {
  return parts
    .map((p) => (p.type === 'text' ? p.text : p.type === 'refusal' ? p.refusal : ''))
    .filter((t) => t !== '')
    .join('\n\n');
}
