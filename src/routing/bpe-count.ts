// Counts o200k_base tokens (the GPT-4o/o-series vocabulary) for the routing
// estimate, over the vocabulary file and split pattern gpt-tokenizer publishes.
// Why not gpt-tokenizer's own counter (it was, until measured):
//   memory  its vocabulary module is a 2.4 MB array literal that becomes a Map
//           of 200,000 strings: loading it cost 43 MB of resident memory, a
//           third of the router's. Here the same ranks sit in ≈ 5 MB of typed
//           arrays outside the JS heap (14 MB resident to load).
//   time    its byte-pair merge is quadratic in a piece's length, and a piece
//           is a whole run of letters: 50,000 × "a" took 0.86 s of blocked event
//           loop. Here a piece longer than MAX_PIECE_BYTES is merged in chunks,
//           so the cost stays linear (the count of such a piece may then differ
//           by about one token per chunk; ordinary words are far shorter and
//           counted exactly — a differential test pins both).
// Special-token spellings ("<|endoftext|>") are ordinary text here, as they
// are to a provider reading a prompt.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { O200K_TOKEN_SPLIT_REGEX } from 'gpt-tokenizer/esm/encodingParams/constants';

/** Longest piece merged in one go; longer pieces are merged in chunks of this many bytes. */
export const MAX_PIECE_BYTES = 128;
const CACHE_ENTRIES = 16_384;
const CACHED_PIECE_CHARS = 32;

export class BpeCounter {
  /** Every token's bytes, back to back; token i is bytes[offsets[i], offsets[i + 1]). */
  readonly #bytes: Uint8Array;
  readonly #offsets: Uint32Array;
  /** Token i's rank; undefined when every rank is its line index (o200k's file is), which saves 0.8 MB. */
  readonly #ranks: Uint32Array | undefined;
  /** Open addressing over FNV-1a of the token bytes: token index + 1, 0 = empty. */
  readonly #table: Uint32Array;
  readonly #mask: number;
  readonly #split: RegExp;
  /** Token counts of recent pieces (words repeat): a hit is one Map lookup. Bounded; emptied when full. */
  readonly #cache = new Map<string, number>();
  #scratch = Buffer.alloc(1024);
  // Merge state for one chunk (at most MAX_PIECE_BYTES + 1 boundaries).
  readonly #starts = new Int32Array(MAX_PIECE_BYTES + 1);
  readonly #pairRanks = new Float64Array(MAX_PIECE_BYTES + 1);

  /**
   * `vocabulary`: the .tiktoken file (one "base64 rank" line per token). Read
   * line by line from the bytes, so no line outlives its own parsing (splitting
   * into 200,000 strings at once grew the heap by 17 MB for good).
   */
  constructor(vocabulary: Buffer, split: RegExp) {
    let n = 0;
    for (let at = vocabulary.indexOf(0x0a); at >= 0; at = vocabulary.indexOf(0x0a, at + 1)) n++;
    if (vocabulary.length > 0 && vocabulary[vocabulary.length - 1] !== 0x0a) n++;
    const bytes = Buffer.alloc(Math.ceil((vocabulary.length * 3) / 4));
    const offsets = new Uint32Array(n + 1);
    const ranks = new Uint32Array(n);
    let at = 0;
    let i = 0;
    for (let line = 0; line < vocabulary.length && i < n; ) {
      let end = vocabulary.indexOf(0x0a, line);
      if (end < 0) end = vocabulary.length;
      const space = vocabulary.indexOf(0x20, line);
      if (space > line && space < end) {
        offsets[i] = at;
        at += bytes.write(vocabulary.toString('latin1', line, space), at, 'base64');
        let rank = 0;
        for (let k = space + 1; k < end; k++) rank = rank * 10 + (vocabulary[k]! - 0x30);
        ranks[i++] = rank;
      }
      line = end + 1;
    }
    n = i;
    offsets[n] = at;
    this.#bytes = new Uint8Array(bytes.subarray(0, at)); // a copy: frees the over-allocation
    this.#offsets = offsets.subarray(0, n + 1);
    this.#ranks = isIdentity(ranks, n) ? undefined : ranks.subarray(0, n);
    let size = 1;
    while (size < n * 2) size <<= 1;
    this.#table = new Uint32Array(size);
    this.#mask = size - 1;
    for (let i = 0; i < n; i++) {
      let slot = fnv(this.#bytes, offsets[i]!, offsets[i + 1]!) & this.#mask;
      while (this.#table[slot] !== 0) slot = (slot + 1) & this.#mask;
      this.#table[slot] = i + 1;
    }
    this.#split = new RegExp(split.source, split.flags.includes('g') ? split.flags : `${split.flags}g`);
  }

  /** Tokens in `text`, read as plain text. */
  count(text: string): number {
    const split = this.#split;
    split.lastIndex = 0;
    let count = 0;
    // The pattern's alternatives cover every character (letters, numbers,
    // whitespace, everything else), so pieces are contiguous: each starts where
    // the last ended, and test() (no match array per piece) is enough.
    for (let from = 0; from < text.length && split.test(text); from = split.lastIndex) {
      if (split.lastIndex === from) {
        split.lastIndex++; // an empty match: never with the o200k pattern; keeps the loop finite regardless
        continue;
      }
      const piece = text.slice(from, split.lastIndex);
      let k = this.#cache.get(piece);
      if (k === undefined) {
        k = this.#countPiece(piece);
        if (piece.length <= CACHED_PIECE_CHARS) {
          if (this.#cache.size >= CACHE_ENTRIES) this.#cache.clear();
          this.#cache.set(piece, k);
        }
      }
      count += k;
    }
    return count;
  }

  #countPiece(piece: string): number {
    const n = this.#encode(piece);
    if (this.#rank(0, n) >= 0) return 1;
    let k = 0;
    for (let s = 0; s < n; s += MAX_PIECE_BYTES) k += this.#mergeCount(s, Math.min(n, s + MAX_PIECE_BYTES));
    return k;
  }

  /** The piece's UTF-8 bytes into the scratch buffer (lone surrogates become U+FFFD, as TextEncoder does). */
  #encode(piece: string): number {
    let ascii = true;
    for (let i = 0; i < piece.length; i++) {
      if (piece.charCodeAt(i) >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      if (this.#scratch.length < piece.length) this.#scratch = Buffer.alloc(piece.length * 2);
      for (let i = 0; i < piece.length; i++) this.#scratch[i] = piece.charCodeAt(i);
      return piece.length;
    }
    if (this.#scratch.length < piece.length * 3) this.#scratch = Buffer.alloc(piece.length * 3);
    return this.#scratch.write(piece, 0, 'utf8');
  }

  /** Rank of scratch[start, end) as one token, or -1. */
  #rank(start: number, end: number): number {
    const s = this.#scratch;
    const len = end - start;
    let slot = fnv(s, start, end) & this.#mask;
    for (let entry = this.#table[slot]!; entry !== 0; slot = (slot + 1) & this.#mask, entry = this.#table[slot]!) {
      const i = entry - 1;
      const o = this.#offsets[i]!;
      if (this.#offsets[i + 1]! - o !== len) continue;
      let k = 0;
      while (k < len && this.#bytes[o + k] === s[start + k]) k++;
      if (k === len) return this.#ranks ? this.#ranks[i]! : i;
    }
    return -1;
  }

  /**
   * Tokens byte-pair merging yields for scratch[start, end): repeatedly join the
   * adjacent pair whose bytes form the lowest-ranked token (leftmost on ties),
   * until no adjacent pair is a token; the parts left are the tokens.
   */
  #mergeCount(start: number, end: number): number {
    const starts = this.#starts;
    const ranks = this.#pairRanks;
    let parts = end - start; // boundaries: parts + 1
    for (let i = 0; i <= parts; i++) starts[i] = start + i;
    const pairRank = (i: number): number => {
      if (i + 2 > parts) return Infinity;
      const r = this.#rank(starts[i]!, starts[i + 2]!);
      return r < 0 ? Infinity : r;
    };
    for (let i = 0; i < parts; i++) ranks[i] = pairRank(i);
    while (parts > 1) {
      let lowest = Infinity;
      let at = -1;
      for (let i = 0; i < parts - 1; i++) {
        if (ranks[i]! < lowest) {
          lowest = ranks[i]!;
          at = i;
        }
      }
      if (at < 0) break;
      // Join parts at and at + 1: drop boundary at + 1.
      starts.copyWithin(at + 1, at + 2, parts + 1);
      ranks.copyWithin(at + 1, at + 2, parts);
      parts--;
      ranks[at] = pairRank(at);
      if (at > 0) ranks[at - 1] = pairRank(at - 1);
    }
    return parts;
  }
}

function isIdentity(ranks: Uint32Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (ranks[i] !== i) return false;
  return true;
}

function fnv(b: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h >>> 0;
}

let o200k: BpeCounter | undefined;

/** The o200k_base counter, built on first use (≈ 0.2 s) from gpt-tokenizer's vocabulary file. */
export function o200kCounter(): BpeCounter {
  if (!o200k) {
    const file = createRequire(import.meta.url).resolve('gpt-tokenizer/data/o200k_base.tiktoken');
    o200k = new BpeCounter(readFileSync(file), O200K_TOKEN_SPLIT_REGEX);
  }
  return o200k;
}
