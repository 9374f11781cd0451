// Helpers for the client-key and shared-state integration tests: demo stacks
// (simulators + router, src/cli/demo-stack.ts) with an ApiKeys document, a
// metered model whose cost is exactly predictable, and Settings.state.
//
// The metered model (openai/metered) prices input at 0 and output at
// $1000 per 1M tokens; the simulator truncates its answer to max_tokens words,
// so a request with max_tokens 4 costs exactly $0.004 — and the routing
// estimate (input × 0 + 4 × output price) is the same $0.004. That is what
// lets a test say "a budget of $0.02 affords exactly 5 requests".
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { startDemoStack, type DemoStack } from '../../src/cli/demo-stack.js';
import type { Logger } from '../../src/telemetry/log.js';
import { createLogger } from '../../src/telemetry/log.js';

export interface KeyDef {
  name: string;
  /** The secret a client sends. */
  key: string;
  /** Extra YAML fields (flow style), e.g. `rpm: 20`. */
  extra?: string;
}

export const METERED_COST_USD = 0.004;

export const METERED_BODY = { model: 'openai/metered', messages: [{ role: 'user', content: 'one two three four five six seven' }], max_tokens: 4 };

const METERED_MODELS = `apiVersion: tokenrouter/v1
kind: Models
metadata:
  name: metered
spec:
  models:
    - { name: metered, provider: openai, pricing: { input: 0, output: 1000 }, quality: 0.5, contextWindow: 100000, capabilities: [streaming] }
    # The simulator fails every call to a model named *-fail500 (src/simulator/script.ts).
    - { name: metered-broken, provider: openai, upstreamModel: metered-fail500, pricing: { input: 0, output: 1000 }, quality: 0.5, contextWindow: 100000, capabilities: [streaming] }
`;

export function keysYaml(keys: readonly KeyDef[]): string {
  const items = keys.map((k) => `    - { name: ${k.name}, sha256: "${createHash('sha256').update(k.key).digest('hex')}"${k.extra ? `, ${k.extra}` : ''} }`);
  return `apiVersion: tokenrouter/v1\nkind: ApiKeys\nmetadata:\n  name: test-keys\nspec:\n  keys:\n${items.join('\n')}\n`;
}

export function settingsYaml(state?: Record<string, unknown>): string {
  return `apiVersion: tokenrouter/v1\nkind: Settings\nmetadata:\n  name: settings\nspec:\n  defaultMode: balance\n${state ? `  state: ${JSON.stringify(state)}\n` : ''}`;
}

/** `files`: more policy documents (name → YAML) next to the keys, metered models and settings. */
export async function startStack(opts: { keys: readonly KeyDef[]; state?: Record<string, unknown>; logger?: Logger; files?: Record<string, string> }): Promise<DemoStack> {
  return startDemoStack({
    extraFiles: { 'keys.yaml': keysYaml(opts.keys), 'metered.yaml': METERED_MODELS, 'settings.yaml': settingsYaml(opts.state), ...opts.files },
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
}

/** A logger whose JSON lines land in `lines`. */
export function capturingLogger(): { logger: Logger; lines: Record<string, any>[] } {
  const lines: Record<string, any>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), lines };
}

export interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

/** POST `body` (default: the metered chat request) to `path`; `body: null` sends a GET. */
export async function call(baseUrl: string, key: string | undefined, path = '/v1/chat/completions', body: unknown = METERED_BODY): Promise<Answer> {
  const get = body === null;
  const res = await fetch(`${baseUrl}${path}`, {
    method: get ? 'GET' : 'POST',
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(get ? {} : { 'content-type': 'application/json' }) },
    ...(get ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // SSE or empty: keep the text
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function statusCounts(answers: readonly Answer[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const a of answers) out[a.status] = (out[a.status] ?? 0) + 1;
  return out;
}
