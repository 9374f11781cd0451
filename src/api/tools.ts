// Tool and output-format fields, shared by both APIs (their shapes differ only
// in nesting).
import type { FunctionTool, TextFormat, ToolChoice } from '../canonical/types.js';
import { fail, isObject, optBoolean, optString, unsupported } from './checks.js';
import { cacheControlOf } from './cache-control.js';

/** `raw` is the object holding name/parameters; `outer` the tool object that may hold cache_control (the same object on the Responses wire). */
export function functionTool(raw: Record<string, any>, param: string, outer: Record<string, any> = raw, outerParam = param): FunctionTool {
  const name = optString(raw.name, `${param}.name`, 128);
  if (!name || !/^[A-Za-z0-9_-]{1,64}$/.test(name)) fail(`${param}.name`, 'function names must be 1-64 characters of a-z, A-Z, 0-9, _ or -');
  const description = optString(raw.description, `${param}.description`, 100_000);
  if (raw.parameters !== undefined && raw.parameters !== null && !isObject(raw.parameters)) fail(`${param}.parameters`, 'parameters must be a JSON Schema object');
  const strict = optBoolean(raw.strict, `${param}.strict`);
  return {
    name,
    ...(description !== undefined ? { description } : {}),
    ...(isObject(raw.parameters) ? { parameters: raw.parameters } : {}),
    ...(strict !== undefined ? { strict } : {}),
    ...cacheControlOf(outer, outerParam),
  };
}

export function toolChoice(raw: unknown, param: string, nameOf: (o: Record<string, any>) => unknown): ToolChoice | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (raw === 'auto' || raw === 'none' || raw === 'required') return raw;
  if (isObject(raw) && raw.type === 'function') {
    const name = nameOf(raw);
    if (typeof name !== 'string' || !name) fail(param, 'tool_choice of type function needs a name');
    return { name };
  }
  if (isObject(raw) && typeof raw.type === 'string') unsupported(param, `tool_choice type "${raw.type}" is not supported by the router`);
  fail(param, 'tool_choice must be "auto", "none", "required" or {type: "function", ...}');
}

export function textFormat(raw: unknown, param: string, unwrap: (o: Record<string, any>) => Record<string, any>): TextFormat | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isObject(raw)) fail(param, `${param} must be an object`);
  switch (raw.type) {
    case 'text':
      return { type: 'text' };
    case 'json_object':
      return { type: 'json_object' };
    case 'json_schema': {
      const js = unwrap(raw);
      const name = optString(js.name, `${param}.name`, 64) ?? 'response';
      if (!isObject(js.schema)) fail(`${param}.schema`, 'json_schema needs a schema object');
      const strict = optBoolean(js.strict, `${param}.strict`);
      const description = optString(js.description, `${param}.description`);
      return {
        type: 'json_schema',
        name,
        schema: js.schema,
        ...(strict !== undefined ? { strict } : {}),
        ...(description !== undefined ? { description } : {}),
      };
    }
    default:
      fail(`${param}.type`, 'format type must be text, json_object or json_schema');
  }
}
