// Picks the ordered candidates (provider + model) for one request:
//   constraints: rule actions (set_provider / set_model are hard constraints),
//                then the request's model string and router_* fields
//   filters:     enabled, credentials present, capabilities the request needs
//                (tools, vision, json_schema, streaming), context window, and any
//                extra filters the caller supplies (limits, breakers, key scope)
//   order:       the mode's weighted score over normalised cost, quality, latency
//   fallback:    a rule's explicit chain is tried after the primary choice
// Every exclusion is recorded with its reason, so an empty result explains itself.
import type { CanonicalRequest, RequestField } from '../canonical/types.js';
import type { ModelSpec, PolicySet, ProviderSpec, RoutingMode } from '../policy/types.js';
import { RouterError } from '../errors/registry.js';
import { fateKeys, listsProvider } from '../providers/openai-compatible/dialects.js';
import type { CombinedActions } from './actions.js';
import { MODES, parseMode, parseModelString, providerAlias } from './model-string.js';
import { adjacentDeployments } from './deployments.js';
import { scoreCandidates, type ScoreTerms, type LatencyEstimate, type Pricing } from './score.js';

export interface Candidate {
  provider: Readonly<ProviderSpec>;
  model: Readonly<ModelSpec>;
}

export interface ScoredCandidate extends Candidate {
  terms?: ScoreTerms;
  /** Where it came from: the mode's ordering or a rule's fallback chain. */
  via: 'score' | 'fallback';
}

export interface Exclusion {
  key: string;
  filter: string;
  reason: string;
}

export interface Selection {
  mode: RoutingMode;
  modeSource: 'rule' | 'request' | 'default';
  candidates: ScoredCandidate[];
  excluded: Exclusion[];
  /** The score margin between the first and second candidate (0..1); 1 with one candidate. */
  confidence: number;
}

/** An extra filter: returns why a candidate is excluded, or undefined to keep it. */
export type CandidateFilter = { name: string; test: (c: Candidate) => string | undefined };

export interface SelectOptions {
  hasCredentials: (p: Readonly<ProviderSpec>) => boolean;
  estimatedInputTokens: number;
  filters?: readonly CandidateFilter[];
  latency?: (c: Candidate) => LatencyEstimate | undefined;
  /** Live prices (price sources); the catalog's pricing when undefined. */
  price?: (c: Candidate) => Pricing | undefined;
}

export function selectCandidates(set: PolicySet, req: CanonicalRequest, actions: CombinedActions, opts: SelectOptions): Selection {
  const parsed = parseModelString(req.router?.model ?? req.model);
  if (parsed.badMode !== undefined) {
    throw new RouterError('unknown_model', `Unknown routing mode "${parsed.badMode}". Valid modes: ${MODES.join(', ')} (aliases: balanced, fast).`, 'model');
  }
  const requestMode = req.router?.mode !== undefined ? parseMode(req.router.mode) : parsed.mode;
  if (req.router?.mode !== undefined && requestMode === undefined) {
    throw new RouterError('unknown_model', `Unknown router_mode "${req.router.mode}". Valid modes: ${MODES.join(', ')} (aliases: balanced, fast).`, 'router_mode');
  }
  const mode = actions.mode?.value ?? requestMode ?? set.settings.defaultMode;
  const modeSource = actions.mode ? 'rule' : requestMode ? 'request' : 'default';
  const requestProvider = req.router?.provider !== undefined ? providerAlias(req.router.provider) : parsed.provider;
  if (requestProvider !== undefined && !set.providers.has(requestProvider)) {
    throw new RouterError(
      'unknown_model',
      `Unknown provider "${requestProvider}". Valid providers: ${[...set.providers.keys()].join(', ')} (alias: google).`,
      req.router?.provider ? 'router_provider' : 'model',
    );
  }
  const requestModel = parsed.model;
  if (requestModel !== undefined && ![...set.models.values()].some((m) => nameMatches(m, requestModel))) {
    const names = [...new Set([...set.models.values()].map((m) => m.name))].sort();
    throw new RouterError(
      'unknown_model',
      `Unknown model "${requestModel}". Use auto, auto:MODE, MODEL, MODEL:MODE or provider/MODEL with one of: ${names.join(', ')}.`,
      'model',
    );
  }

  // Rules are hard constraints and win over what the request asks for. A rule
  // that forces another provider drops the request's model choice with it.
  const provider = actions.provider?.value ?? requestProvider;
  const modelName = actions.model?.value ?? (actions.provider && requestProvider !== actions.provider.value ? undefined : requestModel);

  const excluded: Exclusion[] = [];
  const needs = requirements(req);
  const pool: Candidate[] = [];
  for (const model of set.models.values()) {
    const p = set.providers.get(model.provider)!;
    if (provider !== undefined && model.provider !== provider) continue;
    if (modelName !== undefined && !nameMatches(model, modelName)) continue;
    const why = exclusion({ provider: p, model }, needs, opts);
    if (why) excluded.push(why);
    else pool.push({ provider: p, model });
  }
  const scored = scoreCandidates(pool, mode, set.settings.modeWeights?.[mode], opts.estimatedInputTokens, req.maxOutputTokens, opts.latency, opts.price);
  // Fields written out: object spread here is a slow V8 path (≈ 13 µs for 10 candidates).
  // The deployments of one model (one name on several providers) are one candidate group: adjacent, where the best of them ranks.
  const ordered: ScoredCandidate[] = adjacentDeployments(scored.map((s) => ({ provider: s.candidate.provider, model: s.candidate.model, terms: s.terms, via: 'score' as const })));
  for (const ref of actions.fallback?.value ?? []) {
    const m = set.models.get(ref);
    if (!m || ordered.some((c) => c.model === m)) continue;
    const p = set.providers.get(m.provider)!;
    const why = exclusion({ provider: p, model: m }, needs, opts);
    if (why) excluded.push(why);
    else ordered.push({ provider: p, model: m, via: 'fallback' });
  }
  if (ordered.length === 0) {
    const scope = [provider ? `provider ${provider}` : '', modelName ? `model ${modelName}` : ''].filter(Boolean).join(', ') || 'the catalog';
    const reasons = excluded.slice(0, 20).map((e) => `${e.key}: ${e.reason}`);
    throw new RouterError('no_candidates', `No model in ${scope} can serve this request. ${reasons.join('; ') || 'No model matched.'}`);
  }
  const s0 = scored[0]?.terms.score ?? 0;
  // The margin to the next *model*: another deployment of the same model is not an alternative choice.
  const s1 = scored.find((s) => s.candidate.model.name !== scored[0]!.candidate.model.name)?.terms.score;
  const confidence = s1 === undefined ? 1 : Math.max(0, Math.min(1, s0 - s1));
  return { mode, modeSource, candidates: ordered, excluded, confidence: Math.round(confidence * 1000) / 1000 };
}

export function nameMatches(m: Readonly<ModelSpec>, name: string): boolean {
  return m.name === name || (m.aliases ?? []).includes(name);
}

interface Needs {
  tools: boolean;
  vision: boolean;
  jsonSchema: boolean;
  streaming: boolean;
  outputTokens: number;
  fields: readonly RequestField[];
}

function requirements(req: CanonicalRequest): Needs {
  return {
    tools: req.tools.length > 0 || req.items.some((i) => i.type === 'function_call' || i.type === 'function_call_output'),
    vision: req.items.some((i) => (i.type === 'message' && i.content.some((p) => p.type === 'image')) || (i.type === 'function_call_output' && (i.images?.length ?? 0) > 0)),
    jsonSchema: req.textFormat?.type === 'json_schema',
    streaming: req.stream,
    outputTokens: req.maxOutputTokens ?? 0,
    fields: req.fields ?? [],
  };
}

function exclusion(c: Candidate, needs: Needs, opts: SelectOptions): Exclusion | undefined {
  const why = exclusionReason(c, needs, opts);
  return why && { key: `${c.provider.name}/${c.model.name}`, filter: why[0], reason: why[1] };
}

/** [filter, reason] when the candidate cannot serve; runs for every catalog model on every request. */
function exclusionReason(c: Candidate, needs: Needs, opts: SelectOptions): [string, string] | undefined {
  if (c.provider.enabled === false) return ['enabled', 'provider disabled'];
  if (c.model.enabled === false) return ['enabled', 'model disabled'];
  if (!opts.hasCredentials(c.provider)) return ['credentials', c.provider.type === 'bedrock' ? 'no AWS credentials (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or a web identity)' : `no credentials (set ${credentialHint(c.provider)})`];
  const caps = c.model.capabilities;
  if (caps.includes('embeddings')) return ['capabilities', 'an embedding model'];
  if (needs.tools && !caps.includes('tools')) return ['capabilities', 'no tools capability'];
  if (needs.vision && !caps.includes('vision')) return ['capabilities', 'no vision capability'];
  if (needs.jsonSchema && !caps.includes('json_schema')) return ['capabilities', 'no json_schema capability'];
  if (needs.streaming && !caps.includes('streaming')) return ['capabilities', 'no streaming capability'];
  // Request fields this provider type (or openai-compatible dialect) cannot serve
  // (src/api/field-policy.ts): routed around, as capabilities are.
  for (const f of needs.fields) {
    if (listsProvider(f.refusedBy, c.provider)) return ['fields', `${f.name} is not supported by ${fateKeys(c.provider).at(-1)} providers (${f.note})`];
  }
  if (needs.outputTokens > 0 && c.model.maxOutputTokens !== undefined && needs.outputTokens > c.model.maxOutputTokens) {
    return ['context_window', `max output ${c.model.maxOutputTokens} < requested ${needs.outputTokens}`];
  }
  if (opts.estimatedInputTokens + needs.outputTokens > c.model.contextWindow) {
    return ['context_window', `context window ${c.model.contextWindow} < ${opts.estimatedInputTokens} input + ${needs.outputTokens} output tokens`];
  }
  for (const f of opts.filters ?? []) {
    const reason = f.test(c);
    if (reason) return [f.name, reason];
  }
  return undefined;
}

/** What to set for a provider without credentials: its key variables or file, or a vertex provider's service-account file. */
function credentialHint(p: Readonly<ProviderSpec>): string {
  if (p.type === 'vertex') return `a readable service-account file: ${p.credentialsFile ?? 'GOOGLE_APPLICATION_CREDENTIALS'}`;
  return [p.apiKeyEnv ?? []].flat().join(' or ') || p.apiKeyFile || 'apiKeyEnv';
}
