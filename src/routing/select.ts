// Picks the ordered candidates (provider + model) for one request:
//   constraints: rule actions (set_provider / set_model are hard constraints),
//                then the request's model string and router_* fields
//   filters:     enabled, credentials present, capabilities the request needs
//                (tools, vision, json_schema, streaming), context window
//   order:       the mode's score (cost, quality, latency priors, balance)
//   fallback:    a rule's explicit chain is tried after the primary
// Each filter records what it removed, so an empty result explains itself.
import type { CanonicalRequest } from '../canonical/types.js';
import type { ModelSpec, PolicySet, ProviderSpec, RoutingMode } from '../policy/types.js';
import { RouterError } from '../server/errors.js';
import type { CombinedActions } from './actions.js';
import { MODES, parseMode, parseModelString, providerAlias } from './model-string.js';

export interface Candidate {
  provider: Readonly<ProviderSpec>;
  model: Readonly<ModelSpec>;
}

export interface Selection {
  mode: RoutingMode;
  candidates: Candidate[];
  /** Why each excluded model was excluded, `provider/model: reason`. */
  excluded: string[];
  /** 0..1: how clearly the first candidate beat the second (score margin). */
  confidence: number;
}

export interface SelectOptions {
  hasCredentials: (p: Readonly<ProviderSpec>) => boolean;
  estimatedInputTokens: number;
}

const WEIGHTS: Record<RoutingMode, { cost: number; quality: number; latency: number }> = {
  balance: { cost: 0.4, quality: 0.4, latency: 0.2 },
  cost: { cost: 0.8, quality: 0.1, latency: 0.1 },
  quality: { cost: 0.1, quality: 0.8, latency: 0.1 },
  latency: { cost: 0.1, quality: 0.1, latency: 0.8 },
};

export function selectCandidates(set: PolicySet, req: CanonicalRequest, actions: CombinedActions, opts: SelectOptions): Selection {
  const parsed = parseModelString(req.router?.model ?? req.model);
  if (parsed.badMode !== undefined) {
    throw new RouterError('unknown_model', `Unknown routing mode "${parsed.badMode}". Valid modes: ${MODES.join(', ')} (aliases: balanced, fast).`, 'model');
  }
  const requestMode = req.router?.mode !== undefined ? parseMode(req.router.mode) : parsed.mode;
  if (req.router?.mode !== undefined && requestMode === undefined) {
    throw new RouterError('unknown_model', `Unknown router_mode "${req.router.mode}". Valid modes: ${MODES.join(', ')}.`, 'router_mode');
  }
  const mode = actions.mode?.value ?? requestMode ?? set.settings.defaultMode;
  const requestProvider = req.router?.provider !== undefined ? providerAlias(req.router.provider) : parsed.provider;
  if (requestProvider !== undefined && !set.providers.has(requestProvider)) {
    throw new RouterError('unknown_model', `Unknown provider "${requestProvider}". Valid providers: ${[...set.providers.keys()].join(', ')}.`, req.router?.provider ? 'router_provider' : 'model');
  }
  const requestModel = parsed.model;
  if (requestModel !== undefined && ![...set.models.values()].some((m) => nameMatches(m, requestModel))) {
    const names = [...new Set([...set.models.values()].map((m) => m.name))].sort();
    throw new RouterError('unknown_model', `Unknown model "${requestModel}". Use auto, auto:MODE, MODEL, MODEL:MODE or provider/MODEL with one of: ${names.join(', ')}.`, 'model');
  }

  // Rules are hard constraints and win over what the request asks for.
  const provider = actions.provider?.value ?? requestProvider;
  const modelName = actions.model?.value ?? (actions.provider && requestProvider !== actions.provider.value ? undefined : requestModel);

  const excluded: string[] = [];
  const needs = requirements(req);
  const pool: Candidate[] = [];
  for (const model of set.models.values()) {
    const key = `${model.provider}/${model.name}`;
    const p = set.providers.get(model.provider)!;
    if (provider !== undefined && model.provider !== provider) continue;
    if (modelName !== undefined && !nameMatches(model, modelName)) continue;
    const why = exclusion(p, model, needs, opts);
    if (why) excluded.push(`${key}: ${why}`);
    else pool.push({ provider: p, model });
  }
  const scored = score(pool, mode, opts.estimatedInputTokens, req.maxOutputTokens ?? 1000);
  const ordered = scored.map((s) => s.candidate);
  // An explicit fallback chain follows the primary choice (the rule's own order).
  for (const ref of actions.fallback?.value ?? []) {
    const m = set.models.get(ref);
    if (!m || ordered.some((c) => c.model === m)) continue;
    const p = set.providers.get(m.provider)!;
    const why = exclusion(p, m, needs, opts);
    if (why) excluded.push(`${ref}: ${why}`);
    else ordered.push({ provider: p, model: m });
  }
  if (ordered.length === 0) {
    const scope = [provider ? `provider ${provider}` : '', modelName ? `model ${modelName}` : ''].filter(Boolean).join(', ') || 'the catalog';
    throw new RouterError('no_candidates', `No model in ${scope} can serve this request. ${excluded.slice(0, 20).join('; ') || 'No model matched.'}`);
  }
  const confidence = scored.length >= 2 ? Math.max(0, Math.min(1, scored[0]!.score - scored[1]!.score)) : 1;
  return { mode, candidates: ordered, excluded, confidence: Math.round(confidence * 1000) / 1000 };
}

function nameMatches(m: Readonly<ModelSpec>, name: string): boolean {
  return m.name === name || (m.aliases ?? []).includes(name);
}

interface Needs {
  tools: boolean;
  vision: boolean;
  jsonSchema: boolean;
  streaming: boolean;
}

function requirements(req: CanonicalRequest): Needs {
  return {
    tools: req.tools.length > 0 || req.items.some((i) => i.type === 'function_call' || i.type === 'function_call_output'),
    vision: req.items.some((i) => i.type === 'message' && i.content.some((p) => p.type === 'image')),
    jsonSchema: req.textFormat?.type === 'json_schema',
    streaming: req.stream,
  };
}

function exclusion(p: Readonly<ProviderSpec>, m: Readonly<ModelSpec>, needs: Needs, opts: SelectOptions): string | undefined {
  if (p.enabled === false) return 'provider disabled';
  if (m.enabled === false) return 'model disabled';
  if (!opts.hasCredentials(p)) return 'no credentials (set ' + (p.apiKeyEnv ?? p.apiKeyFile ?? 'apiKeyEnv') + ')';
  const caps = new Set(m.capabilities);
  if (needs.tools && !caps.has('tools')) return 'no tools capability';
  if (needs.vision && !caps.has('vision')) return 'no vision capability';
  if (needs.jsonSchema && !caps.has('json_schema')) return 'no json_schema capability';
  if (needs.streaming && !caps.has('streaming')) return 'no streaming capability';
  if (opts.estimatedInputTokens > m.contextWindow) return `context window ${m.contextWindow} < estimated ${opts.estimatedInputTokens} input tokens`;
  return undefined;
}

function score(pool: Candidate[], mode: RoutingMode, inTokens: number, outTokens: number): { candidate: Candidate; score: number }[] {
  if (pool.length === 0) return [];
  const cost = pool.map((c) => (inTokens * c.model.pricing.input + outTokens * c.model.pricing.output) / 1e6);
  const latency = pool.map((c) => (c.model.latency?.ttftMs ?? 800) + (outTokens / (c.model.latency?.tokensPerSecond ?? 60)) * 1000);
  const quality = pool.map((c) => c.model.quality);
  const norm = (xs: number[], lowerIsBetter: boolean): number[] => {
    const min = Math.min(...xs);
    const max = Math.max(...xs);
    if (max === min) return xs.map(() => 1);
    return xs.map((x) => (lowerIsBetter ? (max - x) / (max - min) : (x - min) / (max - min)));
  };
  const w = WEIGHTS[mode];
  const nc = norm(cost, true);
  const nl = norm(latency, true);
  const nq = norm(quality, false);
  return pool
    .map((candidate, i) => ({ candidate, score: w.cost * nc[i]! + w.quality * nq[i]! + w.latency * nl[i]!, i }))
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .map(({ candidate, score }) => ({ candidate, score }));
}
