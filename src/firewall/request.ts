// The firewall of one request, as the pipeline uses it: the rules that apply
// (their `when` evaluated once, against the routing facts), then the prompt
// screen before dispatch, and the response screen on the result or on the
// stream. A block becomes the client's error: HTTP Settings.firewall.
// blockStatus with code firewall_blocked naming the rule, or in-band on a
// stream that has already started.
import type { CanonicalRequest, CanonicalResult } from '../canonical/types.js';
import type { PolicySet } from '../policy/types.js';
import type { RoutingFacts } from '../routing/facts.js';
import { RouterError } from '../errors/registry.js';
import type { Slicer } from '../event-loop/slicer.js';
import { screenPromptSteps } from './prompt.js';
import { screenResult } from './response.js';
import { ResponseStreamScreen } from './response-stream.js';
import { activeRules, firewallSettings, type ActiveRules, type FirewallScope, type FirewallSettings } from './rules.js';
import { ScanBudget } from './scan.js';
import { warningFor, type RuleHit } from './screen.js';
import type { FirewallReporter } from './telemetry.js';

export class RequestFirewall {
  readonly settings: FirewallSettings;

  private constructor(
    readonly set: PolicySet,
    readonly rules: ActiveRules,
    readonly report: FirewallReporter,
  ) {
    this.settings = firewallSettings(set);
  }

  static async create(set: PolicySet, facts: RoutingFacts, report: FirewallReporter): Promise<RequestFirewall> {
    return new RequestFirewall(set, await activeRules(set, facts), report);
  }

  /** The request as the provider may see it, and the warnings to add; throws firewall_blocked. Long texts are scanned in slices. */
  async prompt(req: CanonicalRequest, slicer: Slicer): Promise<{ request: CanonicalRequest; warnings: string[] }> {
    const s = await slicer.drive(screenPromptSteps(this.set, req, this.rules.prompt));
    this.report('prompt', s.hits);
    if (s.blocked) throw this.#error(s.blocked, 'prompt');
    return { request: s.request, warnings: s.warnings.map((w) => w.message) };
  }

  /** A complete (non-stream) result, screened before rendering; throws firewall_blocked. */
  response(result: CanonicalResult): { result: CanonicalResult; warnings: string[] } {
    // No response rule applies (the usual case): nothing to scan, the result as it is, no copy of its output.
    if (this.rules.response.length === 0) return { result, warnings: [] };
    const s = screenResult(this.rules.response, result, new ScanBudget(this.settings.scanBudgetMs));
    this.report('response', s.hits);
    if (s.blocked) throw this.#error(s.blocked, 'response');
    return { result: s.result, warnings: s.hits.filter((h) => h.action === 'warn').map((h) => warningFor(h.rule, 'response')) };
  }

  /** The transform for a streamed response (passes every event through when no response rule applies). */
  stream(): ResponseStreamScreen {
    return new ResponseStreamScreen(this.rules.response, {
      budget: new ScanBudget(this.settings.scanBudgetMs),
      blockMessage: (hit) => blockMessage(hit, 'response', this.settings.scanBudgetMs),
      report: (hits) => this.report('response', hits),
    });
  }

  #error(hit: RuleHit, scope: FirewallScope): RouterError {
    const status = this.settings.blockStatus;
    return new RouterError('firewall_blocked', blockMessage(hit, scope, this.settings.scanBudgetMs), null, {}, {
      status,
      type: status === 422 ? 'invalid_request_error' : 'permission_error',
    });
  }
}

export function blockMessage(hit: RuleHit, scope: FirewallScope, budgetMs: number): string {
  const what = scope === 'prompt' ? 'request' : 'response';
  if (hit.action === 'scan_limit') {
    return `The ${what} was blocked: firewall rule "${hit.rule}" could not finish scanning the ${scope} within the firewall's ${budgetMs} ms budget.`;
  }
  return `The ${what} was blocked by firewall rule "${hit.rule}".`;
}
