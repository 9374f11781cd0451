// The nesting limit for JSON the router reads from outside: request bodies
// (src/server/body.ts) and JSON carried inside strings that an adapter parses
// and re-serialises (tool-call arguments, tool outputs). Everything that later
// walks such a value — JSON.stringify, schema rewriting, the firewall's walks —
// recurses, and a few thousand levels overflow the stack; capping the depth
// where the text comes in keeps every such walk small, wherever it is.
//
// The check is a linear scan of the text, without recursion and before
// JSON.parse: brackets and braces are counted outside strings, and a string is
// skipped with one indexOf per closing-quote candidate. (V8's JSON.parse does
// not recurse, but it spends ~1 s per million levels; the scan refuses those in
// microseconds.) In UTF-8 the bytes `"`, `\`, `[`, `]`, `{`, `}` never occur
// inside a multi-byte character, so bytes and UTF-16 text scan the same way.
// Malformed text is not this scan's business: whatever it answers, JSON.parse
// still rejects it.

/** The deepest nesting of objects and arrays accepted (the body itself is level 1). */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/** True when the JSON text (UTF-8 bytes) nests objects and arrays deeper than `limit`. */
export function bytesNestDeeperThan(raw: Uint8Array, limit: number = MAX_JSON_DEPTH): boolean {
  const buf = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  let depth = 0;
  for (let i = 0, n = buf.length; i < n; i++) {
    const c = buf[i]!;
    if (c === QUOTE) {
      // The closing quote is the next one not escaped by an odd run of backslashes.
      let j = i;
      for (;;) {
        j = buf.indexOf(QUOTE, j + 1);
        if (j < 0) return false;
        let k = j - 1;
        while (buf[k] === BACKSLASH) k--;
        if ((j - 1 - k) % 2 === 0) break;
      }
      i = j;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > limit) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

/** The same scan over a JavaScript string (JSON carried inside a request field). */
export function textNestsDeeperThan(text: string, limit: number = MAX_JSON_DEPTH): boolean {
  // Fewer opening brackets than the limit anywhere: nothing to scan (the common case, a small object).
  let opens = 0;
  for (let i = text.indexOf('{'); i >= 0 && opens <= limit; i = text.indexOf('{', i + 1)) opens++;
  for (let i = text.indexOf('['); i >= 0 && opens <= limit; i = text.indexOf('[', i + 1)) opens++;
  if (opens <= limit) return false;
  let depth = 0;
  for (let i = 0, n = text.length; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let j = i;
      for (;;) {
        j = text.indexOf('"', j + 1);
        if (j < 0) return false;
        let k = j - 1;
        while (text.charCodeAt(k) === BACKSLASH) k--;
        if ((j - 1 - k) % 2 === 0) break;
      }
      i = j;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > limit) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}
