// Step two of validation: what a schema cannot say. Names must be unique,
// references must resolve (providers, models, fallbacks), a forced provider's
// fallback chain must stay on that provider, regexes must compile and use only
// what the linear-time engine runs (checks/regex.ts), condition paths must be plain, base URLs must
// not reach metadata services, and headers must be legal.
import type { Assembled, Located } from './assemble.js';
import { checkBaseUrl } from './checks/base-url.js';
import { checkHeader } from './checks/headers.js';
import { providerFieldProblems } from './checks/provider-fields.js';
import { compilePattern } from './checks/regex.js';
import { redisTopologyProblems } from './checks/redis-topology.js';
import { modelsMatching } from './compile.js';
import { idCollisions } from './rule-ids.js';
import { type ApiKeySpec, type ConditionSpec, type ModelSpec, type PolicyProblem, type RoutingActionSpec } from './types.js';
import { FIREWALL_DETECTORS, KNOWN_OPERATORS, PLAIN_PATH, ROUTING_FACTS } from './vocabulary.js';

export function validateReferences(a: Assembled): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  const report = (at: Located<unknown>, sub: string, message: string): void => {
    const pointer = at.pointer + sub;
    const { line, col } = at.doc.locate(pointer);
    problems.push({ file: at.doc.file, line, col, pointer, message });
  };

  // Documents: one Settings; (kind, metadata.name) unique.
  const docNames = new Map<string, string>();
  for (const doc of a.documents) {
    const id = `${doc.kind}/${doc.name}`;
    const first = docNames.get(id);
    if (first) {
      const { line, col } = doc.locate('/metadata/name');
      problems.push({ file: doc.file, line, col, pointer: '/metadata/name', message: `duplicate ${doc.kind} document "${doc.name}" (first in ${first})` });
    } else docNames.set(id, doc.file);
  }
  for (const extra of a.settings.slice(1)) report(extra, '', 'only one Settings document is allowed per policy set');
  for (const doc of a.documents) checkTimestamps(doc, problems);

  // Providers.
  const providers = unique(a.providers, (p) => p.name, 'provider', report);
  for (const p of a.providers) {
    const bad = typeof p.item.baseUrl === 'string' ? checkBaseUrl(p.item.baseUrl) : undefined;
    if (bad) report(p, '/baseUrl', bad);
    for (const [sub, message] of providerFieldProblems(p.item as unknown as Record<string, unknown>)) report(p, sub, message);
    for (const [name, value] of Object.entries(isObject(p.item.headers) ? p.item.headers : {})) {
      const err = checkHeader(name, String(value));
      if (err) report(p, `/headers/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`, err);
    }
  }

  // Models.
  const modelKeys = new Set<string>();
  const modelNames = new Set<string>();
  unique(a.models, (m) => `${m.provider}/${m.name}`, 'model', report);
  for (const m of a.models) {
    if (typeof m.item.provider === 'string' && !providers.has(m.item.provider)) report(m, '/provider', `unknown provider "${m.item.provider}"${known(providers)}`);
    if (typeof m.item.maxOutputTokens === 'number' && m.item.maxOutputTokens > m.item.contextWindow) {
      report(m, '/maxOutputTokens', 'maxOutputTokens cannot exceed contextWindow');
    }
    modelKeys.add(`${m.item.provider}/${m.item.name}`);
    modelNames.add(m.item.name);
    for (const alias of Array.isArray(m.item.aliases) ? m.item.aliases : []) modelNames.add(String(alias));
  }

  // Routing rules.
  unique(a.routingRules, (r) => r.name, 'routing rule', report);
  uniqueIds(a.routingRules, 'routing rule', report);
  for (const r of a.routingRules) {
    const act: RoutingActionSpec = isObject(r.item.action) ? r.item.action : {};
    if (act.set_provider !== undefined && !providers.has(act.set_provider)) {
      report(r, '/action/set_provider', `unknown provider "${act.set_provider}"${known(providers)}`);
    }
    if (act.set_model !== undefined) {
      if (!modelNames.has(act.set_model)) {
        report(r, '/action/set_model', `unknown model "${act.set_model}"`);
      } else if (act.set_provider !== undefined && providers.has(act.set_provider) && !hasModel(a, act.set_provider, act.set_model)) {
        report(r, '/action/set_model', `provider "${act.set_provider}" does not serve model "${act.set_model}"`);
      }
    }
    const seen = new Set<string>();
    (Array.isArray(act.fallback) ? act.fallback : []).forEach((ref, i) => {
      if (typeof ref !== 'string' || !ref.includes('/')) return; // the schema reports the format
      if (seen.has(ref)) report(r, `/action/fallback/${i}`, `"${ref}" appears twice in the fallback chain`);
      seen.add(ref);
      if (!modelKeys.has(ref) && !hasModel(a, ref.split('/')[0]!, ref.slice(ref.indexOf('/') + 1))) {
        report(r, `/action/fallback/${i}`, `unknown model "${ref}" (expected provider/model from Models)`);
      }
      const provider = ref.split('/')[0];
      if (act.set_provider !== undefined && provider !== act.set_provider) {
        report(r, `/action/fallback/${i}`, `fallback "${ref}" escapes the forced provider "${act.set_provider}"`);
      }
    });
    if (r.item.when !== undefined) checkCondition(r.item.when, '/when', (sub, msg) => report(r, sub, msg));
  }

  // Firewall rules.
  unique(a.firewallRules, (r) => r.name, 'firewall rule', report);
  uniqueIds(a.firewallRules, 'firewall rule', report);
  for (const r of a.firewallRules) {
    if (r.item.type === 'regex' && typeof r.item.pattern === 'string') {
      const res = compilePattern(r.item.pattern);
      if (!res.ok) report(r, '/pattern', res.error);
    }
    if (r.item.type === 'detector' && typeof r.item.pattern === 'string' && !Object.hasOwn(FIREWALL_DETECTORS, r.item.pattern)) {
      report(r, '/pattern', `unknown detector "${r.item.pattern}"; known detectors: ${Object.keys(FIREWALL_DETECTORS).join(', ')}`);
    }
    if (r.item.when !== undefined) checkCondition(r.item.when, '/when', (sub, msg) => report(r, sub, msg));
  }

  // API keys.
  unique(a.apiKeys, (k) => k.name, 'API key', report);
  unique(a.apiKeys, (k) => k.sha256, 'API key hash', report, '/sha256');
  for (const k of a.apiKeys) checkKeyScope(a, k, providers, report);

  // Settings: price sources are fetched by the router, so their URLs get the baseUrl checks.
  for (const s of a.settings) {
    // Policy files live in git: a Redis password belongs in REDIS_URL (a secret), never here.
    const redisUrl = isObject(s.item.state) ? s.item.state.redisUrl : undefined;
    if (typeof redisUrl === 'string' && /^rediss?:\/\/[^/]*@/.test(redisUrl)) {
      report(s, '/state/redisUrl', 'redisUrl must not contain credentials: set the REDIS_URL environment variable (from a secret) instead');
    }
    const redis = isObject(s.item.state) && isObject(s.item.state.redis) ? s.item.state.redis : undefined;
    if (redis) for (const p of redisTopologyProblems(redis as Record<string, unknown>)) report(s, p.sub, p.message);
    const seen = new Set<string>();
    (Array.isArray(s.item.priceSources) ? s.item.priceSources : []).forEach((src, i) => {
      if (!isObject(src) || typeof src.url !== 'string') return; // the schema reports the shape
      const bad = checkBaseUrl(src.url, 'url');
      if (bad) report(s, `/priceSources/${i}/url`, bad);
      const id = `${src.format} ${src.url}`;
      if (seen.has(id)) report(s, `/priceSources/${i}/url`, `price source "${src.url}" (${src.format}) is listed twice`);
      seen.add(id);
    });
  }
  return problems;
}

/** allowedProviders / allowedModels must name catalog entries and leave the key at least one model. */
function checkKeyScope(a: Assembled, k: Located<ApiKeySpec>, providers: Set<string>, report: (at: Located<unknown>, sub: string, msg: string) => void): void {
  const allowedProviders = Array.isArray(k.item.allowedProviders) ? k.item.allowedProviders : undefined;
  const allowedModels = Array.isArray(k.item.allowedModels) ? k.item.allowedModels : undefined;
  allowedProviders?.forEach((p, i) => {
    if (typeof p === 'string' && !providers.has(p)) report(k, `/allowedProviders/${i}`, `unknown provider "${p}"${known(providers)}`);
  });
  const catalog = a.models.map((m) => m.item);
  let reachable = catalog.filter((m) => !allowedProviders || allowedProviders.includes(m.provider));
  if (allowedModels) {
    const named = new Set<ModelSpec>();
    allowedModels.forEach((ref, i) => {
      if (typeof ref !== 'string') return;
      const hits = modelsMatching(catalog, ref);
      if (hits.length === 0) {
        const provider = ref.includes('/') ? ref.slice(0, ref.indexOf('/')) : undefined;
        const why = provider !== undefined && !providers.has(provider) ? `unknown provider "${provider}"` : 'no such model in Models';
        report(k, `/allowedModels/${i}`, `unknown model "${ref}" (${why}; expected provider/model or a model name)`);
      }
      for (const m of hits) named.add(m);
    });
    reachable = reachable.filter((m) => named.has(m));
  }
  if ((allowedProviders || allowedModels) && reachable.length === 0 && !problemsAlreadyExplain(allowedProviders, allowedModels, providers, catalog)) {
    report(k, allowedModels ? '/allowedModels' : '/allowedProviders', 'allowedProviders and allowedModels together leave this key no model to use');
  }
}

/** An unknown reference is already reported; an empty scope only deserves its own message when every reference resolved. */
function problemsAlreadyExplain(ps: unknown[] | undefined, ms: unknown[] | undefined, providers: Set<string>, catalog: ModelSpec[]): boolean {
  return (ps ?? []).some((p) => typeof p === 'string' && !providers.has(p)) || (ms ?? []).some((r) => typeof r === 'string' && modelsMatching(catalog, r).length === 0);
}

function unique<T>(
  list: Located<T>[],
  key: (item: T) => string,
  what: string,
  report: (at: Located<unknown>, sub: string, msg: string) => void,
  sub = '/name',
): Set<string> {
  const first = new Map<string, Located<T>>();
  for (const l of list) {
    const k = key(l.item);
    if (typeof k !== 'string' || k.includes('undefined')) continue; // the schema reports a missing name
    const prev = first.get(k);
    if (prev) report(l, sub, `duplicate ${what} "${k}" (first declared in ${prev.doc.file}:${prev.doc.locate(prev.pointer).line})`);
    else first.set(k, l);
  }
  return new Set(first.keys());
}

/** The rules API's numeric ids (rule-ids.ts) must tell a kind's rules apart: a hash collision names both rules. */
function uniqueIds(list: Located<{ name: string }>[], what: string, report: (at: Located<unknown>, sub: string, msg: string) => void): void {
  const named = list.filter((l) => typeof l.item.name === 'string').map((l) => ({ name: l.item.name, l }));
  for (const { item, first, id } of idCollisions(named)) {
    report(item.l, '/name', `${what} "${item.name}" and "${first.name}" (${first.l.doc.file}:${first.l.doc.locate(first.l.pointer).line}) get the same rules-API id ${id}; rename one of them`);
  }
}

/** metadata.createdAt / updatedAt: real dates (the schema checks only the form), created no later than updated. */
function checkTimestamps(doc: Assembled['documents'][number], problems: PolicyProblem[]): void {
  const meta = isObject(doc.value.metadata) ? doc.value.metadata : {};
  const at = (key: string, message: string): void => {
    const { line, col } = doc.locate(`/metadata/${key}`);
    problems.push({ file: doc.file, line, col, pointer: `/metadata/${key}`, message });
  };
  const times: Record<string, number> = {};
  for (const key of ['createdAt', 'updatedAt']) {
    const v = (meta as Record<string, unknown>)[key];
    if (typeof v !== 'string' || !/^[0-9]{4}-[0-9]{2}-[0-9]{2}/.test(v)) continue; // absent, or the schema reports the form
    const t = Date.parse(v);
    if (Number.isNaN(t) || !realDay(v)) at(key, `"${v}" is not a real date`);
    else times[key] = t;
  }
  if (times.createdAt !== undefined && times.updatedAt !== undefined && times.createdAt > times.updatedAt) {
    at('createdAt', 'createdAt is later than updatedAt');
  }
}

/** The YYYY-MM-DD part names a day that exists (Date.parse would roll 02-30 over into March). */
function realDay(v: string): boolean {
  const [y, m, d] = v.slice(0, 10).split('-').map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, m - 1, d));
  return day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
}

function hasModel(a: Assembled, provider: string, name: string): boolean {
  return a.models.some((m) => m.item.provider === provider && (m.item.name === name || (m.item.aliases ?? []).includes(name)));
}

function known(set: Set<string>): string {
  return set.size ? ` (known: ${[...set].sort().join(', ')})` : '';
}

function checkCondition(c: ConditionSpec, at: string, report: (sub: string, msg: string) => void, depth = 0): void {
  if (!isObject(c)) return; // the schema reports the shape
  if (depth > 20) {
    report(at, 'conditions nest deeper than 20 levels');
    return;
  }
  if ('all' in c) return (Array.isArray(c.all) ? c.all : []).forEach((x, i) => checkCondition(x, `${at}/all/${i}`, report, depth + 1));
  if ('any' in c) return (Array.isArray(c.any) ? c.any : []).forEach((x, i) => checkCondition(x, `${at}/any/${i}`, report, depth + 1));
  if ('not' in c) return checkCondition(c.not, `${at}/not`, report, depth + 1);
  if (typeof c.fact === 'string' && !Object.hasOwn(ROUTING_FACTS, c.fact)) {
    report(`${at}/fact`, `unknown fact "${c.fact}"; known facts: ${Object.keys(ROUTING_FACTS).join(', ')}`);
  }
  if (typeof c.operator === 'string' && !KNOWN_OPERATORS.has(c.operator)) {
    report(`${at}/operator`, `unknown operator "${c.operator}"; known operators: ${[...KNOWN_OPERATORS].join(', ')}`);
  }
  if (c.path !== undefined && !PLAIN_PATH.test(String(c.path))) {
    report(`${at}/path`, `path "${c.path}" must be a plain property path such as $.tier or $.user.tier (no filters, wildcards or scripts)`);
  }
  if (c.operator === 'matchesRegex') {
    const res = typeof c.value === 'string' ? compilePattern(c.value) : { ok: false as const, error: 'matchesRegex needs a string pattern' };
    if (!res.ok) report(`${at}/value`, res.error);
  }
}

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
