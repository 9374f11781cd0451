// Parses the two public price-table formats into one PriceTable (USD per 1M
// tokens, the catalog's unit):
//   litellm     model_prices_and_context_window.json: an object keyed by model
//               id; `input_cost_per_token`, `output_cost_per_token`,
//               `cache_read_input_token_cost` (USD per token, numbers),
//               `litellm_provider`
//   openrouter  GET /api/v1/models: `data[]` with `id` ("openai/gpt-4o") and
//               `pricing.prompt` / `completion` / `input_cache_read` (USD per
//               token, decimal strings)
// A malformed document throws (the caller keeps its last good table); a
// malformed entry is skipped and counted. Ids are lower-cased: both sources
// spell them inconsistently and nothing distinguishes ids by case alone.
import type { ModelSpec } from '../policy/types.js';

export type Pricing = ModelSpec['pricing'];
export type PriceFormat = 'litellm' | 'openrouter';

export interface PriceEntry extends Pricing {
  /** The provider the source names for this entry (litellm_provider, or the OpenRouter id prefix). */
  provider?: string;
}

export interface PriceTable {
  format: PriceFormat;
  /** By lower-cased id; see price-match.ts for the ids a catalog model looks up. */
  entries: ReadonlyMap<string, PriceEntry>;
  /** Entries left out because a price was missing, negative or not a number. */
  skipped: number;
}

export class PriceFormatError extends Error {}

const PER_MILLION = 1e6;

export function parsePriceTable(format: PriceFormat, doc: unknown): PriceTable {
  const table = format === 'litellm' ? parseLiteLlm(doc) : parseOpenRouter(doc);
  if (table.entries.size === 0) throw new PriceFormatError(`no usable prices in the ${format} document (${table.skipped} entries skipped)`);
  return table;
}

function parseLiteLlm(doc: unknown): PriceTable {
  if (!isObject(doc)) throw new PriceFormatError('a litellm price table is a JSON object keyed by model id');
  const entries = new Map<string, PriceEntry>();
  const derived: [string, PriceEntry][] = [];
  let skipped = 0;
  for (const [key, v] of Object.entries(doc)) {
    if (key === 'sample_spec') continue; // the file's own documentation entry
    const input = isObject(v) ? perMillion(v.input_cost_per_token) : undefined;
    const output = isObject(v) ? perMillion(v.output_cost_per_token) : undefined;
    if (!isObject(v) || input === undefined || output === undefined) {
      skipped++;
      continue;
    }
    const id = key.toLowerCase();
    const provider = typeof v.litellm_provider === 'string' && v.litellm_provider ? v.litellm_provider.toLowerCase() : undefined;
    const cached = perMillion(v.cache_read_input_token_cost);
    const entry: PriceEntry = { input, output, ...(cached !== undefined ? { cachedInput: cached } : {}), ...(provider ? { provider } : {}) };
    entries.set(id, entry);
    // "gpt-4o" with litellm_provider "openai" is also "openai/gpt-4o", so one
    // provider-qualified lookup serves both formats. Explicit keys win.
    if (provider && !id.startsWith(`${provider}/`)) derived.push([`${provider}/${id}`, entry]);
  }
  for (const [id, entry] of derived) if (!entries.has(id)) entries.set(id, entry);
  return { format: 'litellm', entries, skipped };
}

function parseOpenRouter(doc: unknown): PriceTable {
  if (!isObject(doc) || !Array.isArray(doc.data)) throw new PriceFormatError('an openrouter price table is an object with a "data" array');
  const entries = new Map<string, PriceEntry>();
  let skipped = 0;
  for (const m of doc.data as unknown[]) {
    const pricing = isObject(m) && isObject(m.pricing) ? m.pricing : undefined;
    const input = perMillion(pricing?.prompt);
    const output = perMillion(pricing?.completion);
    // OpenRouter marks router pseudo-models with "-1" (price decided per request): skipped here.
    if (!isObject(m) || typeof m.id !== 'string' || !m.id || input === undefined || output === undefined) {
      skipped++;
      continue;
    }
    const id = m.id.toLowerCase();
    const cached = perMillion(pricing?.input_cache_read);
    const slash = id.indexOf('/');
    const entry: PriceEntry = { input, output, ...(cached !== undefined ? { cachedInput: cached } : {}), ...(slash > 0 ? { provider: id.slice(0, slash) } : {}) };
    if (!entries.has(id)) entries.set(id, entry);
  }
  return { format: 'openrouter', entries, skipped };
}

/** USD per token (number or decimal string) → USD per 1M tokens; undefined unless finite and ≥ 0. */
function perMillion(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n) || n < 0) return undefined;
  // Rounded to 1e-9 USD/1M: per-token floats such as 2.5e-6 otherwise come out as 2.4999999999999996.
  return Math.round(n * PER_MILLION * 1e9) / 1e9;
}

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
