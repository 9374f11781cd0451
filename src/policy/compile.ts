// Builds the immutable PolicySet from validated documents: catalog maps, rule
// definitions and compiled firewall patterns, all sorted into evaluation order
// (priority desc, then declared order) and frozen. Runs only on a set that
// passed every check, so nothing here reports problems.
import type { Assembled } from './assemble.js';
import { compilePattern } from './checks/regex.js';
import { ruleDefinition } from './rule-definitions.js';
import { canonicalMode, withCanonicalModes } from './mode-aliases.js';
import { ruleId } from './rule-ids.js';
import type { TypedDocument } from './validate-schema.js';
import {
  DEFAULT_SETTINGS,
  type ApiKeySpec,
  type KeyLimits,
  type KeyScope,
  type CompiledApiKey,
  type CompiledFirewallRule,
  type CompiledRoutingRule,
  type ModelSpec,
  type PolicySet,
  type ProviderSpec,
} from './types.js';

export interface CompileInput {
  assembled: Assembled;
  version: string;
  directory: string;
  files: readonly string[];
}

export function compilePolicySet({ assembled: a, version, directory, files }: CompileInput): PolicySet {
  const providers = new Map<string, ProviderSpec>(a.providers.map((p) => [p.item.name, deepFreeze(withDefaultBaseUrl(p.item))]));
  const models = new Map<string, ModelSpec>(a.models.map((m) => [`${m.item.provider}/${m.item.name}`, deepFreeze(m.item)]));

  const loadedAt = new Date();
  const routingRules: CompiledRoutingRule[] = a.routingRules.map((r) => {
    const { line, col } = r.doc.locate(r.pointer);
    const spec = withCanonicalModes(r.item);
    return deepFreeze({
      name: r.item.name,
      ...identity(r.item.name, r.doc, loadedAt),
      enabled: r.item.enabled ?? true,
      priority: r.item.priority ?? 0,
      order: r.order,
      spec,
      definition: ruleDefinition(spec),
      source: { file: r.doc.file, line, col },
    });
  });
  routingRules.sort(byEvaluationOrder);

  const firewallRules: CompiledFirewallRule[] = a.firewallRules.map((r) => {
    const { line, col } = r.doc.locate(r.pointer);
    const compiled = r.item.type === 'regex' ? compilePattern(r.item.pattern) : undefined;
    const rule: CompiledFirewallRule = {
      name: r.item.name,
      ...identity(r.item.name, r.doc, loadedAt),
      enabled: r.item.enabled ?? true,
      priority: r.item.priority ?? 0,
      order: r.order,
      spec: deepFreeze(r.item),
      ...(compiled?.ok ? { regex: compiled.regex } : {}),
      ...(r.item.type === 'substring' ? { needle: r.item.pattern.toLowerCase() } : {}),
      replacement: r.item.replacement ?? '[redacted]',
      source: deepFreeze({ file: r.doc.file, line, col }),
    };
    // Not deep-frozen: a RegExp carries lastIndex state and must stay writable.
    return Object.freeze(rule);
  });
  firewallRules.sort(byEvaluationOrder);

  const apiKeys: CompiledApiKey[] = a.apiKeys
    .filter((k) => k.item.enabled ?? true)
    .map((k) => Object.freeze({ name: k.item.name, hash: Buffer.from(k.item.sha256, 'hex'), ...(k.item.admin ? { admin: true } : {}), ...(k.item.streamFormat ? { streamFormat: k.item.streamFormat } : {}), ...keyLimits(k.item) }));
  const scopes = new Map<string, KeyScope>();
  for (const k of a.apiKeys) {
    if (k.item.enabled === false || (!k.item.allowedProviders && !k.item.allowedModels)) continue;
    scopes.set(k.item.name, Object.freeze(keyScope(k.item, models)));
  }

  const s = a.settings[0]?.item ?? {};
  const settings = Object.freeze({
    defaultMode: canonicalMode(s.defaultMode) ?? DEFAULT_SETTINGS.defaultMode,
    allowAnonymous: s.allowAnonymous ?? DEFAULT_SETTINGS.allowAnonymous,
    maxBodyBytes: s.maxBodyBytes ?? DEFAULT_SETTINGS.maxBodyBytes,
    ...(s.balancing ? { balancing: s.balancing } : {}),
    ...(s.modeWeights ? { modeWeights: deepFreeze(s.modeWeights) } : {}),
    ...(s.resilience ? { resilience: deepFreeze(s.resilience) } : {}),
    ...(s.priceSources ? { priceSources: deepFreeze(s.priceSources) } : {}),
    ...(s.firewall ? { firewall: deepFreeze(s.firewall) } : {}),
    ...(s.errors ? { errors: deepFreeze(s.errors) } : {}),
    ...(s.state ? { state: deepFreeze(s.state) } : {}),
    ...(s.streamFormat ? { streamFormat: s.streamFormat } : {}),
    ...(s.cache ? { cache: deepFreeze(s.cache) } : {}),
    ...(s.tracing ? { tracing: deepFreeze(s.tracing) } : {}),
    ...(s.console ? { console: deepFreeze(s.console) } : {}),
    ...(s.anthropicBetas ? { anthropicBetas: Object.freeze([...s.anthropicBetas]) as string[] } : {}),
  });

  return Object.freeze({
    version,
    loadedAt,
    directory,
    files: Object.freeze([...files]),
    providers,
    models,
    routingRules: Object.freeze(routingRules),
    firewallRules: Object.freeze(firewallRules),
    apiKeys: Object.freeze(apiKeys),
    scopes,
    settings,
  });
}

/**
 * The rules API's id and timestamps. Timestamps come from the document's
 * metadata when it declares them (the same on every replica, reviewed in git);
 * otherwise from the moment this replica loaded the set, the only time it knows.
 */
function identity(name: string, doc: TypedDocument, loadedAt: Date): { id: number; createdAt: string; updatedAt: string } {
  const meta = (doc.value as { metadata?: { createdAt?: unknown; updatedAt?: unknown } }).metadata ?? {};
  const iso = (v: unknown): string | undefined => (typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? new Date(v).toISOString() : undefined);
  const updatedAt = iso(meta.updatedAt) ?? loadedAt.toISOString();
  return { id: ruleId(name), createdAt: iso(meta.createdAt) ?? updatedAt, updatedAt };
}

/**
 * Resolves a key's allowedModels to catalog keys: `provider/model` names one
 * model (by name or alias) on that provider, a bare name every model with
 * that name or alias. Validation has already rejected entries that resolve to nothing.
 */
function keyScope(k: ApiKeySpec, models: ReadonlyMap<string, ModelSpec>): KeyScope {
  const scope: { providers?: ReadonlySet<string>; models?: ReadonlySet<string> } = {};
  if (k.allowedProviders) scope.providers = new Set(k.allowedProviders);
  if (k.allowedModels) {
    const keys = new Set<string>();
    for (const ref of k.allowedModels) for (const m of modelsMatching(models.values(), ref)) keys.add(`${m.provider}/${m.name}`);
    scope.models = keys;
  }
  return scope;
}

/** rpm, tpm and budgetUsd of a key, or nothing when it has none (no admission work for it). */
function keyLimits(k: ApiKeySpec): { limits?: KeyLimits } {
  if (k.rpm === undefined && k.tpm === undefined && k.budgetUsd === undefined) return {};
  return {
    limits: Object.freeze({
      ...(k.rpm !== undefined ? { rpm: k.rpm } : {}),
      ...(k.tpm !== undefined ? { tpm: k.tpm } : {}),
      ...(k.budgetUsd ? { budget: Object.freeze({ amountUsd: k.budgetUsd.amount, period: k.budgetUsd.period }) } : {}),
    }),
  };
}

/** Catalog models an allowedModels entry names (shared with validation). */
export function modelsMatching(models: Iterable<Readonly<ModelSpec>>, ref: string): Readonly<ModelSpec>[] {
  const slash = ref.indexOf('/');
  const provider = slash > 0 ? ref.slice(0, slash) : undefined;
  const name = slash > 0 ? ref.slice(slash + 1) : ref;
  const out: Readonly<ModelSpec>[] = [];
  for (const m of models) {
    if (provider !== undefined && m.provider !== provider) continue;
    if (m.name === name || (Array.isArray(m.aliases) && m.aliases.includes(name))) out.push(m);
  }
  return out;
}

function byEvaluationOrder(a: { priority: number; order: number }, b: { priority: number; order: number }): number {
  return b.priority - a.priority || a.order - b.order;
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * The endpoint of a provider whose policy gives no baseUrl (the schema requires it of every other type):
 * bedrock talks to its region's endpoint, vertex to its location's (global has no region prefix).
 */
function withDefaultBaseUrl(p: ProviderSpec): ProviderSpec {
  if (p.baseUrl) return p;
  if (p.type === 'bedrock') return { ...p, baseUrl: `https://bedrock-runtime.${p.region ?? 'us-east-1'}.amazonaws.com` };
  if (p.type !== 'vertex' || p.location === undefined) return p;
  return { ...p, baseUrl: p.location === 'global' ? 'https://aiplatform.googleapis.com' : `https://${p.location}-aiplatform.googleapis.com` };
}
