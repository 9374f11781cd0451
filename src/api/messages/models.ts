// GET /v1/models and /v1/models/{id} in Anthropic's shape (ModelInfo, and the
// list page with has_more / first_id / last_id), for clients that speak the
// Messages dialect: the @anthropic-ai/sdk and Claude Code send
// `anthropic-version` on every call, OpenAI clients never do, so that header
// picks the shape (routes/models.ts). Which models appear is the same per-key
// scoping as the OpenAI list; only the wire differs.
//
// Ids are the catalog keys (`provider/model`), as in the OpenAI list: they are
// what `model` takes on /v1/messages. The catalog has no release date, so
// created_at is when the policy set was loaded (as OpenAI's `created` is).
import { RouterError } from '../../errors/registry.js';
import type { ModelSpec } from '../../policy/types.js';
import { optInteger, optString } from '../checks.js';

export interface AnthropicModelInfo {
  type: 'model';
  id: string;
  display_name: string;
  created_at: string;
  max_input_tokens: number;
  max_tokens: number | null;
  /** Fields the SDK's ModelInfo declares that the catalog cannot fill: null (or "active", as the model is served). */
  capabilities: null;
  lifecycle: 'active';
  line: null;
  deprecated_at: null;
  retires_at: null;
}

export interface AnthropicModelPage {
  data: AnthropicModelInfo[];
  has_more: boolean;
  first_id: string | null;
  last_id: string | null;
}

/** Anthropic's page size bounds (default 20, at most 1000). */
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 1000;

/** True when the caller speaks Anthropic's dialect on a GET (it sent anthropic-version). */
export function wantsAnthropicShape(headers: Record<string, string | string[] | undefined>): boolean {
  const v = headers['anthropic-version'];
  return v !== undefined && v !== '';
}

export function anthropicModelInfo(m: Readonly<ModelSpec>, loadedAt: Date): AnthropicModelInfo {
  return {
    type: 'model',
    id: `${m.provider}/${m.name}`,
    display_name: `${m.name} (${m.provider})`,
    created_at: loadedAt.toISOString(),
    max_input_tokens: m.contextWindow,
    max_tokens: m.maxOutputTokens ?? null,
    capabilities: null,
    lifecycle: 'active',
    line: null,
    deprecated_at: null,
    retires_at: null,
  };
}

/**
 * One page of `models` (already scoped to the caller, in catalog order), as Anthropic pages:
 * `after_id` gives the page after that id, `before_id` the page before it, `limit` its size.
 * An id the list does not hold is a 400, as a cursor that names nothing cannot say where to go.
 */
export function anthropicModelPage(models: readonly AnthropicModelInfo[], query: Record<string, unknown>): AnthropicModelPage {
  const limit = optInteger(query.limit === undefined ? undefined : Number(query.limit), 'limit', 1, MAX_LIMIT) ?? DEFAULT_LIMIT;
  const after = optString(query.after_id, 'after_id', 512);
  const before = optString(query.before_id, 'before_id', 512);
  if (after !== undefined && before !== undefined) throw new RouterError('invalid_parameter', 'after_id and before_id cannot both be given.', 'after_id');
  const indexOf = (id: string, param: string): number => {
    const i = models.findIndex((m) => m.id === id);
    if (i < 0) throw new RouterError('invalid_parameter', `${param}: no model "${id}" in this list.`, param);
    return i;
  };
  let from: number;
  let to: number;
  let hasMore: boolean;
  if (before !== undefined) {
    to = indexOf(before, 'before_id');
    from = Math.max(0, to - limit);
    hasMore = from > 0;
  } else {
    from = after !== undefined ? indexOf(after, 'after_id') + 1 : 0;
    to = Math.min(models.length, from + limit);
    hasMore = to < models.length;
  }
  const data = models.slice(from, to);
  return { data, has_more: hasMore, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
}
