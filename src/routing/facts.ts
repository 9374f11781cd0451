// The facts a routing rule can test, computed once per request up front (no
// I/O, no lazy lookups), so rule evaluation is a pure function of its input.
// The names are the policy vocabulary (src/policy/vocabulary.ts).
import type { RoutingFactName } from '../policy/vocabulary.js';
import type { RoutingMode } from '../policy/types.js';

export type RoutingFacts = { readonly [K in RoutingFactName]: FactValue<K> };

type FactValue<K extends RoutingFactName> = K extends 'metadata'
  ? Readonly<Record<string, string>>
  : K extends 'stream' | 'has_tools' | 'has_images'
    ? boolean
    : K extends 'input_chars'
      ? number
      : K extends 'mode'
        ? RoutingMode
        : string;

export interface FactsInput {
  text: string;
  metadata?: Record<string, string>;
  mode: RoutingMode;
  model?: string;
  api?: 'responses' | 'chat' | 'messages' | 'embeddings';
  stream?: boolean;
  hasTools?: boolean;
  hasImages?: boolean;
  apiKey?: string;
}

export function buildFacts(input: FactsInput): RoutingFacts {
  const metadata = Object.freeze(ownCopy(input.metadata ?? {}));
  return Object.freeze({
    text: input.text.toLowerCase(),
    metadata,
    mode: input.mode,
    model: input.model ?? '',
    task: Object.hasOwn(metadata, 'task') ? String(metadata.task) : '',
    api: input.api ?? 'responses',
    stream: input.stream ?? false,
    has_tools: input.hasTools ?? false,
    has_images: input.hasImages ?? false,
    input_chars: input.text.length,
    api_key: input.apiKey ?? 'anonymous',
  });
}

/**
 * `{ ...m }` — the same own enumerable properties, in the same order, defined
 * (never assigned: an own "__proto__" key stays a key) — without the spread:
 * V8 gives each spread copy a map of its own, and freezing such an object then
 * costs ≈ 2 µs a request; copies built key by key share their maps.
 */
export function ownCopy<T extends object>(m: T): T {
  if (Object.getOwnPropertySymbols(m).length > 0) return { ...m };
  const out: Record<string, unknown> = {};
  const src = m as Record<string, unknown>;
  for (const k of Object.keys(src)) {
    if (k === '__proto__') Object.defineProperty(out, k, { value: src[k], writable: true, enumerable: true, configurable: true });
    else out[k] = src[k];
  }
  return out as T;
}
