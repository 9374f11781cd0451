// The pipeline for requests the router forwards without translating (POST
// /v1/embeddings today; files or batches would join here). The same stages as
// runPipeline, in the same order, with nothing skipped:
//
//   admit rate (key rpm/tpm) → read → route (provider) → key scope → provider
//   filters (enabled, type, credentials, breaker) → screen (prompt firewall)
//   → reserve budget → forward → account (metrics, usage ledger, key limits)
//
// The forwarding itself (http-proxy-middleware behind an allow-list of
// headers) is the route's; this file decides what is sent where, and accounts
// for what came back.
import { asCanonical, forwardBody, readEmbeddingsRequest, type EmbeddingsRequest } from '../api/embeddings/request.js';
import { Slicer } from '../event-loop/slicer.js';
import { RouterError } from '../errors/registry.js';
import { promptTexts } from '../firewall/prompt.js';
import { RequestFirewall } from '../firewall/request.js';
import { firewallReporter } from '../firewall/telemetry.js';
import type { ModelSpec, PolicySet, ProviderSpec } from '../policy/types.js';
import { combineActions } from '../routing/actions.js';
import { evaluateRules } from '../routing/evaluate.js';
import { buildFacts } from '../routing/facts.js';
import { providerAlias } from '../routing/model-string.js';
import { estimateTokens } from '../routing/tokens.js';
import type { KeyTicket } from '../state/key-admission.js';
import { modelLabel, providerLabel } from '../telemetry/labels.js';
import { providerKey } from '../upstream/credentials.js';
import type { RequestSpan } from '../telemetry/request-span.js';
import type { PipelineDeps } from './types.js';
import { recordForwardDecision } from '../console/decision-record.js';

export interface ForwardTarget {
  provider: Readonly<ProviderSpec>;
  /** Origin of the provider's base URL, e.g. https://api.openai.com */
  origin: string;
  /** Path on the provider, e.g. /v1/embeddings */
  path: string;
  body: string;
  /** Every header sent upstream: the provider's key and configured headers, nothing of the caller's. */
  headers: Record<string, string>;
}

export interface ForwardOutcome {
  status: number;
  /** Input tokens the provider reported (usage.prompt_tokens), when it did. */
  inputTokens?: number;
}

export interface ForwardExchange {
  /** The metrics' `api` label. */
  api: 'embeddings';
  /** The endpoint below the provider's base URL, e.g. /embeddings */
  endpoint: string;
  body: Record<string, unknown>;
  policy: PolicySet;
  caller: string;
  requestId: string;
  /** Sends the request upstream and streams the answer to the client; resolves once the answer has ended. */
  send(target: ForwardTarget): Promise<ForwardOutcome>;
  /** The work that grows with the body is over (large-body turn). */
  workDone(): void;
  /** The request's server span: the upstream call is its CLIENT child, its context sent to the provider. */
  span: RequestSpan;
}

interface Record_ {
  ticket?: KeyTicket;
  provider?: string;
  model?: string;
  /** Catalog entry of the model, when the catalog prices it. */
  spec?: Readonly<ModelSpec>;
  estimatedTokens: number;
  outcome?: ForwardOutcome;
  firewallHits: { rule: string; action: string }[];
  /** The masked input text, kept only when Settings.console.recordPrompts asks (the console's decision ring). */
  prompt?: string;
}

export async function runForwardPipeline(deps: PipelineDeps, fx: ForwardExchange): Promise<void> {
  const started = process.hrtime.bigint();
  const r: Record_ = { estimatedTokens: 0, firewallHits: [] };
  let outcome = 'error';
  try {
    r.ticket = await deps.state.keys.admitRate(fx.policy, fx.caller);
    const req = readEmbeddingsRequest(fx.body);
    const slicer = new Slicer();
    const text = req.texts?.join('\n') ?? '';
    const facts = buildFacts({ text, mode: fx.policy.settings.defaultMode, model: req.model, api: fx.api, apiKey: fx.caller });
    const { provider, model } = await route(fx.policy, req, facts);
    r.provider = provider.name;
    r.model = model;
    checkScope(fx.policy, fx.caller, provider.name, model);
    const key = usableKey(deps, provider, model);
    r.spec = fx.policy.models.get(`${provider.name}/${model}`);
    let texts = req.texts;
    const report = firewallReporter(deps.metrics, deps.logger, fx.policy, fx.requestId);
    const firewall = await RequestFirewall.create(fx.policy, facts, (scope, hits) => {
      for (const h of hits) r.firewallHits.push({ rule: h.rule, action: h.action });
      report(scope, hits);
    });
    if (texts) {
      const screened = await firewall.prompt(asCanonical(req, texts), slicer); // throws firewall_blocked
      texts = promptTexts(screened.request);
      if (fx.policy.settings.console?.recordPrompts === true) r.prompt = texts.join('\n');
      r.estimatedTokens = estimateTokens(texts.join('\n'));
    } else if (firewall.rules.prompt.length > 0) {
      throw new RouterError('unsupported_parameter', 'input given as token ids cannot be screened by the prompt firewall; send the text.', 'input');
    }
    await deps.state.keys.reserve(r.ticket, priceUsd(r.spec, r.estimatedTokens));
    fx.workDone();
    const upstreamModel = r.spec?.upstreamModel ?? model;
    const to = { provider, model: { name: model, upstreamModel } };
    fx.span.operation = 'embeddings';
    const sent = Date.now();
    const propagated = fx.span.attemptStarted(to);
    const built = target(provider, key, fx.endpoint, forwardBody(req, upstreamModel, texts));
    if (propagated) Object.assign(built.headers, propagated);
    r.outcome = await fx.send(built);
    const ok = r.outcome.status < 400;
    fx.span.attemptEnded(to, { provider: provider.name, model, outcome: ok ? 'success' : 'error', status: r.outcome.status, ms: Date.now() - sent });
    breaker(deps, provider.name, model, r.outcome.status);
    outcome = r.outcome.status < 400 ? 'success' : 'error';
  } catch (err) {
    outcome = err instanceof RouterError && err.code === 'firewall_blocked' ? 'blocked' : 'error';
    throw err;
  } finally {
    account(deps, fx, r, outcome, started);
  }
}

/** router_provider, a rule's set_provider, a `provider/` prefix, else the first OpenAI-compatible provider with a key. */
async function route(set: PolicySet, req: EmbeddingsRequest, facts: ReturnType<typeof buildFacts>): Promise<{ provider: Readonly<ProviderSpec>; model: string }> {
  let model = req.model;
  let named: string | undefined = req.router?.provider !== undefined ? providerAlias(req.router.provider) : undefined;
  let param = 'router_provider';
  const slash = model.indexOf('/');
  if (slash > 0) {
    named ??= providerAlias(model.slice(0, slash));
    param = 'model';
    model = model.slice(slash + 1);
  }
  if (named === undefined) {
    const { matched } = await evaluateRules(set, facts, { trace: false });
    named = combineActions(matched).provider?.value;
    param = 'model';
  }
  if (named !== undefined) {
    const p = set.providers.get(named);
    if (!p) throw new RouterError('unknown_model', `Unknown provider "${named}". Valid providers: ${[...set.providers.keys()].join(', ')}.`, param);
    return { provider: p, model };
  }
  for (const p of set.providers.values()) if (p.enabled !== false && openAiWire(p) && providerKey(p)) return { provider: p, model };
  throw new RouterError('no_candidates', 'No OpenAI-compatible provider with credentials can serve this endpoint.');
}

/** The caller's key scope (allowedProviders, allowedModels) holds for this endpoint exactly as for chat. */
function checkScope(set: PolicySet, caller: string, provider: string, model: string): void {
  const scope = set.scopes.get(caller);
  if (!scope) return;
  if (scope.providers && !scope.providers.has(provider)) {
    throw new RouterError('no_candidates', `api_key_scope: key "${caller}" may use providers ${[...scope.providers].join(', ')}; "${provider}" was asked for.`);
  }
  // allowedModels names catalog models: an embedding model is allowed by listing it (with the embeddings capability).
  if (scope.models && !scope.models.has(`${provider}/${model}`)) {
    throw new RouterError('no_candidates', `api_key_scope: key "${caller}" may not use model "${provider}/${model}".`);
  }
}

/** The provider can take this request now: enabled, speaks the OpenAI wire, has a key, its circuit not open. */
function usableKey(deps: PipelineDeps, provider: Readonly<ProviderSpec>, model: string): string {
  if (provider.enabled === false) throw new RouterError('no_candidates', `Provider "${provider.name}" is disabled.`);
  if (!openAiWire(provider)) {
    throw new RouterError('unsupported_parameter', `Provider "${provider.name}" (${provider.type}) does not offer this OpenAI endpoint.`, 'model');
  }
  const key = providerKey(provider);
  if (!key) throw new RouterError('no_candidates', `Provider "${provider.name}" has no credentials configured.`);
  if (deps.resilience.breakers.state(`${provider.name}/${model}`) === 'open') {
    throw new RouterError('no_candidates', `Provider "${provider.name}" is failing (its circuit is open); retry later.`);
  }
  return key;
}

function openAiWire(p: Readonly<ProviderSpec>): boolean {
  return p.type === 'openai' || p.type === 'openai-compatible';
}

function target(provider: Readonly<ProviderSpec>, key: string, endpoint: string, body: string): ForwardTarget {
  const base = new URL(provider.baseUrl);
  return {
    provider,
    origin: base.origin,
    path: base.pathname.replace(/\/$/, '') + endpoint,
    body,
    headers: {
      ...(provider.headers ?? {}),
      authorization: `Bearer ${key}`,
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      accept: 'application/json',
    },
  };
}

/** USD for input tokens at the catalog's price (0 for a model the catalog does not price). */
function priceUsd(spec: Readonly<ModelSpec> | undefined, inputTokens: number): number {
  return spec ? (inputTokens * spec.pricing.input) / 1e6 : 0;
}

function breaker(deps: PipelineDeps, provider: string, model: string, status: number): void {
  const key = `${provider}/${model}`;
  if (status >= 500 || status === 429) deps.resilience.breakers.failure(key);
  else if (status < 400) deps.resilience.breakers.success(key);
}

function account(deps: PipelineDeps, fx: ForwardExchange, r: Record_, outcome: string, started: bigint): void {
  const set = fx.policy;
  const served = outcome === 'success' && r.provider !== undefined;
  const provider = providerLabel(set, served ? r.provider : undefined);
  const model = modelLabel(set, served ? r.provider : undefined, served ? r.model : undefined);
  const m = deps.metrics;
  m.requests.inc({ api: fx.api, provider, model, outcome });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  m.requestDuration.observe({ api: fx.api, outcome }, seconds);
  const tokens = served ? (r.outcome?.inputTokens ?? r.estimatedTokens) : 0;
  const cost = priceUsd(r.spec, tokens);
  if (served) {
    m.tokens.inc({ provider, model, direction: 'input' }, tokens);
    if (cost > 0) m.costUsd.inc({ provider, model }, cost);
  }
  deps.state.keys.settle(r.ticket, { tokens, costUsd: cost });
  if (fx.span.recording) {
    if (served) fx.span.served({ 'gen_ai.usage.input_tokens': tokens });
    fx.span.set({
      'gen_ai.operation.name': 'embeddings',
      'gen_ai.request.model': String(fx.body.model ?? ''),
      ...(served ? { 'gen_ai.usage.input_tokens': tokens, 'tokenrouter.provider': r.provider!, 'tokenrouter.model': r.model! } : {}),
      'tokenrouter.api': fx.api,
      'tokenrouter.request_id': fx.requestId,
      'tokenrouter.policy_version': set.version,
      'tokenrouter.outcome': outcome,
      ...(cost > 0 ? { 'tokenrouter.cost_usd': cost } : {}),
      'tokenrouter.firewall.actions': r.firewallHits.map((h) => `${h.rule}:${h.action}:prompt`),
    });
  }
  // The ledger keeps one row per model for USAGE_RETENTION_DAYS: a model name the catalog does not
  // declare (forwarded as the caller sent it) is recorded as "other", so odd names cannot grow it.
  deps.state.recordUsage({
    key: fx.caller,
    provider: r.provider === undefined ? '' : providerLabel(set, r.provider),
    model: r.model === undefined ? '' : modelLabel(set, r.provider, r.model),
    inputTokens: tokens,
    outputTokens: 0,
    cachedTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    costUsd: cost,
    error: outcome !== 'success',
  });
  if (deps.decisions) {
    const ctx = { requestId: fx.requestId, traceId: fx.span.traceId, api: fx.api, caller: fx.caller, policy: set };
    const rec = { firewallHits: r.firewallHits, inputTokens: tokens, ...(r.provider !== undefined ? { provider: r.provider } : {}), ...(r.model !== undefined ? { model: r.model } : {}), ...(r.outcome ? { status: r.outcome.status } : {}), ...(r.prompt !== undefined ? { prompt: r.prompt } : {}) };
    recordForwardDecision(deps.decisions, ctx, rec, outcome, cost, Date.now() - Math.round(seconds * 1000), Math.round(seconds * 1e4) / 10);
  }
  if (!deps.logger.isLevelEnabled('info')) return;
  deps.logger.info(
    {
      request_id: fx.requestId,
      trace_id: fx.span.traceId,
      api: fx.api,
      caller: fx.caller,
      policy_version: set.version,
      provider: r.provider,
      model: r.model,
      firewall: r.firewallHits.length ? r.firewallHits : undefined,
      outcome,
      status: r.outcome?.status,
      usage: served ? { input: tokens } : undefined,
      cost_usd: cost > 0 ? cost : undefined,
      latency_ms: Math.round(seconds * 1e4) / 10,
    },
    'decision',
  );
}
