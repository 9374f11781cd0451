// The router's conversation memory: what `previous_response_id` continues and
// what `POST /v1/responses/{id}` replays. Only OpenAI keeps conversations
// server-side, so the router keeps them for every provider. Two backends:
// MemoryConversationStore (conversations-memory.ts: one process, bounded in
// bytes, least recently used entries go first, entries expire) and
// RedisConversationStore (conversations-redis.ts: shared by every replica, so
// a conversation started on one continues on another; entries expire and
// have a size cap).
//
// Request ids: beside each response the store keeps a small entry under the
// request's id (`req_…`, the x-request-id / metadata.request_id value) naming
// the response (`aliasOf`), so replay and the other readers accept either id.
//
// Tenancy: a stored response belongs to the key that created it (`owner`).
// ownedResponse() below is the one door every reader goes through
// (previousResponse() for replay, previous_response_id, item references and
// explain; the input items listing; deleteResponse()), and it answers another
// key exactly as it answers an unknown id, so the answer does not reveal that
// the id exists. Admin keys read (and delete) any.
import type { Api, CanonicalRequest, CanonicalResult, InputItem, ItemRef, OutputItem } from '../canonical/types.js';
import { parseItemId } from '../api/item-ids.js';
import { withoutCacheMarks } from '../api/cache-control.js';
import { RouterError } from '../errors/registry.js';

export interface StoredResponse {
  id: string;
  /**
   * The name of the ApiKeys entry that created it ("anonymous" when the router runs without keys) —
   * never the secret. Entries written before ownership existed have none: only an admin key reads those.
   */
  owner?: string;
  /** False when the caller sent store: false — the id is known but nothing is kept. */
  stored: boolean;
  /** Why a response the caller wanted stored was not (the store's size cap). */
  dropped?: 'too_large';
  /** Input items as actually sent (after previous_response_id expansion), minus system text. */
  items?: InputItem[];
  result?: CanonicalResult;
  /** The wire Response as returned (for replay). */
  response?: Record<string, unknown>;
  provider?: string;
  providerType?: string;
  model?: string;
  /** The Response's metadata as sent (router keys included), so a replay — streamed or not — carries the original's. */
  metadata?: Record<string, string>;
  /**
   * A request-id entry (id `req_…`): the response id that request produced. Written beside the response,
   * in the same store, so it has the same TTL and byte bounds; ownedResponse() follows it.
   */
  aliasOf?: string;
  /** A request-id entry for a request that left nothing to replay (answered on a dialect that keeps none — Chat, Messages — or a provider failure): its owner gets 409. */
  unreplayable?: Api | 'failed';
  createdAt: number;
}

export interface ConversationStore {
  get(id: string): Promise<StoredResponse | undefined>;
  put(entry: StoredResponse): Promise<void>;
  /** Forgets the entry (true when there was one). Callers go through deleteResponse(), which checks the owner first. */
  delete(id: string): Promise<boolean>;
}

/** Who asks for a stored response: the caller's key name ("anonymous" without keys) and whether it is an admin key. */
export interface ResponseReader {
  readonly name: string;
  readonly admin: boolean;
}

/** Whether `reader` may see `entry` at all (its own, or any for an admin key). */
export function readableBy(entry: StoredResponse, reader: ResponseReader): boolean {
  return reader.admin || (entry.owner !== undefined && entry.owner === reader.name);
}

/**
 * The stored response a request continues (or replays), or the error serving (and explain) answers.
 * Another key's response — stored, store:false or dropped alike — is not found, with the very error an
 * unknown id gets: which 404 it was is visible to no one.
 */
export async function previousResponse(store: ConversationStore, id: string, param: string, reader: ResponseReader): Promise<StoredResponse> {
  const prev = await ownedResponse(store, id, param, reader);
  if (prev.dropped === 'too_large') {
    throw new RouterError(
      'response_not_stored',
      `Response "${id}" was too large for the response store (Settings.state.maxConversationBytes with Redis, a quarter of Settings.state.memoryMaxBytes in memory), so it was not kept.`,
      param,
    );
  }
  if (prev.unreplayable === 'chat' || prev.unreplayable === 'messages') {
    const what = prev.unreplayable === 'chat' ? 'a Chat completion' : 'a Messages request';
    throw new RouterError('response_not_stored', `Request "${id}" was ${what}: it left no response to replay.`, param);
  }
  if (prev.unreplayable === 'failed') {
    throw new RouterError('response_not_stored', `Request "${id}" failed at the provider before a response existed: nothing to replay.`, param);
  }
  if (!prev.stored || (param === 'id' && !prev.result)) throw new RouterError('response_not_stored', undefined, param);
  return prev;
}

/**
 * The entry `reader` may see, whatever its state (stored, store:false, too_large marker), or the
 * 404 an unknown id gets. The ownership check every reader shares.
 */
export async function ownedResponse(store: ConversationStore, id: string, param: string, reader: ResponseReader): Promise<StoredResponse> {
  const notFound = () => new RouterError('response_not_found', param === 'previous_response_id' ? `No stored response "${id}" to continue from.` : undefined, param);
  let entry = await store.get(id);
  if (!entry || !readableBy(entry, reader)) throw notFound();
  // A request id names the response it produced; that one gone (expired, evicted, deleted) is as unknown.
  if (entry.aliasOf !== undefined) {
    entry = await store.get(entry.aliasOf);
    if (!entry || !readableBy(entry, reader)) throw notFound();
  }
  return entry;
}

/**
 * DELETE /v1/responses/{id}: forgets a response `reader` owns (an admin key: any), in whatever
 * state it is (a store:false or too_large marker too). Another key's id is the same 404 as an
 * unknown one.
 */
export async function deleteResponse(store: ConversationStore, id: string, reader: ResponseReader): Promise<void> {
  // By request id too: the response it names goes (the request-id entry then answers 404 as well).
  const entry = await ownedResponse(store, id, 'id', reader);
  // Gone between the read and the delete (expired, evicted, deleted by a concurrent call): not found either.
  if (!(await store.delete(entry.id))) throw new RouterError('response_not_found', undefined, 'id');
}

/**
 * A request with previous_response_id, with the earlier conversation prepended, and every replayed
 * output item (itemRefs) replaced by the stored item it names.
 */
export async function withConversation(store: ConversationStore, req: CanonicalRequest, reader: ResponseReader): Promise<CanonicalRequest> {
  let out = req;
  if (req.itemRefs?.length) out = withoutRefs({ ...req, items: await resolveItemRefs(store, req.items, req.itemRefs, reader) });
  if (!out.previousResponseId) return out;
  const prev = await previousResponse(store, out.previousResponseId, 'previous_response_id', reader);
  return { ...out, items: [...conversationItems(prev), ...out.items] };
}

function withoutRefs(req: CanonicalRequest): CanonicalRequest {
  const { itemRefs: _refs, ...rest } = req;
  return rest;
}

/**
 * `items` with each reference inserted at its place. An item id names its response (api/item-ids.ts),
 * read through previousResponse() like any other: another key's item, an unknown id, an id the router
 * did not mint or an index past the response's output all answer the same 404, naming the id.
 */
export async function resolveItemRefs(store: ConversationStore, items: readonly InputItem[], refs: readonly ItemRef[], reader: ResponseReader): Promise<InputItem[]> {
  const responses = new Map<string, StoredResponse>();
  const resolved: InputItem[][] = [];
  for (const ref of refs) {
    const notFound = () => new RouterError('response_not_found', `No stored item "${ref.id}" (an item_reference must name an output item of a stored response made with this key).`, ref.param);
    const parsed = parseItemId(ref.id);
    if (!parsed) throw notFound();
    let prev = responses.get(parsed.responseId);
    if (!prev) {
      try {
        prev = await previousResponse(store, parsed.responseId, ref.param, reader);
      } catch (err) {
        if (err instanceof RouterError && err.code === 'response_not_found') throw notFound();
        throw err;
      }
      responses.set(parsed.responseId, prev);
    }
    const item = prev.result?.output[parsed.index];
    if (!item || item.type !== KIND_TYPE[parsed.kind]) throw notFound();
    resolved.push(outputAsInput(item, prev));
  }
  const out: InputItem[] = [];
  let r = 0;
  for (let i = 0; i <= items.length; i++) {
    while (r < refs.length && refs[r]!.at === i) out.push(...resolved[r++]!);
    if (i < items.length) out.push(items[i]!);
  }
  return out;
}

const KIND_TYPE = { msg: 'message', fc: 'function_call', rs: 'reasoning' } as const;

/** The input a follow-up turn continues from: earlier input + earlier output, as input items. */
export function conversationItems(prev: StoredResponse): InputItem[] {
  const items: InputItem[] = withoutCacheMarks(prev.items ?? []);
  for (const out of prev.result?.output ?? []) items.push(...outputAsInput(out, prev));
  return items;
}

/** One earlier output item as the input item that replays it (an empty message replays as nothing). */
function outputAsInput(out: OutputItem, prev: StoredResponse): InputItem[] {
  if (out.type === 'message') return out.text ? [{ type: 'message', role: 'assistant', content: [{ type: 'text', text: out.text }] }] : [];
  if (out.type === 'function_call') return [{ type: 'function_call', callId: out.callId, name: out.name, arguments: out.arguments }];
  return [{ type: 'reasoning', text: out.text, ...(prev.provider ? { provider: prev.provider } : {}), ...(out.signature ? { signature: out.signature } : {}), ...(out.redacted ? { redacted: out.redacted } : {}) }];
}
