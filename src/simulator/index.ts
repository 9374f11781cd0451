// Provider simulators: one loopback HTTP server (node:http) speaking the wire
// protocols the router talks to upstream, for tests, the demo and benchmarks.
//
// Paths (baseUrls in parentheses):
//   POST /openai/v1/responses                 OpenAI Responses            (openai: <url>/openai/v1)
//   POST /openai/v1/chat/completions          OpenAI Chat Completions
//   POST /openai/v1/embeddings                embeddings (8 deterministic floats; base64 when asked)
//   GET  /openai/v1/models                    model list
//   POST /anthropic/v1/messages               Anthropic Messages          (anthropic: <url>/anthropic/v1)
//   POST /gemini/v1beta/models/{m}:generateContent
//   POST /gemini/v1beta/models/{m}:streamGenerateContent[?alt=sse]      (gemini: <url>/gemini/v1beta)
//   POST /{mistral,deepseek,llama}/v1/chat/completions  OpenAI Chat wire with host quirks
//        (also /embeddings and GET /models; mistral errors are top-level {object:"error",…})
//   POST /vertex/token                        Google OAuth: verifies a service account's RS256 JWT assertion
//   POST /vertex/v1/projects/P/locations/L/publishers/google/models/{m}:generateContent|:streamGenerateContent
//   POST /vertex/v1/projects/P/locations/L/publishers/anthropic/models/{m}:rawPredict|:streamRawPredict
//        Vertex AI on the Gemini / Anthropic handlers; bearer token checked on every call (vertex.ts) (vertex: <url>/vertex)
//
// Answers are deterministic (plan.ts): a text "Hello from <label> model <model>. You said: …"
// (label: openai-responses, openai-chat, anthropic, gemini, mistral, deepseek or llama),
// "Tool result received: …" after a tool result, a tool call (arguments generated from the
// schema) when tools are offered and no tool result exists yet, JSON documents for JSON output
// formats (also when the schema/"JSON" request is only in the system prompt); usage counts
// words. Faults and pacing are scripted per model (script.ts, which also documents the
// model-name convention: -fail429, -fail503x2, -reset, -drop3, -stall, -inband, …).
//
// Requests the real provider would reject are rejected the same way unless `validate: false`
// (Anthropic: anthropic-version header, max_tokens, tool_use/tool_result pairing, empty text
// blocks, thinking budget, thinking signatures and the thinking-first tool loop; OpenAI
// Responses: encrypted_content it did not issue, a store:false tool loop without its reasoning
// item; Mistral: extra fields, 9-char tool ids, user after tool; DeepSeek: json_schema;
// Gemini: roles, functionResponse name/object, legacy-schema keywords, gemini-3 signatures).
// Reasoning state (reasoning.ts): Anthropic thinking blocks when thinking is enabled, OpenAI
// reasoning items from o-series / gpt-5 models, Gemini 3 thought signatures.
// Auth (requireKey): Bearer / x-api-key / x-goog-api-key (or ?key=); a wrong key gets the
// provider's real answer (Gemini: 400 INVALID_ARGUMENT with reason API_KEY_INVALID).
import { SimulatorServer } from './server.js';
import type { Simulator, SimulatorOptions } from './types.js';

export type { Behaviour, RecordedCall, SimProtocol, SimProvider, SimScript, Simulator, SimulatorOptions } from './types.js';
export { conventionBehaviour } from './script.js';
export { exampleFromSchema } from './text.js';
export { nativeError } from './errors.js';

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  return new SimulatorServer(opts).listen();
}
