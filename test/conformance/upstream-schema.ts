// Which official OpenAI request schema an upstream request built by the router must satisfy,
// and the few places an OpenAI-compatible host legitimately speaks differently.
//
// The router talks to OpenAI /responses and to Chat Completions hosts (OpenAI, vLLM, Ollama,
// Together, Groq, Mistral, DeepSeek, Llama servers). Every body it sends to such a host is
// validated in the conformance suite against CreateResponse or CreateChatCompletionRequest, so an
// adapter cannot drift from the wire format its golden was (once) reviewed against. A host's
// dialect (src/providers/openai-compatible/dialects.ts) may spell a field differently on purpose;
// each such spelling is listed here with why, and is mapped back to the OpenAI spelling before
// validation — only that exact value at that exact place, so any other deviation still fails.
import type { Dialect } from '../../src/providers/openai-compatible/dialects.js';

export type RequestSchema = 'CreateResponse' | 'CreateChatCompletionRequest';

/** The schema for an upstream URL, or undefined when the URL is not an OpenAI-shaped endpoint. */
export function requestSchemaFor(url: string): RequestSchema | undefined {
  if (!URL.canParse(url)) return undefined;
  const p = new URL(url).pathname;
  if (p.endsWith('/responses')) return 'CreateResponse';
  if (p.endsWith('/chat/completions')) return 'CreateChatCompletionRequest';
  return undefined;
}

export interface HostDifference {
  dialect: Dialect;
  /** Top-level body field. */
  field: string;
  /** What the host is sent. */
  wire: unknown;
  /** The OpenAI spelling of the same thing. */
  openai: unknown;
  why: string;
}

/**
 * Deliberate differences that the schema rejects. Extension fields that the schema tolerates
 * (it does not forbid extra properties on messages) are not listed because validation cannot see
 * them: DeepSeek's `reasoning_content` on assistant tool-call turns and Mistral's `name` on tool
 * messages (docs/clients/fixtures.md).
 */
export const HOST_DIFFERENCES: readonly HostDifference[] = [
  {
    dialect: 'mistral',
    field: 'tool_choice',
    wire: 'any',
    openai: 'required',
    why: 'Mistral spells "must call a tool" as tool_choice "any" and rejects "required"',
  },
];

/** The body with the dialect's listed differences mapped to their OpenAI spelling, and which were. */
export function toOpenAISpelling(dialect: Dialect, body: Record<string, unknown>): { body: Record<string, unknown>; mapped: string[] } {
  const out = { ...body };
  const mapped: string[] = [];
  for (const d of HOST_DIFFERENCES) {
    if (d.dialect !== dialect || JSON.stringify(out[d.field]) !== JSON.stringify(d.wire)) continue;
    out[d.field] = d.openai;
    mapped.push(`${d.field}: ${JSON.stringify(d.wire)} → ${JSON.stringify(d.openai)} (${d.why})`);
  }
  return { body: out, mapped };
}
