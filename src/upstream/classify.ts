// What one failed attempt means for the next step (docs/reliability.md#group-a):
//   retry     same provider again, after a jittered back-off: connection reset
//             before headers, 500/502/503/504, 529 overloaded (the provider is
//             up but had a moment)
//   failover  next candidate at once: 429 (its retry-after cools the provider
//             down), connection refused / DNS / connect timeout, no headers in
//             time, our key refused (401: the provider is marked unhealthy),
//             spend cap (not retried: it will not heal), a context-length error
//             (only to a candidate with a bigger window)
//   terminal  the request itself is wrong (400/404/413/422), or a 403 permission
//             error (docs/providers.md#errors): no other provider will like it better
// Client disconnects never reach here: they stop the loop.
import type { MappedError } from '../providers/types.js';
import { UpstreamTransportError } from './client.js';

export type FailureReason =
  | 'rate_limited'
  | 'quota'
  | 'overloaded'
  | 'server_error'
  | 'reset'
  | 'connect'
  | 'timeout'
  | 'auth'
  | 'context_length'
  | 'stream_error'
  | 'invalid_response';

export interface Classified {
  action: 'retry' | 'failover' | 'terminal';
  reason: FailureReason;
  /** Counts against the provider's health (breaker)? Request errors and quota do not. */
  providerFault: boolean;
  /** Upstream-requested wait, for cool-downs. */
  retryAfterMs?: number;
}

const CONTEXT_LENGTH = /context[_ -]?length|context window|too many tokens|maximum context|prompt is too long|input is too long|exceeds the model/i;

export function classifyMapped(m: MappedError, upstreamStatus?: number): Classified {
  const retryAfterMs = m.retryAfterSeconds !== undefined ? m.retryAfterSeconds * 1000 : undefined;
  const withWait = <T extends Classified>(c: T): T => (retryAfterMs !== undefined ? { ...c, retryAfterMs } : c);
  if (m.code === 'insufficient_quota') return withWait({ action: 'failover', reason: 'quota', providerFault: false });
  if (m.code === 'upstream_auth_error') return { action: 'failover', reason: 'auth', providerFault: true };
  if (m.status === 429) return withWait({ action: 'failover', reason: 'rate_limited', providerFault: false });
  if (m.code === 'server_is_overloaded' || upstreamStatus === 529) return withWait({ action: 'retry', reason: 'overloaded', providerFault: true });
  // 408 from the provider: it gave up waiting on us, fail over. An upstream 504 is a gateway
  // error like 502/503 (Envoy's `gateway-error`) and is retried below.
  if (m.code === 'timeout' && upstreamStatus !== 504) return { action: 'failover', reason: 'timeout', providerFault: true };
  if (m.code === 'upstream_error' && m.status === 502) return { action: 'retry', reason: 'server_error', providerFault: true };
  if (m.status >= 500) return withWait({ action: 'retry', reason: 'server_error', providerFault: true });
  if (m.status === 400 && CONTEXT_LENGTH.test(`${m.code ?? ''} ${m.message}`)) return { action: 'failover', reason: 'context_length', providerFault: false };
  return { action: 'terminal', reason: 'invalid_response', providerFault: false };
}

export function classifyTransport(err: UpstreamTransportError): Classified {
  switch (err.kind) {
    case 'reset':
      return { action: 'retry', reason: 'reset', providerFault: true };
    case 'timeout':
      return { action: 'failover', reason: 'timeout', providerFault: true };
    case 'connect':
    case 'aborted':
      return { action: 'failover', reason: 'connect', providerFault: true };
  }
}
