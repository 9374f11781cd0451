// Deterministic content: word counting, chunk splitting, example values from
// JSON schemas, embeddings and ids. Nothing here is random.

/**
 * Whitespace-separated words (the simulator's notion of a token): runs of characters outside
 * JavaScript's \s, counted in one pass — split(/\s+/) built an array of every word, which for a
 * 4 MB prompt made the simulator slower than the router it stands behind.
 */
export function countWords(text: string): number {
  let words = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const space = isJsSpace(text.charCodeAt(i));
    if (!space && !inWord) words++;
    inWord = !space;
  }
  return words;
}

/** Exactly the characters /\s/ matches. */
function isJsSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** First n code points (never splits a surrogate pair). */
export function firstChars(text: string, n: number): string {
  // Only the first 2n UTF-16 units can hold n code points: a megabyte prompt is not split whole.
  return Array.from(text.slice(0, 2 * n)).slice(0, n).join('');
}

/** Split text into word chunks, each keeping its leading whitespace; concatenation gives the text back. */
export function splitWords(text: string): string[] {
  const pieces = text.match(/\s*\S+/g);
  if (!pieces) return [text];
  const rest = text.slice(pieces.join('').length);
  if (rest) pieces[pieces.length - 1] += rest;
  return pieces;
}

/** Split a string into `n` non-empty pieces of roughly equal length (by code point). */
export function splitPieces(text: string, n: number): string[] {
  const cps = Array.from(text);
  const count = Math.max(1, Math.min(n, cps.length));
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    out.push(cps.slice(Math.floor((i * cps.length) / count), Math.floor(((i + 1) * cps.length) / count)).join(''));
  }
  return out;
}

/** Stream pieces of an output text: words, or 3 pieces when the text has fewer than 3 words (e.g. compact JSON). */
export function textChunks(text: string): string[] {
  const words = splitWords(text);
  return words.length >= 3 ? words : splitPieces(text, 3);
}

/** Tool-call argument fragments: 2 pieces for short JSON, else 3. */
export function argumentChunks(args: string): string[] {
  return splitPieces(args, args.length < 12 ? 2 : 3);
}

// ---------------------------------------------------------------------------------------------
// JSON schema → example value
//
// Required properties are filled by type: string "example" (first enum / const if given),
// number/integer 1, boolean true, array [] (minItems copies of the item example), null null,
// objects recursively. anyOf/oneOf take the first branch, allOf merges object branches, local
// $ref (#/$defs/…, #/definitions/…) are followed up to a depth limit. Types are matched
// case-insensitively so Gemini's OpenAPI-style "OBJECT"/"STRING" work too.

export function exampleFromSchema(schema: unknown, root: unknown = schema, depth = 0): unknown {
  if (depth > 12 || schema === null || typeof schema !== 'object' || Array.isArray(schema)) return {};
  const s = schema as Record<string, any>;
  if (typeof s.$ref === 'string') {
    const target = resolveRef(root, s.$ref);
    return target === undefined ? {} : exampleFromSchema(target, root, depth + 1);
  }
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  if (Array.isArray(s.anyOf) && s.anyOf.length > 0) return exampleFromSchema(pickBranch(s.anyOf), root, depth + 1);
  if (Array.isArray(s.oneOf) && s.oneOf.length > 0) return exampleFromSchema(pickBranch(s.oneOf), root, depth + 1);
  if (Array.isArray(s.allOf) && s.allOf.length > 0) {
    const parts = s.allOf.map((b: unknown) => exampleFromSchema(b, root, depth + 1));
    if (parts.every((p: unknown) => p !== null && typeof p === 'object' && !Array.isArray(p))) return Object.assign({}, ...parts);
    return parts[0];
  }
  let type = s.type;
  if (Array.isArray(type)) type = type.find((t) => String(t).toLowerCase() !== 'null') ?? 'null';
  type = typeof type === 'string' ? type.toLowerCase() : s.properties ? 'object' : s.items ? 'array' : undefined;
  switch (type) {
    case 'string':
      return 'example';
    case 'number':
    case 'integer':
      return typeof s.minimum === 'number' && s.minimum > 1 ? Math.ceil(s.minimum) : 1;
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'array': {
      const n = typeof s.minItems === 'number' ? Math.min(s.minItems, 10) : 0;
      return Array.from({ length: n }, () => exampleFromSchema(s.items ?? {}, root, depth + 1));
    }
    case 'object': {
      const out: Record<string, unknown> = {};
      const props = (s.properties ?? {}) as Record<string, unknown>;
      for (const key of Array.isArray(s.required) ? s.required : []) {
        if (typeof key === 'string') out[key] = exampleFromSchema(props[key] ?? {}, root, depth + 1);
      }
      return out;
    }
    default:
      return {};
  }
}

function pickBranch(branches: unknown[]): unknown {
  return branches.find((b) => !(b && typeof b === 'object' && String((b as any).type).toLowerCase() === 'null')) ?? branches[0];
}

function resolveRef(root: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let cur: any = root;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object' || !(key in cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

// ---------------------------------------------------------------------------------------------

/** FNV-1a 32-bit. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** 8 deterministic floats in [-1, 1) derived from the text (mulberry32 seeded by FNV-1a). */
export function embeddingFor(text: string): number[] {
  let a = hash32(text);
  const out: number[] = [];
  for (let i = 0; i < 8; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const r = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    // Round through float32 so the float and base64 encodings carry the same numbers.
    out.push(Math.fround(r * 2 - 1));
  }
  return out;
}

export function embeddingBase64(values: number[]): string {
  const buf = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => buf.writeFloatLE(v, i * 4));
  return buf.toString('base64');
}

/** Sequential ids, e.g. next('resp_') → "resp_sim000001". Reset with the simulator. */
export class IdGen {
  private n = 0;
  next(prefix: string): string {
    this.n += 1;
    return `${prefix}sim${String(this.n).padStart(6, '0')}`;
  }
  /** Mistral tool-call ids: exactly 9 characters [A-Za-z0-9]. */
  nine(): string {
    this.n += 1;
    return `sim${String(this.n).padStart(6, '0')}`.slice(-9);
  }
  reset(): void {
    this.n = 0;
  }
}
