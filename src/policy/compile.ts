// Builds the immutable PolicySet from validated documents: catalog maps, rule
// definitions and compiled firewall patterns, all sorted into evaluation order
// (priority desc, then declared order) and frozen. Runs only on a set that
// passed every check, so nothing here reports problems.
import type { Assembled } from './assemble.js';
import { compilePattern } from './checks/regex.js';
import { ruleDefinition } from './rule-definitions.js';
import {
  DEFAULT_SETTINGS,
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
  const providers = new Map<string, ProviderSpec>(a.providers.map((p) => [p.item.name, deepFreeze(p.item)]));
  const models = new Map<string, ModelSpec>(a.models.map((m) => [`${m.item.provider}/${m.item.name}`, deepFreeze(m.item)]));

  const routingRules: CompiledRoutingRule[] = a.routingRules.map((r) => {
    const { line, col } = r.doc.locate(r.pointer);
    return deepFreeze({
      name: r.item.name,
      enabled: r.item.enabled ?? true,
      priority: r.item.priority ?? 0,
      order: r.order,
      spec: r.item,
      definition: ruleDefinition(r.item),
      source: { file: r.doc.file, line, col },
    });
  });
  routingRules.sort(byEvaluationOrder);

  const firewallRules: CompiledFirewallRule[] = a.firewallRules.map((r) => {
    const { line, col } = r.doc.locate(r.pointer);
    const compiled = r.item.type === 'regex' ? compilePattern(r.item.pattern) : undefined;
    const rule: CompiledFirewallRule = {
      name: r.item.name,
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
    .map((k) => Object.freeze({ name: k.item.name, hash: Buffer.from(k.item.sha256, 'hex') }));

  const s = a.settings[0]?.item ?? {};
  const settings = Object.freeze({
    defaultMode: s.defaultMode ?? DEFAULT_SETTINGS.defaultMode,
    allowAnonymous: s.allowAnonymous ?? DEFAULT_SETTINGS.allowAnonymous,
    maxBodyBytes: s.maxBodyBytes ?? DEFAULT_SETTINGS.maxBodyBytes,
    ...(s.modeWeights ? { modeWeights: deepFreeze(s.modeWeights) } : {}),
  });

  return Object.freeze({
    version,
    loadedAt: new Date(),
    directory,
    files: Object.freeze([...files]),
    providers,
    models,
    routingRules: Object.freeze(routingRules),
    firewallRules: Object.freeze(firewallRules),
    apiKeys: Object.freeze(apiKeys),
    settings,
  });
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
