// Input-token estimate for routing (context-window filter, cost score): the
// o200k_base byte-pair count (bpe-count.ts) rather than chars/4. Very large
// inputs are counted on a prefix and extrapolated, so a 10 MB prompt cannot
// cost the router more than a few milliseconds here. Text that spells a
// special token ("<|endoftext|>") counts as the ordinary text it is to a
// provider (gpt-tokenizer's counter threw on it, which answered a 500).
import { o200kCounter } from './bpe-count.js';

const EXACT_LIMIT = 200_000; // characters counted exactly (≈ 2 ms of prose)
const PER_IMAGE_TOKENS = 765; // a high-detail 512px tile budget, as OpenAI prices images

export function estimateTokens(text: string, images = 0): number {
  const counter = o200kCounter();
  let n: number;
  if (text.length <= EXACT_LIMIT) n = counter.count(text);
  else {
    const sample = counter.count(text.slice(0, EXACT_LIMIT));
    n = Math.ceil((sample / EXACT_LIMIT) * text.length);
  }
  return n + images * PER_IMAGE_TOKENS;
}
