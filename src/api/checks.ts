// Small, explicit request checks shared by both wire normalisers. Requests are
// not validated against the raw OpenAI spec (it rejects ordinary SDK traffic);
// instead each field we read is checked as we read it, with the OpenAI error
// shape and the offending `param`.
import type { ContentPart, ToolChoice } from '../canonical/types.js';
import { RouterError } from '../errors/registry.js';

export function fail(param: string, message: string): never {
  throw new RouterError('invalid_parameter', message, param);
}

export function unsupported(param: string, message: string): never {
  throw new RouterError('unsupported_parameter', message, param);
}

export function optString(v: unknown, param: string, max = 1_000_000): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') fail(param, `${param} must be a string`);
  if (v.length > max) fail(param, `${param} is longer than ${max} characters`);
  return v;
}

export function optNumber(v: unknown, param: string, min: number, max: number): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) fail(param, `${param} must be a number between ${min} and ${max}`);
  return v;
}

export function optInteger(v: unknown, param: string, min: number, max: number): number | undefined {
  const n = optNumber(v, param, min, max);
  if (n !== undefined && !Number.isInteger(n)) fail(param, `${param} must be an integer`);
  return n;
}

export function optBoolean(v: unknown, param: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') fail(param, `${param} must be a boolean`);
  return v;
}

/**
 * A caller's value as error-message text: a string as it is, anything else by
 * its kind. Never String(v) on an object: that calls the caller's own
 * `toString` key, which need not be a function (TypeError, a 500).
 */
export function shown(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || typeof v !== 'object') return String(v);
  return Array.isArray(v) ? 'an array' : 'an object';
}

export function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** metadata: at most 16 string pairs (OpenAI's limit), keys ≤ 64 and values ≤ 512 characters. */
export function optMetadata(v: unknown, param = 'metadata'): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) fail(param, 'metadata must be an object of string values');
  const entries = Object.entries(v);
  if (entries.length > 16) fail(param, 'metadata can have at most 16 keys');
  const out: Record<string, string> = {};
  for (const [k, val] of entries) {
    if (typeof val !== 'string') fail(`${param}.${k}`, 'metadata values must be strings');
    if (k.length > 64 || val.length > 512) fail(`${param}.${k}`, 'metadata keys are at most 64 and values at most 512 characters');
    out[k] = val;
  }
  return out;
}

export const MAX_ITEMS = 10_000;

export function arrayOf(v: unknown, param: string, max = MAX_ITEMS): unknown[] {
  if (!Array.isArray(v)) fail(param, `${param} must be an array`);
  if (v.length > max) fail(param, `${param} can have at most ${max} entries`);
  return v;
}

/** Parameters a client may use to smuggle an upstream address: never accepted. */
export const SMUGGLING_KEYS = new Set(['base_url', 'api_base', 'custom_host', 'baseURL', 'api_key', 'apiKey']);

export function rejectSmuggling(body: Record<string, unknown>): void {
  for (const k of Object.keys(body)) {
    if (SMUGGLING_KEYS.has(k)) fail(k, `${k} is not accepted: upstream addresses and keys come only from the router's policy`);
  }
}

/**
 * The object without its undefined fields: optional request fields stay absent, never `undefined`.
 * A copy of the defined ones rather than `delete` in place: deleting a property that is not the
 * last one turns a V8 object into a slow dictionary, and every later stage reads this one.
 */
export function withoutUndefined<T extends object>(o: T): T {
  const out = {} as T;
  for (const k in o) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

/**
 * tool_choice must name an offered tool; `required` needs at least one. Checked here, before routing,
 * so every provider answers the same 400 (left upstream, some answered 200 and some a worded 400).
 */
export function checkToolChoice(tc: ToolChoice | undefined, tools: readonly { name: string }[]): void {
  if (tc === 'required' && tools.length === 0) fail('tool_choice', 'tool_choice "required" needs at least one tool in tools');
  if (typeof tc === 'object' && !tools.some((t) => t.name === tc.name)) fail('tool_choice', `tool_choice names the function "${tc.name}", which is not in tools`);
}

/** No part carries anything: no parts, or only empty text (an empty user turn is rejected before routing). */
export function isEmpty(content: readonly ContentPart[]): boolean {
  return content.every((p) => p.type === 'text' && p.text === '');
}
