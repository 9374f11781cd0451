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
//
// Answers are deterministic (plan.ts): a text "Hello from <protocol> model <model>. You said: …",
// "Tool result received: …" after a tool result, a tool call (arguments generated from the
// schema) when tools are offered and no tool result exists yet, JSON documents for JSON output
// formats; usage counts words. Faults and pacing are scripted per model (script.ts, which also
// documents the model-name convention: -fail429, -fail503x2, -reset, -drop3, -stall, -inband, …).
import { SimulatorServer } from './server.js';
import type { Simulator, SimulatorOptions } from './types.js';

export type { Behaviour, RecordedCall, SimProtocol, SimProvider, SimScript, Simulator, SimulatorOptions } from './types.js';
export { conventionBehaviour } from './script.js';
export { exampleFromSchema } from './text.js';

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  return new SimulatorServer(opts).listen();
}
