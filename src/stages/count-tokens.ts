// POST /v1/messages/count_tokens (Anthropic's token counting): the admission
// every data-plane request takes, then a count instead of a generation.
//
//   admit rate (key rpm) → read (a Messages body without max_tokens) → route
//   (rules, model string, mode, key scope) → screen (prompt firewall: a block
//   is the 403 a Messages request gets) → count → account
//
// The count is exact when the routed provider is of type anthropic: its own
// /v1/messages/count_tokens is asked, with the provider's key, as a Messages
// call would be built (masks applied). Any other provider type has no
// counting endpoint, so the answer is the router's own estimate (the o200k
// count routing already made, routing/tokens.ts). `kind` says which; the
// route puts it in x-tokenrouter-token-count.
//
// When Anthropic cannot count (429, 5xx, a transport failure) the answer
// falls back to the estimate: a count is advice, and failing it would stop a
// client (Claude Code counts before it sends) over an outage of a side
// endpoint. A 4xx is the request's own fault and is answered as the error a
// Messages call with this body would get. Nothing is generated, so no usage or
// cost is recorded; the request counts in metrics (api "messages") and
// against the key's rpm.
import { dialectOf } from '../api/dialects.js';
import type { CanonicalRequest } from '../canonical/types.js';
import { RouterError } from '../errors/registry.js';
import { Slicer } from '../event-loop/slicer.js';
import type { PolicySet } from '../policy/types.js';
import { adapterFor } from '../providers/registry.js';
import type { UpstreamRequest } from '../providers/types.js';
import type { Candidate } from '../routing/select.js';
import type { KeyTicket } from '../state/key-admission.js';
import { modelLabel, providerLabel } from '../telemetry/labels.js';
import type { AbortLike } from '../upstream/abort.js';
import { providerKey } from '../upstream/credentials.js';
import { UpstreamHttpError } from '../upstream/errors.js';
import { secretsFor } from '../upstream/secrets.js';
import { admitRate } from './admit.js';
import { route } from './route.js';
import { screenPrompt } from './screen.js';
import type { PipelineDeps } from './types.js';

export type TokenCountKind = 'exact' | 'estimate';

export interface CountExchange {
  body: Record<string, unknown>;
  policy: PolicySet;
  caller: string;
  requestId: string;
  signal?: AbortLike;
  /** The work that grows with the body is over (large-body turn). */
  workDone(): void;
}

export interface TokenCount {
  inputTokens: number;
  kind: TokenCountKind;
  /** The routing decision's first candidate: the provider that counted (exact) or would serve. */
  routedTo: Candidate;
  mode: string;
  rules: readonly string[];
}

/** The fields of a Messages body Anthropic's count_tokens takes; the rest of the built request is generation settings. */
const COUNTED_FIELDS = ['model', 'system', 'messages', 'tools', 'tool_choice', 'thinking'] as const;
/** How long Anthropic has to count (a count is small; a provider's own timeoutMs applies when shorter). */
const COUNT_TIMEOUT_MS = 30_000;

export async function runCountTokens(deps: PipelineDeps, cx: CountExchange): Promise<TokenCount> {
  const started = process.hrtime.bigint();
  let ticket: KeyTicket | undefined;
  let result: TokenCount | undefined;
  let outcome = 'error';
  try {
    ticket = await admitRate(deps, cx);
    const slicer = new Slicer();
    const request = countRequest(cx.body);
    if (slicer.due()) await slicer.pace();
    const routed = await route(deps, cx, request, slicer);
    if (slicer.due()) await slicer.pace();
    const screened = await screenPrompt(deps, cx, routed, slicer); // throws firewall_blocked
    cx.workDone();
    const chosen = routed.decision.candidates[0]!; // decide() throws no_candidates rather than return none
    const exact = chosen.provider.type === 'anthropic' ? await exactCount(deps, cx, chosen, screened.request) : undefined;
    result = {
      inputTokens: exact ?? routed.decision.estimatedInputTokens,
      kind: exact === undefined ? 'estimate' : 'exact',
      routedTo: chosen,
      mode: routed.decision.mode,
      rules: routed.decision.rules,
    };
    outcome = 'success';
    return result;
  } catch (err) {
    outcome = err instanceof RouterError && err.code === 'firewall_blocked' ? 'blocked' : 'error';
    throw err;
  } finally {
    account(deps, cx, result, outcome, started);
    deps.state.keys.settle(ticket, { tokens: 0, costUsd: 0 });
  }
}

/**
 * The count_tokens body read as a Messages request: it has no max_tokens (a placeholder above any
 * thinking budget satisfies the reader, then is dropped so routing filters on no output size) and
 * is never a stream.
 */
export function countRequest(body: Record<string, unknown>): CanonicalRequest {
  const { max_tokens: _max, stream: _stream, ...rest } = body;
  const request = dialectOf('messages').normalize({ ...rest, max_tokens: 10_000_000 });
  delete request.maxOutputTokens;
  request.stream = false;
  return request;
}

/** Anthropic's own count, or undefined when it cannot give one now (the estimate answers instead). */
async function exactCount(deps: PipelineDeps, cx: CountExchange, chosen: Candidate, request: CanonicalRequest): Promise<number | undefined> {
  const apiKey = providerKey(chosen.provider);
  const breaker = `${chosen.provider.name}/${chosen.model.name}`;
  if (!apiKey || deps.resilience.breakers.state(breaker) === 'open') return undefined;
  const adapter = adapterFor('anthropic');
  const upstream = countTokensRequest(adapter.buildRequest(request, { provider: chosen.provider, model: chosen.model, apiKey }));
  let status: number;
  let text: string;
  let headers: Record<string, string>;
  try {
    const res = await deps.client.send(upstream, { ...(cx.signal ? { signal: cx.signal } : {}), timeoutMs: Math.min(chosen.provider.timeoutMs ?? COUNT_TIMEOUT_MS, COUNT_TIMEOUT_MS) });
    ({ status, headers } = res);
    text = await res.body.text();
  } catch (err) {
    // The client going away is not the provider's failure; the answer is moot either way.
    if (cx.signal?.aborted) throw err;
    deps.resilience.breakers.failure(breaker);
    return undefined;
  }
  if (status === 429 || status >= 500) {
    deps.resilience.breakers.failure(breaker);
    return undefined;
  }
  if (status >= 400) {
    const mapped = adapter.mapError(status, headers, text);
    const secrets = secretsFor(cx.policy);
    throw new UpstreamHttpError({ ...mapped, message: secrets.scrub(mapped.message) }, chosen.provider.name);
  }
  const n = inputTokensOf(text);
  if (n === undefined) return undefined; // not an answer we can pass on
  deps.resilience.breakers.success(breaker);
  return n;
}

/** `input_tokens` of Anthropic's answer, when it is one (a non-negative integer in a JSON object). */
function inputTokensOf(text: string): number | undefined {
  try {
    const n = (JSON.parse(text) as { input_tokens?: unknown } | null)?.input_tokens;
    return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** The Messages request the adapter built (url …/messages), turned into its count_tokens twin. */
function countTokensRequest(built: UpstreamRequest): UpstreamRequest {
  const full = JSON.parse(built.body) as Record<string, unknown>;
  const body: Record<string, unknown> = {};
  for (const k of COUNTED_FIELDS) if (full[k] !== undefined) body[k] = full[k];
  const text = JSON.stringify(body);
  const headers = { ...built.headers };
  delete headers['content-length'];
  return { url: `${built.url}/count_tokens`, method: 'POST', headers, body: text, stream: false };
}

/** Metrics (api "messages", the provider that counted or "other") and the decision log line; no usage or cost. */
function account(deps: PipelineDeps, cx: CountExchange, r: TokenCount | undefined, outcome: string, started: bigint): void {
  const set = cx.policy;
  const counted = r?.kind === 'exact' ? r.routedTo : undefined;
  const provider = providerLabel(set, counted?.provider.name);
  const model = modelLabel(set, counted?.provider.name, counted?.model.name);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  deps.metrics.requests.inc({ api: 'messages', provider, model, outcome });
  deps.metrics.requestDuration.observe({ api: 'messages', outcome }, seconds);
  if (!deps.logger.isLevelEnabled('info')) return;
  deps.logger.info(
    {
      request_id: cx.requestId,
      api: 'messages',
      endpoint: 'count_tokens',
      caller: cx.caller,
      policy_version: set.version,
      provider: r?.routedTo.provider.name,
      model: r?.routedTo.model.name,
      token_count: r ? { input: r.inputTokens, kind: r.kind } : undefined,
      outcome,
      latency_ms: Math.round(seconds * 1e4) / 10,
    },
    'decision',
  );
}
