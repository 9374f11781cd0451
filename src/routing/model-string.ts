// The `model` grammar: auto | auto:MODE | MODEL | MODEL:MODE | provider/MODEL,
// plus router_mode / router_model / router_provider. Aliases: balanced →
// balance, fast → latency (one table for requests and policy files,
// policy/mode-aliases.ts), google → gemini.
// The alias tables are Maps: the strings looked up are the caller's, and a
// plain object would answer `constructor` or `__proto__` with an inherited
// value (Object, Object.prototype) instead of "no such alias".
import type { RoutingMode } from '../policy/types.js';
import { MODES, parseMode } from '../policy/mode-aliases.js';

export { MODES, parseMode };
const PROVIDER_ALIASES: ReadonlyMap<string, string> = new Map([['google', 'gemini']]);

export interface ModelRequest {
  mode?: RoutingMode;
  /** Catalog model name or alias. */
  model?: string;
  provider?: string;
}

export function providerAlias(p: string): string {
  return PROVIDER_ALIASES.get(p.toLowerCase()) ?? p;
}

/** Parse the model string; returns undefined parts for what it does not say. Throws on an unknown mode. */
export function parseModelString(raw: string): ModelRequest & { badMode?: string } {
  const s = raw.trim();
  if (s === '' || s === 'auto') return {};
  let body = s;
  let mode: RoutingMode | undefined;
  const colon = s.lastIndexOf(':');
  if (colon > 0) {
    const parsed = parseMode(s.slice(colon + 1));
    if (parsed) {
      mode = parsed;
      body = s.slice(0, colon);
    } else if (s.startsWith('auto:')) {
      return { badMode: s.slice(colon + 1) };
    }
  }
  if (body === 'auto') return mode ? { mode } : {};
  const slash = body.indexOf('/');
  if (slash > 0) {
    return { provider: providerAlias(body.slice(0, slash)), model: body.slice(slash + 1), ...(mode ? { mode } : {}) };
  }
  return { model: body, ...(mode ? { mode } : {}) };
}
