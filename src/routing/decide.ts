// The routing decision for one request, as one pure-ish function: facts →
// rules (json-rules-engine) → combined actions → candidates ordered by the
// mode. The pipeline, `POST /v1/route/explain`, `tokenrouter explain` and
// `tokenrouter test` all call this, so what they show is what serving does.
import type { CanonicalRequest } from '../canonical/types.js';
import type { PolicySet, ProviderSpec } from '../policy/types.js';
import { combineActions, type CombinedActions } from './actions.js';
import { evaluateRules, type RuleTrace } from './evaluate.js';
import { buildFacts, type RoutingFacts } from './facts.js';
import type { LatencyEstimate, Pricing } from './score.js';
import { selectCandidates, type Candidate, type CandidateFilter, type Selection } from './select.js';
import { CHUNK_CHARS, estimateTokens, tokenSteps } from './tokens.js';
import type { Slicer } from '../event-loop/slicer.js';

export interface DecideContext {
  caller: string;
  hasCredentials: (p: Readonly<ProviderSpec>) => boolean;
  filters?: readonly CandidateFilter[];
  latency?: (c: Candidate) => LatencyEstimate | undefined;
  price?: (c: Candidate) => Pricing | undefined;
  /** Keep the per-rule condition trace (explain); off on the serving path. */
  trace?: boolean;
  /** Count the tokens of a long prompt in slices that give the event loop back (serving, explain). */
  slicer?: Slicer;
}

export interface RouteDecision extends Selection {
  facts: RoutingFacts;
  actions: CombinedActions;
  /** Matched rules, in evaluation order. */
  rules: string[];
  warnings: string[];
  trace: readonly RuleTrace[];
  estimatedInputTokens: number;
}

export async function decide(set: PolicySet, req: CanonicalRequest, ctx: DecideContext): Promise<RouteDecision> {
  const text = requestText(req);
  let images = 0;
  for (const i of req.items) if (i.type === 'message') for (const p of i.content) if (p.type === 'image') images++;
  const facts = buildFacts({
    text,
    ...(req.metadata ? { metadata: req.metadata } : {}),
    mode: requestedMode(req) ?? set.settings.defaultMode,
    model: req.model,
    api: req.api,
    stream: req.stream,
    hasTools: req.tools.length > 0,
    hasImages: images > 0,
    apiKey: ctx.caller,
  });
  // Lower-casing and matching a long prompt are the costly steps here: the event loop gets a turn around them.
  if (ctx.slicer?.due()) await ctx.slicer.pace();
  const { matched, trace } = await evaluateRules(set, facts, { trace: ctx.trace === true });
  if (ctx.slicer?.due()) await ctx.slicer.pace();
  const actions = combineActions(matched);
  const estimatedInputTokens = ctx.slicer && text.length > CHUNK_CHARS ? await ctx.slicer.drive(tokenSteps(text, images)) : estimateTokens(text, images);
  const selection = selectCandidates(set, req, actions, {
    hasCredentials: ctx.hasCredentials,
    estimatedInputTokens,
    ...(ctx.filters ? { filters: ctx.filters } : {}),
    ...(ctx.latency ? { latency: ctx.latency } : {}),
    ...(ctx.price ? { price: ctx.price } : {}),
  });
  return {
    // Fields written out: an object spread is a slow V8 path on Node 20.
    mode: selection.mode,
    modeSource: selection.modeSource,
    candidates: selection.candidates,
    excluded: selection.excluded,
    confidence: selection.confidence,
    facts,
    actions,
    rules: actions.rules,
    warnings: actions.warnings.map((w) => w.message),
    trace,
    estimatedInputTokens,
  };
}

/** The mode the request itself names (router_mode or the model string), for the `mode` fact. */
function requestedMode(req: CanonicalRequest): import('../policy/types.js').RoutingMode | undefined {
  const s = (req.router?.mode ?? (req.router?.model ?? req.model)).toLowerCase();
  const m = /(?:^|:)(balance|balanced|cost|quality|latency|fast)$/.exec(s);
  if (!m) return undefined;
  return m[1] === 'balanced' ? 'balance' : m[1] === 'fast' ? 'latency' : (m[1] as import('../policy/types.js').RoutingMode);
}

export function requestText(req: CanonicalRequest): string {
  const parts: string[] = [];
  if (req.instructions) parts.push(req.instructions);
  for (const i of req.items) {
    if (i.type === 'message') {
      for (const p of i.content) {
        if (p.type === 'text') parts.push(p.text);
        else if (p.type === 'document' && p.text !== undefined) parts.push(p.text); // a plain-text document is prompt text
      }
    }
    if (i.type === 'function_call_output') parts.push(i.output);
  }
  return parts.join('\n');
}
