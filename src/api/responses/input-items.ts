// GET /v1/responses/{id}/input_items: a stored response's input items as
// OpenAI's ResponseItemList, with OpenAI's cursor pagination (limit 1–100,
// default 20; order asc|desc, default desc; after / before an item id).
//
// The store keeps canonical items without ids (canonical/types.ts), so each
// gets a stable id derived from the response id and its position:
// `<prefix>_<response id without "resp_">_<index>` (msg_, fc_, fco_, rs_).
// The same item has the same id on every call and every replica, which is
// what a cursor needs.
//
// `include=reasoning.encrypted_content` (also `include[]=…`, as the openai SDK sends arrays) gives
// each reasoning item that has provider state its `encrypted_content` envelope, exactly as a
// create with that include would have: a client that lists a stored conversation can then
// continue it statelessly (store:false) with the state intact.
import { documentFile } from '../../providers/shared/document.js';
import type { ContentPart, InputItem } from '../../canonical/types.js';
import { RouterError } from '../../errors/registry.js';
import { unsupported } from '../checks.js';
import { wrapReasoningState } from '../reasoning-state.js';

export const INPUT_ITEMS_DEFAULT_LIMIT = 20;
export const INPUT_ITEMS_MAX_LIMIT = 100;

export interface InputItemsQuery {
  limit?: unknown;
  order?: unknown;
  after?: unknown;
  before?: unknown;
  include?: unknown;
  'include[]'?: unknown;
}

/** Whether the listing asks for reasoning state; any other include value is refused as on create. */
function wantsState(query: InputItemsQuery): boolean {
  const values = [query.include, query['include[]']].flatMap((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]));
  for (const v of values) {
    if (v !== 'reasoning.encrypted_content') unsupported('include', `include value "${String(v)}" is not supported by the router: it does not return that output`);
  }
  return values.length > 0;
}

/** One page of `items` (the stored input of response `responseId`), as the wire list object. */
export function inputItemsPage(responseId: string, items: readonly InputItem[], query: InputItemsQuery) {
  const limit = parseLimit(query.limit);
  const order = query.order === undefined ? 'desc' : query.order;
  if (order !== 'asc' && order !== 'desc') throw new RouterError('invalid_parameter', 'order must be "asc" or "desc".', 'order');
  const withState = wantsState(query);
  const rendered = items.map((item, i) => renderInputItem(responseId, item, i, withState));
  const listed = order === 'asc' ? rendered : rendered.reverse();

  let from = 0;
  let to = listed.length;
  if (query.after !== undefined) from = cursorIndex(listed, query.after, 'after') + 1;
  if (query.before !== undefined) to = cursorIndex(listed, query.before, 'before');
  // `before` pages backwards: the `limit` items just before the cursor.
  const backwards = query.before !== undefined && query.after === undefined;
  const start = backwards ? Math.max(from, to - limit) : from;
  const end = backwards ? to : Math.min(to, from + limit);
  const data = start < end ? listed.slice(start, end) : [];
  return {
    object: 'list' as const,
    data,
    first_id: data[0]?.id ?? '',
    last_id: data.at(-1)?.id ?? '',
    has_more: backwards ? start > from : end < to,
  };
}

function parseLimit(raw: unknown): number {
  if (raw === undefined) return INPUT_ITEMS_DEFAULT_LIMIT;
  const n = typeof raw === 'string' && /^\d{1,4}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= INPUT_ITEMS_MAX_LIMIT)) throw new RouterError('invalid_parameter', `limit must be an integer from 1 to ${INPUT_ITEMS_MAX_LIMIT}.`, 'limit');
  return n;
}

function cursorIndex(listed: readonly { id: string }[], raw: unknown, param: 'after' | 'before'): number {
  const i = typeof raw === 'string' ? listed.findIndex((x) => x.id === raw) : -1;
  if (i < 0) throw new RouterError('invalid_parameter', `${param} must be the id of an item of this response.`, param);
  return i;
}

/**
 * The stable wire id of the `index`-th input item of a response: `<kind>_<suffix>_in<index>`. The
 * `in` keeps input positions apart from output item ids (`<kind>_<suffix>_<n>`, api/item-ids.ts),
 * which an item_reference resolves: an input item's id never names an output item by mistake.
 */
export function inputItemId(responseId: string, item: InputItem, index: number): string {
  const suffix = responseId.startsWith('resp_') ? responseId.slice(5) : responseId;
  return `${PREFIX[item.type]}_${suffix}_in${index}`;
}

const PREFIX: Record<InputItem['type'], string> = { message: 'msg', function_call: 'fc', function_call_output: 'fco', reasoning: 'rs' };

/**
 * A canonical input item as the Responses API returns items (ItemResource: each with id and status).
 * `withState`: reasoning items with provider state carry it as the router's encrypted_content envelope.
 */
export function renderInputItem(responseId: string, item: InputItem, index: number, withState = false) {
  const id = inputItemId(responseId, item, index);
  switch (item.type) {
    case 'message':
      // OpenAI lists an assistant turn as an output message; the other roles as input messages.
      return item.role === 'assistant'
        ? { id, type: 'message' as const, role: 'assistant' as const, status: 'completed' as const, content: item.content.flatMap(outputPart) }
        : { id, type: 'message' as const, role: item.role, status: 'completed' as const, content: item.content.map(inputPart) };
    case 'function_call':
      return { id, type: 'function_call' as const, call_id: item.callId, name: item.name, arguments: item.arguments, status: 'completed' as const };
    case 'function_call_output':
      return { id, type: 'function_call_output' as const, call_id: item.callId, output: item.output, status: 'completed' as const };
    case 'reasoning': {
      // The provider's state only on request, and only wrapped: it validates at that provider alone.
      const envelope = withState && item.provider ? wrapReasoningState({ provider: item.provider, signature: item.signature, redacted: item.redacted }) : undefined;
      return { id, type: 'reasoning' as const, summary: [{ type: 'summary_text' as const, text: item.text }], ...(envelope ? { encrypted_content: envelope } : {}) };
    }
  }
}

function inputPart(p: ContentPart) {
  switch (p.type) {
    case 'text':
      return { type: 'input_text' as const, text: p.text };
    case 'image':
      return { type: 'input_image' as const, image_url: p.url, detail: p.detail ?? 'auto' };
    case 'document':
      // Only a Messages request carries documents; listed in the Responses input_file spelling.
      return p.text !== undefined ? { type: 'input_text' as const, text: p.text } : { type: 'input_file' as const, ...documentFile(p.url ?? '', p.title) };
    case 'refusal':
      // Input content has no refusal part; its text is what was sent.
      return { type: 'input_text' as const, text: p.refusal };
  }
}

type OutputPart = { type: 'output_text'; text: string; annotations: never[]; logprobs: never[] } | { type: 'refusal'; refusal: string };

function outputPart(p: ContentPart): OutputPart[] {
  switch (p.type) {
    case 'text':
      return [{ type: 'output_text', text: p.text, annotations: [], logprobs: [] }];
    case 'refusal':
      return [{ type: 'refusal', refusal: p.refusal }];
    case 'image':
    case 'document':
      // An assistant message has no image or file part in the Responses API (the normalisers never produce one).
      return [];
  }
}
