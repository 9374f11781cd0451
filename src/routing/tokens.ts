// Input-token estimate for routing (context-window filter, cost score): the
// o200k_base byte-pair count (bpe-count.ts) rather than chars/4. Very large
// inputs are counted on a prefix and extrapolated, so a 10 MB prompt cannot
// cost the router more than the prefix. Text that spells a special token
// ("<|endoftext|>") counts as the ordinary text it is to a provider
// (gpt-tokenizer's counter threw on it, which answered a 500).
//
// The count runs in chunks of CHUNK_CHARS, a step each, so the serving path
// can give the event loop back between them (event-loop/slicer.ts): the prefix
// of a CJK or emoji prompt costs ≈ 0.9 µs a character, 180 ms in one piece.
// A chunk ends before a space where one is near (the o200k split attaches a
// space to the word after it, so prose counts exactly as in one piece); in an
// unbroken run it ends at a code-point boundary, where the count may differ by
// a token from counting the run whole.
import { runToEnd } from '../event-loop/slicer.js';
import { o200kCounter } from './bpe-count.js';

export const EXACT_LIMIT = 200_000; // characters counted (≈ 2 ms of prose, ≈ 180 ms of CJK)
const PER_IMAGE_TOKENS = 765; // a high-detail 512px tile budget, as OpenAI prices images
/** Characters of prose counted in one step (≈ 2 ms of the slowest script). */
export const CHUNK_CHARS = 2048;
/**
 * Characters of an unbroken run (no space to cut before) counted in one step:
 * a run is one o200k piece, merged 128 bytes at a time at ≈ 1 ms each, so a
 * 2,048-letter step would take ≈ 16 ms.
 */
export const RUN_CHUNK_CHARS = 256;
/** How far back from a chunk's end a space is looked for. */
const SPACE_LOOKBACK = 128;

export function estimateTokens(text: string, images = 0): number {
  return runToEnd(tokenSteps(text, images));
}

/** The estimate as steps of at most CHUNK_CHARS characters each (RUN_CHUNK_CHARS in an unbroken run); returns the count. */
export function* tokenSteps(text: string, images = 0): Generator<void, number, undefined> {
  const counted = text.length <= EXACT_LIMIT ? text : text.slice(0, EXACT_LIMIT);
  const counter = o200kCounter();
  let n = 0;
  for (let from = 0; from < counted.length; ) {
    const to = chunkEnd(counted, from);
    n += counter.count(from === 0 && to === counted.length ? counted : counted.slice(from, to));
    from = to;
    if (from < counted.length) yield;
  }
  if (counted !== text) n = Math.ceil((n / EXACT_LIMIT) * text.length);
  return n + images * PER_IMAGE_TOKENS;
}

/** Where the chunk starting at `from` ends: before a nearby space, else RUN_CHUNK_CHARS on, on a code-point boundary. */
function chunkEnd(text: string, from: number): number {
  if (from + CHUNK_CHARS >= text.length) return text.length;
  const prose = from + CHUNK_CHARS;
  for (let i = prose; i > prose - SPACE_LOOKBACK; i--) {
    // A single space between two non-space characters: the piece after it starts with it.
    if (text.charCodeAt(i) === 0x20 && !isSpace(text.charCodeAt(i - 1)) && !isSpace(text.charCodeAt(i + 1))) return i;
  }
  const limit = from + RUN_CHUNK_CHARS;
  const before = text.charCodeAt(limit - 1);
  return before >= 0xd800 && before <= 0xdbff ? limit - 1 : limit;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}
