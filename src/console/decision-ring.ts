// The console's memory of recent requests: a fixed-size ring of decision
// records, written once per request by the account stages. The write sits on
// the data plane's path, so it only copies references the Trace already holds
// into one small object; dates, filters and shapes are made at read time
// (decision-views.ts). A record never holds the request, the routing facts or
// anything else carrying prompt text — only `prompt`, when the policy asks.
import type { ScoreTerms } from '../routing/score.js';

/** One candidate as [provider, model, via, terms]: four references, no copy. */
export type CandidateRef = readonly [provider: string, model: string, via: string, terms: ScoreTerms | undefined];

export interface AttemptRef {
  readonly provider: string;
  readonly model: string;
  readonly outcome: string;
  readonly reason?: string | undefined;
  readonly status?: number | undefined;
  readonly ms: number;
  readonly ttftMs?: number | undefined;
}

export interface UsageRef {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cachedTokens: number;
  readonly reasoningTokens: number;
}

export interface DecisionRecord {
  requestId: string;
  traceId: string | undefined;
  /** Epoch ms the request started. */
  startedAt: number;
  api: string;
  key: string;
  mode: string | undefined;
  provider: string | undefined;
  model: string | undefined;
  rules: readonly string[];
  outcome: string;
  status: number | undefined;
  latencyMs: number;
  costUsd: number | undefined;
  stream: boolean;
  cache: 'hit' | 'miss' | 'bypass' | undefined;
  candidates: readonly CandidateRef[];
  firewall: readonly { rule: string; action: string; scope?: string }[];
  attempts: readonly AttemptRef[];
  failoverReason: string | undefined;
  usage: UsageRef | undefined;
  error: { code: string | null; message: string } | undefined;
  prompt: string | undefined;
}

export const DEFAULT_DECISIONS = 500;
export const MAX_DECISIONS = 10_000;
export const MIN_DECISIONS = 10;

export type DecisionListener = (r: DecisionRecord) => void;

export class DecisionRing {
  #slots: (DecisionRecord | undefined)[];
  /** Where the next write goes. */
  #next = 0;
  #size = 0;
  readonly #listeners = new Set<DecisionListener>();

  constructor(capacity = DEFAULT_DECISIONS) {
    this.#slots = new Array(clampCapacity(capacity));
  }

  get capacity(): number {
    return this.#slots.length;
  }

  get size(): number {
    return this.#size;
  }

  /** Settings.console.decisions changed: keep the newest records that still fit. */
  resize(capacity: number): void {
    const n = clampCapacity(capacity);
    if (n === this.#slots.length) return;
    const kept = this.newestFirst().slice(0, n).reverse();
    this.#slots = new Array(n);
    this.#size = 0;
    this.#next = 0;
    for (const r of kept) this.#put(r);
  }

  write(r: DecisionRecord): void {
    this.#put(r);
    // Live subscribers (the console's SSE) only queue the reference; they format on their own tick.
    if (this.#listeners.size) for (const l of this.#listeners) l(r);
  }

  newestFirst(): DecisionRecord[] {
    const out: DecisionRecord[] = [];
    const n = this.#slots.length;
    for (let i = 1; i <= this.#size; i++) out.push(this.#slots[(this.#next - i + n) % n]!);
    return out;
  }

  find(requestId: string): DecisionRecord | undefined {
    for (const r of this.#slots) if (r?.requestId === requestId) return r;
    return undefined;
  }

  subscribe(l: DecisionListener): () => void {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }

  #put(r: DecisionRecord): void {
    this.#slots[this.#next] = r;
    this.#next = (this.#next + 1) % this.#slots.length;
    if (this.#size < this.#slots.length) this.#size++;
  }
}

function clampCapacity(n: number): number {
  return Math.min(MAX_DECISIONS, Math.max(MIN_DECISIONS, Math.floor(n) || DEFAULT_DECISIONS));
}

/** At most 4 KiB of prompt text (UTF-16 units; a cut surrogate pair is dropped). */
export const MAX_PROMPT_CHARS = 4096;
export function cutPrompt(text: string): string {
  if (text.length <= MAX_PROMPT_CHARS) return text;
  let cut = text.slice(0, MAX_PROMPT_CHARS);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return cut;
}
