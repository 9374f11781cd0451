// What the router's spans say about one request, from the values the pipeline
// already holds (the Trace, the routing decision, the firewall's hits): the
// GenAI semantic-convention attributes and the router's own tokenrouter.*.
// Built only when a span records. Prompt and completion text only when
// Settings.tracing.recordContent says so, and then from the request as the
// prompt firewall left it (masks applied) and the answer as the response
// firewall left it — never the caller's or the provider's raw text.
import type { Attributes } from '@opentelemetry/api';
import type { CanonicalRequest, CanonicalResult, Usage } from '../canonical/types.js';
import type { FirewallHit, Routed } from '../stages/types.js';

/** Each recorded text attribute is cut to this many characters: a span is not a transcript store. */
export const MAX_CONTENT_CHARS = 16 * 1024;

export function routeAttributes(r: Routed): Attributes {
  const first = r.decision.candidates[0];
  return {
    'tokenrouter.mode': r.decision.mode,
    'tokenrouter.mode_source': r.decision.modeSource,
    'tokenrouter.rules': [...r.decision.rules],
    'tokenrouter.candidates': r.decision.candidates.length,
    ...(first ? { 'tokenrouter.first_candidate': `${first.provider.name}/${first.model.name}` } : {}),
  };
}

/** The firewall rules that acted in one scope, as rule:action. */
export function firewallAttributes(scope: 'prompt' | 'response', hits: readonly FirewallHit[]): Attributes {
  return { 'tokenrouter.firewall.scope': scope, 'tokenrouter.firewall.actions': hits.map((h) => `${h.rule}:${h.action}`) };
}

export function usageAttributes(usage: Usage | undefined, result: CanonicalResult | undefined, responseModel: string | undefined): Attributes {
  // Assigned one by one (in the order a spread would give): object spread is a slow V8 path, run per traced request.
  const attrs: Attributes = {};
  if (responseModel) attrs['gen_ai.response.model'] = responseModel;
  if (usage) {
    attrs['gen_ai.usage.input_tokens'] = usage.inputTokens;
    attrs['gen_ai.usage.output_tokens'] = usage.outputTokens;
    if (usage.cachedTokens) attrs['gen_ai.usage.cache_read.input_tokens'] = usage.cachedTokens;
    if (usage.cacheWriteTokens) attrs['gen_ai.usage.cache_creation.input_tokens'] = usage.cacheWriteTokens;
    if (usage.reasoningTokens) attrs['gen_ai.usage.reasoning.output_tokens'] = usage.reasoningTokens;
  }
  // The router's finish reasons are OpenAI's words, whichever provider answered.
  if (result) attrs['gen_ai.response.finish_reasons'] = [result.error ? 'error' : result.finish];
  return attrs;
}

/** gen_ai.input.messages: the masked request as role + text parts (images and documents named, not inlined). */
export function inputMessages(req: CanonicalRequest): string {
  const messages: { role: string; parts: { type: string; content?: string }[] }[] = [];
  if (req.instructions) messages.push({ role: 'system', parts: [{ type: 'text', content: req.instructions }] });
  for (const item of req.items) {
    if (item.type === 'message') messages.push({ role: item.role, parts: item.content.map((p) => (p.type === 'text' ? { type: 'text', content: p.text } : p.type === 'refusal' ? { type: 'text', content: p.refusal } : { type: p.type })) });
    else if (item.type === 'function_call') messages.push({ role: 'assistant', parts: [{ type: 'tool_call', content: `${item.name}(${item.arguments})` }] });
    else if (item.type === 'function_call_output') messages.push({ role: 'tool', parts: [{ type: 'tool_call_response', content: item.output }] });
  }
  return bounded(JSON.stringify(messages));
}

/** gen_ai.output.messages: the answer after the response firewall. */
export function outputMessages(result: CanonicalResult): string {
  const parts = result.output.map((o) => (o.type === 'message' ? { type: 'text', content: o.text } : o.type === 'function_call' ? { type: 'tool_call', content: `${o.name}(${o.arguments})` } : { type: 'reasoning', content: o.text }));
  return bounded(JSON.stringify([{ role: 'assistant', parts, finish_reason: result.finish }]));
}

function bounded(text: string): string {
  return text.length > MAX_CONTENT_CHARS ? `${text.slice(0, MAX_CONTENT_CHARS)}…` : text;
}

/** A failed stage's error.type and status message: the error's code (an OpenAI error code) when it has one, else its name. */
export function stageFailure(err: unknown): { type: string; message: string | undefined } {
  const code = (err as { code?: unknown })?.code ?? (err as { mapped?: { code?: unknown } })?.mapped?.code;
  return typeof code === 'string' ? { type: code, message: code } : { type: (err as Error)?.name ?? 'error', message: undefined };
}

/** server.address of a provider's base URL, parsed once per URL (a traced request would parse it on every attempt). */
const HOSTS = new Map<string, string>();
export function hostOf(url: string): string {
  let host = HOSTS.get(url);
  if (host === undefined) {
    try {
      host = new URL(url).hostname;
    } catch {
      host = '';
    }
    if (HOSTS.size < 1024) HOSTS.set(url, host);
  }
  return host;
}
