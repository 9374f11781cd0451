// Upstream request headers: the one rule set every adapter uses to merge a
// provider's configured extra headers (ProviderSpec.headers) with its own
// (the credential and the content headers). Before this helper, each adapter
// merged them its own way, with different case handling and protected names.
//
// The rule (docs/providers.md#headers):
//   1. every name is lower-cased, so `Authorization` and `authorization` are
//      one header and no casing slips past a check;
//   2. configured headers never replace what the adapter owns: the credential
//      headers of every provider, content-type and accept are dropped from the
//      configuration, whichever provider it is for;
//   3. the names policy validation refuses (src/policy/checks/headers.ts:
//      credentials, hop-by-hop, metadata-service headers) are dropped here too,
//      from the same list — policy should never let them through, and a spec
//      built without validation (tests, tools) must not get them through either;
//   4. an adapter's defaults (e.g. anthropic-version) yield to configuration;
//      its own headers win over everything.
// The configured part depends only on the ProviderSpec, so it is computed once
// per spec object (a WeakMap for now; policy compile time later).
import { RESERVED_HEADERS } from '../../policy/checks/headers.js';
import type { ProviderSpec } from '../../policy/types.js';

/** Headers an adapter always sets itself (besides RESERVED_HEADERS): never taken from configuration. */
export const ADAPTER_OWNED_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'x-api-key',
  'x-goog-api-key',
  'api-key',
  'content-type',
  'accept',
]);

/** A provider's configured headers after the rule: lower-case names, no protected name. Frozen. */
export type HeaderTemplate = Readonly<Record<string, string>>;

const templates = new WeakMap<object, HeaderTemplate>();

/** Whether configuration may set this header name (any case). */
export function configurableHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return !ADAPTER_OWNED_HEADERS.has(lower) && !RESERVED_HEADERS.has(lower);
}

/** The configured extra headers of one provider, ready to merge; memoized per ProviderSpec object. */
export function providerHeaderTemplate(spec: Readonly<Pick<ProviderSpec, 'headers'>>): HeaderTemplate {
  const cached = templates.get(spec);
  if (cached) return cached;
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(spec.headers ?? {})) {
    if (configurableHeader(name)) put(out, name, String(value));
  }
  const template = Object.freeze(out);
  templates.set(spec, template);
  return template;
}

/**
 * The headers of one upstream request: the adapter's `defaults` (which the
 * configuration may replace), then the template, then the adapter's `own`
 * headers (credential, content-type, accept), which always win.
 */
export function requestHeaders(
  template: HeaderTemplate,
  own: Readonly<Record<string, string>>,
  defaults: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(defaults)) put(out, k, v);
  for (const [k, v] of Object.entries(template)) put(out, k, v);
  for (const [k, v] of Object.entries(own)) put(out, k, v);
  return out;
}

/** Define, never assign: a configured name such as `__proto__` stays an ordinary own key. */
function put(out: Record<string, string>, name: string, value: string): void {
  Object.defineProperty(out, name.toLowerCase(), { value, enumerable: true, writable: true, configurable: true });
}
