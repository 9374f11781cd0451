// GET /console/api/rules: routing and firewall rules in evaluation order, with
// their hits since start (the rule-matches and firewall-actions counters) and
// static warnings: "never matched since start", "shadowed by <rule>" (the
// policy checks' finding, policy/checks/static.ts) and any other load warning
// that names the rule.
import type { PolicyProblem, PolicySet } from '../policy/types.js';
import type { Metrics } from '../telemetry/metrics.js';

export const NEVER_MATCHED = 'never matched since start';

/** Sum of a counter's values per `rule` label. */
export async function hitsByRule(counter: { get(): Promise<{ values: { labels: Record<string, string | number>; value: number }[] }> }): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const v of (await counter.get()).values) {
    const rule = String(v.labels.rule ?? '');
    out.set(rule, (out.get(rule) ?? 0) + v.value);
  }
  return out;
}

/** The load's static warnings about rule `name`: a shadowing becomes "shadowed by <rule>", others keep their message. */
export function staticRuleWarnings(problems: readonly PolicyProblem[], name: string): string[] {
  const out: string[] = [];
  const prefix = `rule "${name}" `;
  for (const p of problems) {
    if (!p.message.startsWith(prefix)) continue;
    const shadow = /^rule ".*?" is shadowed by "(.*?)"/.exec(p.message);
    out.push(shadow ? `shadowed by ${shadow[1]}` : p.message);
  }
  return out;
}

/** Settings.console.sourceUrl with {file} and {line} filled in, else null. */
export function sourceUrl(template: string | undefined, file: string, line: number): string | null {
  if (!template) return null;
  return template.replaceAll('{file}', file.split('/').map(encodeURIComponent).join('/')).replaceAll('{line}', String(line));
}

export async function rulesView(set: PolicySet, metrics: Metrics, problems: readonly PolicyProblem[]) {
  const [routingHits, firewallHits] = await Promise.all([hitsByRule(metrics.ruleMatches as never), hitsByRule(metrics.firewallActions as never)]);
  const template = set.settings.console?.sourceUrl;
  const warnings = (name: string, hits: number): string[] => [...(hits === 0 ? [NEVER_MATCHED] : []), ...staticRuleWarnings(problems, name)];
  /** What both kinds show after their own fields: where the rule is written, its hits and warnings. */
  const standing = (r: { name: string; source: { file: string; line: number } }, hits: number) => ({
    file: r.source.file,
    line: r.source.line,
    hits,
    warnings: warnings(r.name, hits),
    sourceUrl: sourceUrl(template, r.source.file, r.source.line),
  });
  return {
    routing: set.routingRules.map((r) => ({
      name: r.name,
      priority: r.priority,
      enabled: r.enabled,
      match: r.spec.match ?? {},
      when: r.spec.when ?? null,
      action: r.spec.action,
      ...standing(r, routingHits.get(r.name) ?? 0),
    })),
    firewall: set.firewallRules.map((r) => ({
      name: r.name,
      priority: r.priority,
      scope: r.spec.scope,
      type: r.spec.type,
      pattern: r.spec.pattern ?? null,
      action: r.spec.action,
      ...standing(r, firewallHits.get(r.name) ?? 0),
    })),
  };
}
