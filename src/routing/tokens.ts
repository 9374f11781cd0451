// Input-token estimate for routing (context-window filter, cost score): a real
// BPE tokenizer (gpt-tokenizer, o200k_base) rather than chars/4. Very large
// inputs are counted on a prefix and extrapolated, so a 10 MB prompt cannot
// cost the router more than a few milliseconds here.
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';

const EXACT_LIMIT = 200_000; // characters counted exactly (≈ 5 ms)
const PER_IMAGE_TOKENS = 765; // a high-detail 512px tile budget, as OpenAI prices images
// A prompt that spells a special token ("<|endoftext|>") is ordinary text to the
// provider: count it as text. gpt-tokenizer's default throws on it, which
// answered such a request with a 500.
const AS_TEXT = Object.freeze({ disallowedSpecial: new Set<string>() });

export function estimateTokens(text: string, images = 0): number {
  let n: number;
  if (text.length <= EXACT_LIMIT) n = countTokens(text, AS_TEXT);
  else {
    const sample = countTokens(text.slice(0, EXACT_LIMIT), AS_TEXT);
    n = Math.ceil((sample / EXACT_LIMIT) * text.length);
  }
  return n + images * PER_IMAGE_TOKENS;
}
