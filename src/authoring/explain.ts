// The explanation of one routing decision, as plain JSON: the decision, every
// candidate with its score terms, every exclusion, every rule (disabled ones
// too) with json-rules-engine's per-leaf results, and the prompt firewall's
// verdict. It runs the same decide() and screenPrompt() serving runs and calls
// no provider. `POST /v1/route/explain`, `tokenrouter explain` and
// `tokenrouter test` all build their answers here, so the three cannot drift.
import type { CanonicalRequest } from '../canonical/types.js';
import { normalizeChatRequest } from '../api/chat/normalize.js';
import { normalizeResponsesRequest } from '../api/responses/normalize.js';
import { normalizeMessagesRequest } from '../api/messages/normalize.js';
import { RouterError } from '../errors/registry.js';
import { screenPromptSteps, type PromptScreen } from '../firewall/prompt.js';
import { runToEnd, type Slicer } from '../event-loop/slicer.js';
import { activeRules } from '../firewall/rules.js';
import type { BalancingStrategy, PolicySet, ProviderSpec, RoutingMode } from '../policy/types.js';
import { deploymentWeight, groupDeployments } from '../routing/deployments.js';
import { decide, type DecideContext } from '../routing/decide.js';
import type { RuleTrace } from '../routing/evaluate.js';
import type { RoutingFacts } from '../routing/facts.js';
import { completeTrace } from './full-trace.js';
import { parseMode, parseModelString } from '../routing/model-string.js';
import { DEFAULT_WEIGHTS, type Weights } from '../routing/score.js';

/** The body field that makes every provider count as having credentials. */
export const ASSUME_CREDENTIALS_FIELD = 'router_assume_credentials';

export type FirewallAction = 'block' | 'mask' | 'warn' | 'none';

export interface ExplainOptions {
  /** The caller's ApiKeys name ("anonymous" without one): the `api_key` fact. */
  caller: string;
  /** How serving decides whether a provider has a key. */
  hasCredentials: (p: Readonly<ProviderSpec>) => boolean;
  /** Count every provider as having credentials (CI, where no keys exist). */
  assumeCredentials?: boolean;
  /** Live routing inputs (limits, cool-downs, key scopes, latency, prices), as serving uses them. */
  live?: Pick<DecideContext, 'filters' | 'latency' | 'price'>;
  /** Receives the prompt screen itself (policy tests check the masked prompt; the JSON carries only the verdict). */
  onScreen?: (screen: PromptScreen) => void;
  /** Count and scan a long prompt in slices that give the event loop back (the HTTP route). */
  slicer?: Slicer;
}

export interface ExplainedRule {
  name: string;
  priority: number;
  enabled: boolean;
  matched: boolean;
  /** json-rules-engine's condition tree; evaluated leaves carry factResult and result. */
  conditions: unknown;
  note?: string;
}

export interface Explanation {
  object: 'route.explain';
  policy_version: string;
  request: { model: string; mode_requested: RoutingMode | null; api: CanonicalRequest['api'] };
  decision: {
    provider: string;
    model: string;
    mode: RoutingMode;
    mode_source: 'rule' | 'request' | 'default';
    confidence: number;
    weights: Weights;
    /** Matched rules, in evaluation order. */
    rules: string[];
    /** What the response would carry: rule warnings, then (unless blocked) firewall warnings. */
    warnings: string[];
    /** The candidates dispatch would try after the chosen one, in order. */
    fallback_chain: string[];
  };
  candidates: {
    provider: string;
    model: string;
    via: 'score' | 'fallback';
    terms: {
      cost_usd: number;
      latency_ms: number;
      quality: number;
      cost: number;
      latency: number;
      quality_term: number;
      score: number;
      latency_source: 'live' | 'prior';
    } | null;
  }[];
  excluded: { model: string; filter: string; reason: string }[];
  /**
   * Models served by several deployments (one name on several providers): each group is one
   * candidate, and `strategy` picks its deployment per request at dispatch time, so the
   * decision's provider is the group's first in score order, not necessarily the one that serves
   * (x-tokenrouter-provider names that one).
   */
  balancing: { strategy: BalancingStrategy; groups: { model: string; deployments: { provider: string; weight: number }[] }[] };
  rules: ExplainedRule[];
  firewall: { action: FirewallAction; rules: string[] };
  estimated_input_tokens: number;
}

/**
 * The body field that names the dialect of an explained or policy-tested body: `messages`
 * (Anthropic Messages, POST /v1/messages), `chat` or `responses`. A Messages body has `messages`
 * as a Chat body does, so it cannot be told apart by its fields; it must say so.
 */
export const API_FIELD = 'api';
const DIALECTS = ['responses', 'chat', 'messages'] as const;

/**
 * A Responses, Chat or Messages body → the canonical request, the way serving reads it.
 * `api` names the dialect; without it, a body with `messages` is a Chat body and anything else
 * a Responses body.
 */
export function normalizeAnyRequest(body: Record<string, any>): CanonicalRequest {
  const { [ASSUME_CREDENTIALS_FIELD]: _ignored, [API_FIELD]: api, ...rest } = body;
  if (api !== undefined && !DIALECTS.includes(api)) {
    throw new RouterError('invalid_parameter', `api must be one of ${DIALECTS.join(', ')} (the dialect of the body).`, API_FIELD);
  }
  const dialect = (api as (typeof DIALECTS)[number] | undefined) ?? (Object.hasOwn(rest, 'messages') ? 'chat' : 'responses');
  if (dialect === 'messages') return normalizeMessagesRequest(rest);
  return dialect === 'chat' ? normalizeChatRequest(rest) : normalizeResponsesRequest(rest);
}

/** Throws the same RouterError serving would (unknown model 400, no candidates 422). */
export async function explainRequest(set: PolicySet, req: CanonicalRequest, opts: ExplainOptions): Promise<Explanation> {
  const hasCredentials = opts.assumeCredentials ? () => true : opts.hasCredentials;
  const d = await decide(set, req, { caller: opts.caller, hasCredentials, trace: true, ...(opts.live ?? {}), ...(opts.slicer ? { slicer: opts.slicer } : {}) });
  // The prompt rules whose `when` holds for this request's facts, as serving picks them.
  const steps = screenPromptSteps(set, req, (await activeRules(set, d.facts)).prompt);
  const screen = opts.slicer ? await opts.slicer.drive(steps) : runToEnd(steps);
  opts.onScreen?.(screen);
  const firewall = firewallVerdict(set, screen);
  const chosen = d.candidates[0]!; // decide() throws no_candidates rather than return none
  const key = (c: { provider: { name: string }; model: { name: string } }): string => `${c.provider.name}/${c.model.name}`;
  return {
    object: 'route.explain',
    policy_version: set.version,
    request: { model: req.model, mode_requested: requestedMode(req) ?? null, api: req.api },
    decision: {
      provider: chosen.provider.name,
      model: chosen.model.name,
      mode: d.mode,
      mode_source: d.modeSource,
      confidence: d.confidence,
      weights: set.settings.modeWeights?.[d.mode] ?? DEFAULT_WEIGHTS[d.mode],
      rules: d.rules,
      // Serving stops at a block before it adds the firewall's warnings.
      warnings: [...d.warnings, ...(screen.blockedBy ? [] : screen.warnings.map((w) => w.message))],
      fallback_chain: d.candidates.slice(1).map(key),
    },
    candidates: d.candidates.map((c) => ({
      provider: c.provider.name,
      model: c.model.name,
      via: c.via,
      terms: c.terms
        ? {
            cost_usd: c.terms.costUsd,
            latency_ms: Math.round(c.terms.latencyMs),
            quality: c.terms.quality,
            cost: c.terms.cost,
            latency: c.terms.latency,
            quality_term: c.terms.qualityTerm,
            score: c.terms.score,
            latency_source: c.terms.latencySource,
          }
        : null,
    })),
    excluded: d.excluded.map((e) => ({ model: e.key, filter: e.filter, reason: e.reason })),
    balancing: {
      strategy: set.settings.balancing ?? 'weighted',
      groups: groupDeployments(d.candidates)
        .filter((g) => g.members.length > 1)
        .map((g) => ({ model: g.model, deployments: g.members.map((c) => ({ provider: c.provider.name, weight: deploymentWeight(c) })) })),
    },
    rules: await explainRules(set, d.trace, d.facts),
    firewall,
    estimated_input_tokens: d.estimatedInputTokens,
  };
}

/** Every rule in evaluation order; disabled ones (which the engine never sees) say so. */
async function explainRules(set: PolicySet, trace: readonly RuleTrace[], facts: RoutingFacts): Promise<ExplainedRule[]> {
  const completed = new Map((await completeTrace(set.routingRules.filter((r) => r.enabled), trace, facts)).map((t) => [t.name, t]));
  return set.routingRules.map((r) => {
    const base = { name: r.name, priority: r.priority, enabled: r.enabled };
    const t = completed.get(r.name);
    if (!r.enabled || !t) return { ...base, matched: false, conditions: r.definition.conditions, note: 'disabled: not evaluated' };
    return { ...base, matched: t.matched, conditions: shortenFacts(t.conditions), ...(t.note ? { note: t.note } : {}) };
  });
}

/** Longest fact value echoed per leaf: a 10 MB prompt must not be copied into every rule's trace. */
export const MAX_FACT_CHARS = 200;

function shortenFacts(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(shortenFacts);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'factResult' && typeof v === 'string' && v.length > MAX_FACT_CHARS) out[k] = `${v.slice(0, MAX_FACT_CHARS)}… (${v.length} chars)`;
    else out[k] = k === 'all' || k === 'any' || k === 'not' ? shortenFacts(v) : v;
  }
  return out;
}

/** The strongest prompt-firewall action taken, and the rules that matched, in evaluation order. */
export function firewallVerdict(set: PolicySet, s: PromptScreen): { action: FirewallAction; rules: string[] } {
  const hit = new Set([...s.masked, ...s.warnings.map((w) => w.rule), ...(s.blockedBy ? [s.blockedBy] : [])]);
  const rules = set.firewallRules.filter((r) => hit.has(r.name)).map((r) => r.name);
  const action: FirewallAction = s.blockedBy ? 'block' : s.masked.length ? 'mask' : s.warnings.length ? 'warn' : 'none';
  return { action, rules };
}

/** The mode the request itself names (router_mode, else the model string), if any. */
function requestedMode(req: CanonicalRequest): RoutingMode | undefined {
  if (req.router?.mode !== undefined) return parseMode(req.router.mode);
  return parseModelString(req.router?.model ?? req.model).mode;
}
