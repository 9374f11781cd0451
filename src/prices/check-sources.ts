// `tokenrouter validate --check-sources`: fetch each price source once and
// parse it, so a typo in a URL or a format shows up in CI rather than as a
// silent fallback to catalog prices at run time. Only warnings: a source can
// be down for a moment and the router falls back to catalog prices anyway.
import type { PolicySet } from '../policy/types.js';
import { maskSecrets } from '../telemetry/log.js';
import { fetchJson } from './fetch-json.js';
import { parsePriceTable } from './price-formats.js';

export async function checkPriceSources(set: PolicySet, timeoutMs = 10_000): Promise<string[]> {
  const warnings: string[] = [];
  for (const [i, source] of (set.settings.priceSources ?? []).entries()) {
    const where = `Settings /spec/priceSources/${i} (${maskSecrets(source.url)})`;
    try {
      const table = parsePriceTable(source.format, await fetchJson(source.url, { timeoutMs, maxBytes: 32 * 1024 * 1024 }));
      if (table.entries.size === 0) warnings.push(`${where}: reachable, but no usable ${source.format} price entry in it`);
    } catch (err) {
      warnings.push(`${where}: unusable: ${maskSecrets((err as Error).message)}`);
    }
  }
  return warnings;
}
