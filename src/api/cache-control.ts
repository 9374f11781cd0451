// A client's own prompt-cache marks: `cache_control: {type: "ephemeral", ttl?: "5m" | "1h"}` on a
// content part, on a whole message (it marks the message's last part) or on a function tool — the
// Anthropic spelling that OpenAI-compatible gateways accept inside OpenAI-shaped requests. Before
// this reader the key was silently ignored; now it is read, checked and carried on the canonical
// part or tool, so the Anthropic adapter can pass it through and every other provider type can say
// in x-tokenrouter-warnings that it was not forwarded (src/providers/prompt-cache.ts).
import type { CacheControl, ContentPart, FunctionTool, InputItem } from '../canonical/types.js';
import { fail, isObject } from './checks.js';

/** Anthropic refuses more than four cache_control marks per request; refusing here keeps the answer the same whatever the provider. */
export const MAX_CACHE_MARKS = 4;

/** `{cacheControl}` to spread into a part or tool when the raw object carries a valid mark, else `{}`. */
export function cacheControlOf(raw: Record<string, unknown>, param: string): { cacheControl?: CacheControl } {
  const cc = raw.cache_control;
  if (cc === undefined || cc === null) return {};
  const p = `${param}.cache_control`;
  if (!isObject(cc) || cc.type !== 'ephemeral') fail(p, 'cache_control must be {"type": "ephemeral"} with an optional ttl of "5m" or "1h"');
  for (const key of Object.keys(cc)) if (key !== 'type' && key !== 'ttl') fail(`${p}.${key}`, `Unknown parameter: '${p}.${key}'.`);
  if (cc.ttl === undefined || cc.ttl === null) return { cacheControl: {} };
  if (cc.ttl !== '5m' && cc.ttl !== '1h') fail(`${p}.ttl`, 'cache_control.ttl must be "5m" or "1h"');
  return { cacheControl: { ttl: cc.ttl } };
}

/** A message-level mark applies to the message's last text or image part (where Anthropic puts the breakpoint). */
export function markLastPart(parts: ContentPart[], raw: Record<string, unknown>, param: string): ContentPart[] {
  const mark = cacheControlOf(raw, param);
  if (!mark.cacheControl) return parts;
  for (let i = parts.length - 1; i >= 0; i--) {
    const p = parts[i]!;
    if (p.type === 'text' || p.type === 'image') {
      const out = parts.slice();
      out[i] = { ...p, cacheControl: mark.cacheControl };
      return out;
    }
  }
  fail(`${param}.cache_control`, 'cache_control needs a message with text or image content to mark');
}

/** How many marks the request carries (0 when none); more than MAX_CACHE_MARKS answers 400. */
export function countCacheMarks(items: readonly InputItem[], tools: readonly FunctionTool[]): number {
  let n = 0;
  for (const t of tools) if (t.cacheControl) n += 1;
  for (const item of items) {
    if ((item.type === 'function_call' || item.type === 'function_call_output') && item.cacheControl) n += 1;
    if (item.type !== 'message') continue;
    for (const p of item.content) if (p.type !== 'refusal' && p.cacheControl) n += 1;
  }
  if (n > MAX_CACHE_MARKS) fail('cache_control', `A request may carry at most ${MAX_CACHE_MARKS} cache_control marks; this one has ${n}.`);
  return n;
}

/**
 * History items without their marks: a mark is an instruction for the call that carried it, so the
 * items a later turn replays (previous_response_id) must not bring theirs along — with marks of the
 * new call added, Anthropic's limit of four would soon be passed. Items without marks come back as they were.
 */
export function withoutCacheMarks(items: readonly InputItem[]): InputItem[] {
  return items.map((item) => {
    if ((item.type === 'function_call' || item.type === 'function_call_output') && item.cacheControl) {
      const { cacheControl: _mark, ...rest } = item;
      return rest;
    }
    if (item.type !== 'message' || !item.content.some((p) => p.type !== 'refusal' && p.cacheControl)) return item;
    return { ...item, content: item.content.map((p) => (p.type !== 'refusal' && p.cacheControl ? stripMark(p) : p)) };
  });
}

function stripMark(p: ContentPart): ContentPart {
  const { cacheControl: _mark, ...rest } = p as ContentPart & { cacheControl?: CacheControl };
  return rest as ContentPart;
}
