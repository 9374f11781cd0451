// Reasoning state from one provider is never sent to another: each adapter replays a reasoning
// item's signature / redacted data only when its `provider` names the serving provider, and
// drops it otherwise. Dropping is not silent: the answer says so in x-tokenrouter-warnings.
import type { CanonicalRequest } from '../canonical/types.js';
import type { ProviderSpec } from '../policy/types.js';

/** The warning for reasoning state a turn routed to `provider` could not carry, or undefined. */
export function foreignReasoningWarning(req: Pick<CanonicalRequest, 'items'>, provider: Pick<ProviderSpec, 'name'>): string | undefined {
  const from = new Set<string>();
  for (const item of req.items) {
    if (item.type === 'reasoning' && item.provider && item.provider !== provider.name && (item.signature || item.redacted)) from.add(item.provider);
  }
  if (from.size === 0) return undefined;
  return `reasoning from ${[...from].map((p) => `"${p}"`).join(', ')} not sent to "${provider.name}"`;
}
