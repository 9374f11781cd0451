// The lean pipeline's batch span processor and OTLP/HTTP exporter in one
// (the OTEL_BSP_* rules): ended spans queue (beyond the queue's size they are
// dropped, never blocking a request), a batch leaves when it is full or when
// the schedule delay has passed since the first queued span, and shutdown
// sends what is left. A failed export is retried on the statuses the OTLP
// specification calls transient (429, 502, 503, 504) and on network errors,
// with backoff, within the export timeout; the first failure is logged.
import http from 'node:http';
import https from 'node:https';
import type { Attributes } from '@opentelemetry/api';
import type { Logger } from './log.js';
import type { LeanConfig } from './otlp-config.js';
import { batchHead, JsonBatch, ProtobufBatch, type BatchHead, type Scope, type SpanBatch } from './otlp-encode.js';
import type { SpanRecord, SpanSink } from './lean-tracer.js';

const RETRYABLE = new Set([429, 502, 503, 504]);
const MAX_ATTEMPTS = 5;

export class OtlpBatchExporter implements SpanSink {
  /** The spans queued for the next export; older full batches are already in flight. */
  #batch: SpanBatch;
  readonly #head: BatchHead | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #inflight = new Set<Promise<void>>();
  #inflightSpans = 0;
  #sizeHint = 64 * 1024;
  readonly #url: URL;
  readonly #agent: http.Agent;
  #warned = false;
  #stopped = false;
  /** Spans dropped because the queue was full (kept for tests and a later metric). */
  dropped = 0;

  constructor(
    private readonly config: Pick<LeanConfig, 'url' | 'protocol' | 'headers' | 'timeoutMs' | 'scheduleDelayMs' | 'maxQueueSize' | 'maxExportBatchSize'>,
    private readonly resource: Attributes,
    private readonly scope: Scope,
    private readonly logger: Logger,
  ) {
    this.#url = new URL(config.url);
    this.#head = config.protocol === 'http/json' ? undefined : batchHead(resource, scope);
    this.#batch = this.#newBatch();
    this.#agent = this.#url.protocol === 'https:' ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  }

  #newBatch(): SpanBatch {
    if (!this.#head) return new JsonBatch(this.resource, this.scope);
    // Sized like the last full-size batch, so the buffer rarely grows (each growth copies it).
    const last = this.#batch as ProtobufBatch | undefined;
    if (last && last.count >= this.config.maxExportBatchSize) this.#sizeHint = last.size + 4096;
    return new ProtobufBatch(this.#head, this.#sizeHint);
  }

  add(span: SpanRecord): void {
    if (this.#stopped) return;
    // The SDK's bound: a full queue plus the batch being exported; beyond it spans are dropped, not buffered.
    if (this.#batch.count + this.#inflightSpans >= this.config.maxQueueSize + this.config.maxExportBatchSize) {
      this.dropped++;
      return;
    }
    this.#batch.add(span);
    if (this.#batch.count >= this.config.maxExportBatchSize) this.#flush();
    else this.#timer ??= setTimeout(() => this.#flush(), this.config.scheduleDelayMs).unref();
  }

  /** Sends what is queued (a batch is never larger than the batch size: add() flushes at it). */
  #flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#batch.count === 0) return;
    const batch = this.#batch;
    this.#batch = this.#newBatch();
    this.#inflightSpans += batch.count;
    const p = this.#export(batch).finally(() => {
      this.#inflight.delete(p);
      this.#inflightSpans -= batch.count;
    });
    this.#inflight.add(p);
  }

  /** Flushes what is queued and stops taking spans; waits for every export in flight (retries included, within the export timeout). */
  async shutdown(): Promise<void> {
    this.#flush();
    this.#stopped = true;
    await Promise.all([...this.#inflight]);
    this.#agent.destroy();
  }

  async #export(batch: SpanBatch): Promise<void> {
    const json = this.#head === undefined;
    const body = batch.body();
    const deadline = Date.now() + this.config.timeoutMs;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.#post(body, json ? 'application/json' : 'application/x-protobuf', deadline - Date.now());
      if (outcome === 'ok') return;
      const backoff = Math.min(5000, 1000 * 2 ** (attempt - 1)) * (0.8 + Math.random() * 0.4);
      if (outcome === 'fatal' || attempt >= MAX_ATTEMPTS || Date.now() + backoff >= deadline) {
        this.#warn(batch.count, outcome === 'fatal' ? 'rejected' : 'unreachable');
        return;
      }
      await new Promise((r) => setTimeout(r, backoff).unref());
    }
  }

  /** One POST: ok (2xx), retry (transient status, network error, timeout) or fatal (any other status). */
  #post(body: Buffer, contentType: string, timeoutMs: number): Promise<'ok' | 'retry' | 'fatal'> {
    return new Promise((resolve) => {
      const client = this.#url.protocol === 'https:' ? https : http;
      const req = client.request(
        this.#url,
        { method: 'POST', agent: this.#agent, headers: { ...this.config.headers, 'content-type': contentType, 'content-length': body.length }, timeout: Math.max(1, timeoutMs) },
        (res) => {
          res.resume(); // the response body (a partial-success note at most) is not needed
          const status = res.statusCode ?? 0;
          resolve(status >= 200 && status < 300 ? 'ok' : RETRYABLE.has(status) ? 'retry' : 'fatal');
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => resolve('retry'));
      req.end(body);
    });
  }

  #warn(spans: number, why: string): void {
    if (this.#warned) return;
    this.#warned = true;
    this.logger.warn({ endpoint: this.config.url, spans, why }, 'OpenTelemetry export failed: spans dropped (logged once)');
  }
}
