// Runs PolicyTest cases: each request goes through the explanation builder —
// the real decide() and screenPrompt(), no provider — and what came out is
// compared with what the case expects. Also reports coverage: the enabled
// routing rules and prompt-firewall rules that no case's decision matched.
import type { PolicySet, PolicyTestCase } from '../policy/types.js';
import { RouterError } from '../errors/registry.js';
import { hasCredentials } from '../upstream/credentials.js';
import { promptTexts, type PromptScreen } from '../firewall/prompt.js';
import { explainRequest, normalizeAnyRequest, type Explanation } from './explain.js';
import type { LoadedSuite } from './policy-test-load.js';
import { nameMatches } from '../routing/select.js';
import { canonicalMode } from '../policy/mode-aliases.js';

export interface Outcome {
  explanation?: Explanation;
  error?: { code: string; message: string };
  /** The prompt firewall's own result: the blocking rule, and every scanned prompt text after masking. */
  firewall?: { blockedBy?: string; maskedPrompt: string[] };
}

export interface CaseResult {
  suite: string;
  file: string;
  line: number;
  name: string;
  ok: boolean;
  /** One line per unmet expectation: `key: expected …, got …`. */
  diff: string[];
  outcome: Outcome;
}

export interface TestRun {
  results: CaseResult[];
  passed: number;
  failed: number;
  /** Enabled rules no case's decision matched. */
  unexercised: { routing: string[]; firewall: string[] };
  /** Enabled response-scope firewall rules: prompts never reach them, so no case can. */
  responseScope: string[];
}

export async function runPolicyTests(set: PolicySet, suites: readonly LoadedSuite[]): Promise<TestRun> {
  const results: CaseResult[] = [];
  for (const suite of suites) {
    for (const c of suite.cases) {
      const outcome = await runCase(set, c.case, suite.assumeCredentials);
      const diff = compare(set, c.case.expect, outcome);
      results.push({ suite: suite.name, file: c.file, line: c.line, name: c.case.name, ok: diff.length === 0, diff, outcome });
    }
  }
  const matchedRouting = new Set(results.flatMap((r) => r.outcome.explanation?.decision.rules ?? []));
  const matchedFirewall = new Set(results.flatMap((r) => r.outcome.explanation?.firewall.rules ?? []));
  const enabledFirewall = set.firewallRules.filter((r) => r.enabled);
  const passed = results.filter((r) => r.ok).length;
  return {
    results,
    passed,
    failed: results.length - passed,
    unexercised: {
      routing: set.routingRules.filter((r) => r.enabled && !matchedRouting.has(r.name)).map((r) => r.name),
      firewall: enabledFirewall.filter((r) => r.spec.scope === 'prompt' && !matchedFirewall.has(r.name)).map((r) => r.name),
    },
    responseScope: enabledFirewall.filter((r) => r.spec.scope === 'response').map((r) => r.name),
  };
}

/** One case, as serving would treat its request (`request.api` names its dialect); a routing error is an outcome, not a crash. */
export async function runCase(set: PolicySet, c: PolicyTestCase, assumeCredentials: boolean): Promise<Outcome> {
  try {
    const req = normalizeAnyRequest(c.request as Record<string, any>);
    let firewall: Outcome['firewall'];
    const onScreen = (s: PromptScreen): void => {
      firewall = { ...(s.blockedBy ? { blockedBy: s.blockedBy } : {}), maskedPrompt: promptTexts(s.request) };
    };
    const explanation = await explainRequest(set, req, { caller: c.caller ?? 'anonymous', hasCredentials, assumeCredentials, onScreen });
    return { explanation, ...(firewall ? { firewall } : {}) };
  } catch (err) {
    if (err instanceof RouterError) return { error: { code: err.code, message: err.message } };
    // A bug must not hide the rest of the suite: report it on this case.
    return { error: { code: 'internal_error', message: (err as Error)?.message ?? String(err) } };
  }
}

/** The unmet expectations of one case; [] when it passes. */
export function compare(set: PolicySet, expect: PolicyTestCase['expect'], o: Outcome): string[] {
  const diff: string[] = [];
  const ex = o.explanation;
  // A block is not a routing error, yet it is what the client would receive.
  const gotError = o.error?.code ?? (ex?.firewall.action === 'block' ? 'firewall_blocked' : undefined);
  if (expect.error !== undefined) {
    if (gotError !== expect.error) diff.push(`error: expected ${expect.error}, got ${gotError ?? 'none'}${ex ? ` (routed to ${ex.decision.provider}/${ex.decision.model})` : ''}`);
  } else if (o.error) {
    diff.push(`error: expected none, got ${o.error.code}: ${o.error.message}`);
  }
  const got = (v: unknown): string => (ex ? JSON.stringify(v) : `no decision (${o.error?.code})`);
  const check = (key: string, want: unknown, have: unknown, equal: boolean): void => {
    if (!ex || !equal) diff.push(`${key}: expected ${JSON.stringify(want)}, got ${got(have)}`);
  };
  const d = ex?.decision;
  if (expect.provider !== undefined) check('provider', expect.provider, d?.provider, d?.provider === expect.provider);
  if (expect.model !== undefined) check('model', expect.model, d && `${d.provider}/${d.model}`, !!d && modelIs(set, d.provider, d.model, expect.model));
  if (expect.mode !== undefined) check('mode', expect.mode, d?.mode, d?.mode === canonicalMode(expect.mode));
  if (expect.rules !== undefined) check('rules', expect.rules, d?.rules, !!d && sameList(d.rules, expect.rules));
  if (expect.warnings !== undefined) check('warnings', expect.warnings, d?.warnings, !!d && sameList(d.warnings, expect.warnings));
  if (expect.firewall !== undefined) check('firewall', expect.firewall, ex?.firewall.action, ex?.firewall.action === expect.firewall);
  if (expect.firewallRules !== undefined) check('firewallRules', expect.firewallRules, ex?.firewall.rules, !!ex && sameList(ex.firewall.rules, expect.firewallRules));
  const fw = o.firewall;
  if (expect.blockedBy !== undefined) check('blockedBy', expect.blockedBy, fw?.blockedBy ?? null, fw?.blockedBy === expect.blockedBy);
  if (expect.maskedPrompt !== undefined) check('maskedPrompt', expect.maskedPrompt, fw?.maskedPrompt, !!fw && sameList(fw.maskedPrompt, expect.maskedPrompt));
  return diff;
}

/** `ref` is provider/name, or a name or alias of the chosen model. */
function modelIs(set: PolicySet, provider: string, model: string, ref: string): boolean {
  if (ref.includes('/')) return ref === `${provider}/${model}`;
  const spec = set.models.get(`${provider}/${model}`);
  return spec !== undefined && nameMatches(spec, ref);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
