// What the pipeline records of one request for those who report on it — the
// decision headers, the metrics, the usage ledger and the decision log line
// (headers.ts, account.ts). runPipeline() fills it from the values the stages
// return, as they return them, so a request that fails half-way still reports
// what it got to. Stages never read or write it.
import { notForwardedWarnings } from '../providers/not-forwarded.js';
import type { KeyTicket } from '../state/key-admission.js';
import type { Candidate } from '../routing/select.js';
import type { DispatchContext } from '../upstream/dispatch.js';
import type { Admitted, Answered, FirewallHit, Routed, Screened } from './types.js';

export class Trace {
  readonly startedAt = Date.now();
  readonly started = process.hrtime.bigint();
  ticket: KeyTicket | undefined;
  routed: Routed | undefined;
  screened: Screened | undefined;
  admitted: Admitted | undefined;
  /** The upstream exchange: its attempts and why it stopped early. */
  dispatch: DispatchContext | undefined;
  /** Why the last failover happened. */
  failoverReason: string | undefined;
  /** A stream's candidate once its headers went out (before it is answered). */
  committed: Candidate | undefined;
  answered: Answered | undefined;
  /** The response cache's part: hit (answered from it), miss (looked up, not found), bypass (off for this request). */
  cache: 'hit' | 'miss' | 'bypass' | undefined;
  /** The drain timeout ended this request. */
  drained = false;
  /** HTTP status of the answer (errors: the error's). */
  status: number | undefined;
  /** What the request failed with, for the decision log line. */
  error: { code: string | null; message: string } | undefined;

  get served(): Candidate | undefined {
    return this.answered?.served ?? this.committed;
  }

  get rules(): readonly string[] {
    return this.routed?.decision.rules ?? [];
  }

  /**
   * Routing warnings, the prompt firewall's, (once served) what the serving provider
   * could not take (providers/not-forwarded.ts), and (once answered) the response firewall's.
   */
  get warnings(): readonly string[] {
    const before = this.screened?.warnings ?? this.routed?.decision.warnings ?? [];
    const served = this.served;
    const req = this.screened?.request;
    const lost = served && req ? notForwardedWarnings(req, served) : [];
    const after = this.answered?.warnings ?? [];
    if (!lost.length && !after.length) return before;
    return [...before, ...lost, ...after];
  }

  /** The firewall rules that acted, prompt then response (the prompt screen records into it, a block included). */
  readonly hits: FirewallHit[] = [];
}
