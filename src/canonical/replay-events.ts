// A finished result as the canonical events that would have produced it: what a replay
// (server/routes/replay.ts) and a response-cache hit (stages/cache.ts) push through a
// dialect's stream renderer, so a stored answer re-streams like a live one.
import type { CanonicalEvent, CanonicalResult } from './types.js';

export function eventsOf(result: CanonicalResult): CanonicalEvent[] {
  const events: CanonicalEvent[] = [{ type: 'start' }];
  result.output.forEach((item, i) => {
    if (item.type === 'message') events.push({ type: 'text_delta', text: item.text });
    else if (item.type === 'reasoning') events.push({ type: 'reasoning_delta', text: item.text });
    else {
      const key = String(i);
      events.push({ type: 'tool_call_start', key, callId: item.callId, name: item.name }, { type: 'tool_call_delta', key, arguments: item.arguments }, { type: 'tool_call_end', key });
    }
  });
  events.push({ type: 'usage', usage: result.usage });
  events.push(result.error ? { type: 'error', code: result.error.code, message: result.error.message, ...(result.error.detail ? { detail: result.error.detail } : {}) } : { type: 'finish', reason: result.finish });
  return events;
}
