// Anthropic prompt-cache breakpoints. Anthropic caches only up to blocks marked
// `cache_control: {type: "ephemeral"}`, in prefix order tools → system → messages,
// and refuses more than 4 marks per request. When caching is on for a request
// (src/providers/prompt-cache.ts: the model's promptCaching "auto", or the
// client's prompt_cache_key), the stable prefix is marked: the last tool, the
// (last) system block and the last block of the turn before the newest one — the
// parts a conversation's next call repeats verbatim. That is at most 3 marks.
// Thinking blocks cannot carry cache_control, so the mark goes on the last
// other block of that turn. Prefixes shorter than the model's minimum (1024
// tokens on most models) are simply not cached by Anthropic; nothing fails.

type Block = Record<string, unknown>;

const EPHEMERAL = Object.freeze({ type: 'ephemeral' });
/** Anthropic's limit on cache_control marks per request. */
export const MAX_BREAKPOINTS = 4;
const UNMARKABLE = new Set(['thinking', 'redacted_thinking']);

/** Marks the stable prefix of an Anthropic Messages body in place; returns how many marks it holds. */
export function addCacheBreakpoints(body: Record<string, unknown>): number {
  let marks = countMarks(body);
  const mark = (b: Block | undefined): void => {
    if (!b || b.cache_control !== undefined || marks >= MAX_BREAKPOINTS) return;
    b.cache_control = { ...EPHEMERAL };
    marks += 1;
  };
  const tools = body.tools;
  if (Array.isArray(tools) && tools.length > 0) mark(tools[tools.length - 1] as Block);
  if (typeof body.system === 'string' && body.system !== '') body.system = [{ type: 'text', text: body.system }];
  if (Array.isArray(body.system) && body.system.length > 0) mark(body.system[body.system.length - 1] as Block);
  const messages = body.messages;
  if (Array.isArray(messages) && messages.length >= 2) {
    const earlier = messages[messages.length - 2] as { content?: unknown };
    if (Array.isArray(earlier.content)) {
      const blocks = earlier.content as Block[];
      for (let i = blocks.length - 1; i >= 0; i--) {
        if (!UNMARKABLE.has(String(blocks[i]!.type))) {
          mark(blocks[i]);
          break;
        }
      }
    }
  }
  return marks;
}

/** cache_control marks already present: the client's own (src/api/cache-control.ts), which count against the limit first. */
function countMarks(body: Record<string, unknown>): number {
  let n = 0;
  const scan = (list: unknown): void => {
    if (Array.isArray(list)) for (const b of list) if (b && typeof b === 'object' && (b as Block).cache_control !== undefined) n += 1;
  };
  scan(body.tools);
  scan(body.system);
  if (Array.isArray(body.messages)) for (const m of body.messages) scan((m as { content?: unknown }).content);
  return n;
}
