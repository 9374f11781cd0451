// Which price-table entry belongs to a catalog model. Tables name models their
// own way ("gpt-4o" for litellm_provider openai, "openai/gpt-4o" on
// OpenRouter, "gemini/gemini-2.5-flash", "google/gemini-2.5-flash"), so a
// model is looked up under a short, fixed list of ids; the first hit wins:
//
//   names     = upstreamModel, name, then aliases (lower-cased, in that order)
//   providers = the provider's name, its type (unless openai-compatible) and
//               its dialect, each with the synonyms below
//   1. a name that already contains "/" is looked up as it is
//      (upstreamModel "meta-llama/llama-4-maverick" → that OpenRouter id)
//   2. provider/name for every provider, then the next name
//   3. a bare name, only for entries whose source names no provider at all
//
// Nothing fuzzier: "claude-sonnet-4-5" does not match OpenRouter's
// "anthropic/claude-sonnet-4.5" unless the model lists that spelling as an
// alias. A wrong price is worse than the catalog's.
import type { ModelSpec, ProviderSpec } from '../policy/types.js';
import type { PriceEntry, PriceTable } from './price-formats.js';

/**
 * Provider spellings of the public tables (OpenRouter: google, mistralai; LiteLLM: together_ai).
 * A Map: a provider named `constructor` or `toString` in a policy must find nothing, not Object's members.
 */
const SYNONYMS: ReadonlyMap<string, readonly string[]> = new Map([
  ['gemini', ['google']],
  ['google', ['gemini']],
  ['mistral', ['mistralai']],
  ['together', ['together_ai']],
]);

export interface PricedModel {
  provider: Readonly<ProviderSpec>;
  model: Readonly<ModelSpec>;
}

/** The ids a model is looked up under, in order of preference (exported for tests and explain). */
export function lookupIds(c: PricedModel): { qualified: string[]; bare: string[] } {
  const names = unique([c.model.upstreamModel, c.model.name, ...(c.model.aliases ?? [])]);
  const providers = unique(
    [c.provider.name, c.provider.type === 'openai-compatible' ? undefined : c.provider.type, c.provider.dialect].flatMap((p) => (p ? [p, ...(SYNONYMS.get(p.toLowerCase()) ?? [])] : [])),
  );
  const qualified: string[] = [];
  for (const n of names) {
    if (n.includes('/')) qualified.push(n);
    for (const p of providers) qualified.push(`${p}/${n}`);
  }
  return { qualified: unique(qualified), bare: names.filter((n) => !n.includes('/')) };
}

export function matchPrice(table: PriceTable, c: PricedModel): PriceEntry | undefined {
  const ids = lookupIds(c);
  for (const id of ids.qualified) {
    const e = table.entries.get(id);
    if (e) return e;
  }
  for (const id of ids.bare) {
    const e = table.entries.get(id);
    if (e && e.provider === undefined) return e;
  }
  return undefined;
}

function unique(xs: readonly (string | undefined)[]): string[] {
  return [...new Set(xs.filter((x): x is string => typeof x === 'string' && x !== '').map((x) => x.toLowerCase()))];
}
