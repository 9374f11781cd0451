// Reasoning state from one provider is never sent to another: each adapter replays a reasoning
// item's signature / redacted data only when its `provider` names the serving provider, and
// drops it otherwise. Dropping is not silent: the answer says so in x-tokenrouter-warnings.
import type { CanonicalRequest } from '../canonical/types.js';
import type { ProviderSpec } from '../policy/types.js';

/**
 * The `provider` of reasoning state a Messages client sent itself (thinking signatures,
 * redacted_thinking): the client got it from *some* Anthropic endpoint the router cannot name, and
 * Anthropic signatures are not tied to one account's provider entry, so it replays to any provider of
 * type anthropic and nowhere else. A policy provider name cannot start with `@`
 * (schemas/common.schema.json), so the marker never names a real provider.
 */
export const ANTHROPIC_CLIENT_STATE = '@anthropic';

/** Whether reasoning state attributed to `from` may be sent to `provider`. */
export function stateReplaysAt(from: string | undefined, provider: Pick<ProviderSpec, 'name'> & { type?: string }): boolean {
  if (from === undefined) return false;
  return from === provider.name || (from === ANTHROPIC_CLIENT_STATE && provider.type === 'anthropic');
}

/** The warning for reasoning state a turn routed to `provider` could not carry, or undefined. */
export function foreignReasoningWarning(req: Pick<CanonicalRequest, 'items'>, provider: Pick<ProviderSpec, 'name'> & { type?: string }): string | undefined {
  const from = new Set<string>();
  for (const item of req.items) {
    if (item.type === 'reasoning' && item.provider && !stateReplaysAt(item.provider, provider) && (item.signature || item.redacted)) from.add(item.provider);
  }
  if (from.size === 0) return undefined;
  return `reasoning from ${[...from].map((p) => `"${p}"`).join(', ')} not sent to "${provider.name}"`;
}
