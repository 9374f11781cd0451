// Live prices: the tables named in Settings.priceSources, each fetched now and
// then every `refreshSeconds`, parsed (price-formats.ts) and matched to the
// catalog (price-match.ts). Each source keeps its last good table: a failed
// refresh (network, HTTP status, size, malformed document) changes nothing
// but the error counters, and is retried after 1 min, doubling up to
// refreshSeconds. `priceOf(c)` answers from the first source, in Settings
// order, that prices the model; undefined means "use the catalog's price".
// Reloads reconcile the list: unchanged sources keep their tables and timers.
import type { ModelSpec, PolicySet, PriceSourceSpec } from '../policy/types.js';
import type { Logger } from '../telemetry/log.js';
import type { Metrics } from '../telemetry/metrics.js';
import { fetchJson } from './fetch-json.js';
import { parsePriceTable, type PriceTable, type Pricing } from './price-formats.js';
import { matchPrice, type PricedModel } from './price-match.js';
import { maskSecrets } from '../telemetry/log.js';

export const DEFAULT_REFRESH_SECONDS = 3600;
const FIRST_RETRY_MS = 60_000;

export interface PriceSourcesOptions {
  metrics?: Metrics;
  logger?: Logger;
  /** Deadline of one fetch. Default 30 s. */
  timeoutMs?: number;
  /** Largest document accepted. Default 32 MiB (LiteLLM's table is ≈1.5 MB, OpenRouter's ≈1 MB). */
  maxBytes?: number;
}

export interface PriceSourceStatus {
  url: string;
  format: PriceSourceSpec['format'];
  entries: number;
  /** Catalog models of the live set this source prices. */
  matched: number;
  lastSuccess?: Date;
  lastError?: string;
}

interface Source {
  spec: Readonly<PriceSourceSpec>;
  table?: PriceTable;
  lastSuccess?: Date;
  lastError?: string;
  failures: number;
  timer?: NodeJS.Timeout;
  running?: Promise<void>;
  abort: AbortController;
}

export class PriceSources {
  #sources: Source[] = [];
  #set: PolicySet | undefined;
  /** Bumped whenever a table changes, so cached matches are recomputed. */
  #generation = 0;
  #cache = new WeakMap<Readonly<ModelSpec>, { generation: number; price: Pricing | undefined }>();
  #stopped = false;

  constructor(private readonly opts: PriceSourcesOptions = {}) {}

  /** Adopt a policy set: start new sources, stop removed ones, keep the rest. */
  apply(set: PolicySet): void {
    if (this.#stopped) return;
    this.#set = set;
    const wanted = set.settings.priceSources ?? [];
    const old = new Map(this.#sources.map((s) => [idOf(s.spec), s]));
    const next: Source[] = [];
    for (const spec of wanted) {
      const kept = old.get(idOf(spec));
      old.delete(idOf(spec));
      if (kept) {
        const rescheduled = (kept.spec.refreshSeconds ?? DEFAULT_REFRESH_SECONDS) !== (spec.refreshSeconds ?? DEFAULT_REFRESH_SECONDS);
        kept.spec = spec;
        if (rescheduled && !kept.running) this.#schedule(kept);
        next.push(kept);
      } else {
        const s: Source = { spec, failures: 0, abort: new AbortController() };
        next.push(s);
        void this.#refresh(s);
      }
    }
    for (const gone of old.values()) this.#halt(gone);
    const changed = next.length !== this.#sources.length || next.some((s, i) => s !== this.#sources[i]);
    this.#sources = next;
    if (changed) this.#generation++;
    if (this.opts.metrics) {
      this.opts.metrics.priceSourceModels.reset();
      this.opts.metrics.priceSourceLastSuccess.reset();
    }
    this.#sources.forEach((s, i) => this.#publish(s, i));
  }

  /** The live price of a catalog model, or undefined (the catalog's price applies). */
  priceOf(c: PricedModel): Pricing | undefined {
    if (this.#sources.length === 0) return undefined;
    const hit = this.#cache.get(c.model);
    if (hit && hit.generation === this.#generation) return hit.price;
    let price: Pricing | undefined;
    for (const s of this.#sources) {
      const e = s.table ? matchPrice(s.table, c) : undefined;
      if (!e) continue;
      // A source without a cache-read price keeps the catalog's (still the best estimate).
      const cachedInput = e.cachedInput ?? c.model.pricing.cachedInput;
      // Sources carry no cache-write price here: the catalog's applies.
      const cacheWrite = c.model.pricing.cacheWrite;
      price = Object.freeze({ input: e.input, output: e.output, ...(cachedInput !== undefined ? { cachedInput } : {}), ...(cacheWrite !== undefined ? { cacheWrite } : {}) });
      break;
    }
    this.#cache.set(c.model, { generation: this.#generation, price });
    return price;
  }

  /** Refresh every source now and wait (tests, `explain`); timers continue as before. */
  async refreshAll(): Promise<void> {
    await Promise.all(this.#sources.map((s) => s.running ?? this.#refresh(s)));
  }

  status(): PriceSourceStatus[] {
    return this.#sources.map((s) => ({
      url: s.spec.url,
      format: s.spec.format,
      entries: s.table?.entries.size ?? 0,
      matched: this.#matched(s),
      ...(s.lastSuccess ? { lastSuccess: s.lastSuccess } : {}),
      ...(s.lastError ? { lastError: s.lastError } : {}),
    }));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    const running = this.#sources.map((s) => s.running);
    for (const s of this.#sources) this.#halt(s);
    this.#sources = [];
    await Promise.allSettled(running);
  }

  #refresh(s: Source): Promise<void> {
    clearTimeout(s.timer);
    s.running = (async () => {
      try {
        const doc = await fetchJson(s.spec.url, { timeoutMs: this.opts.timeoutMs ?? 30_000, maxBytes: this.opts.maxBytes ?? 32 * 1024 * 1024, signal: s.abort.signal });
        const table = parsePriceTable(s.spec.format, doc);
        if (s.abort.signal.aborted) return;
        s.table = table;
        s.lastSuccess = new Date();
        delete s.lastError;
        s.failures = 0;
        this.#generation++;
        this.#count(s, 'success');
        this.opts.logger?.info({ url: maskSecrets(s.spec.url), format: s.spec.format, entries: table.entries.size, skipped: table.skipped, matched: this.#matched(s) }, 'price source refreshed');
      } catch (err) {
        if (s.abort.signal.aborted) return;
        s.lastError = (err as Error).message;
        s.failures++;
        this.#count(s, 'error');
        this.opts.logger?.warn({ url: maskSecrets(s.spec.url), format: s.spec.format, error: s.lastError, keeping: s.table ? 'last good table' : 'catalog prices' }, 'price source refresh failed');
      } finally {
        s.running = undefined;
        if (!s.abort.signal.aborted) this.#schedule(s);
      }
    })();
    return s.running;
  }

  #schedule(s: Source): void {
    clearTimeout(s.timer);
    const everyMs = (s.spec.refreshSeconds ?? DEFAULT_REFRESH_SECONDS) * 1000;
    const delay = s.failures === 0 ? everyMs : Math.min(everyMs, FIRST_RETRY_MS * 2 ** Math.min(s.failures - 1, 20));
    s.timer = setTimeout(() => void this.#refresh(s), delay);
    s.timer.unref(); // a pending refresh never keeps the process alive
  }

  #halt(s: Source): void {
    clearTimeout(s.timer);
    s.abort.abort();
  }

  #count(s: Source, result: 'success' | 'error'): void {
    const i = this.#sources.indexOf(s);
    if (i < 0 || !this.opts.metrics) return;
    this.opts.metrics.priceSourceRefreshes.inc({ source: String(i), result });
    this.#publish(s, i);
  }

  #publish(s: Source, i: number): void {
    const m = this.opts.metrics;
    if (!m) return;
    m.priceSourceModels.set({ source: String(i) }, this.#matched(s));
    if (s.lastSuccess) m.priceSourceLastSuccess.set({ source: String(i) }, s.lastSuccess.getTime() / 1000);
  }

  #matched(s: Source): number {
    const set = this.#set;
    if (!s.table || !set) return 0;
    let n = 0;
    for (const model of set.models.values()) {
      const provider = set.providers.get(model.provider);
      if (provider && matchPrice(s.table, { provider, model })) n++;
    }
    return n;
  }
}

function idOf(spec: Readonly<PriceSourceSpec>): string {
  return `${spec.format} ${spec.url}`;
}
