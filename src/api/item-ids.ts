// Output item ids derived from the response id: `<kind>_<suffix>_<n>` where
// `resp_<suffix>` is the response and n the item's index in its output. A
// replayed item (`item_reference`, or a reasoning item sent back by id) then
// names the stored response it came from, so the store stays one entry per
// response, keyed by response id, in memory and in Redis alike — no second
// index to keep in step, expire or evict. The id reveals only the response id,
// which the same caller already saw; reading it still goes through the
// ownership check (previousResponse()).
export type ItemKind = 'msg' | 'fc' | 'rs';

export function itemId(kind: ItemKind, responseId: string, index: number): string {
  return `${kind}_${responseId.startsWith('resp_') ? responseId.slice(5) : responseId}_${index}`;
}

const ITEM_ID = /^(msg|fc|rs)_([0-9a-f]{8,64})_(\d{1,5})$/;

/** The response and output index an item id names, or undefined for an id the router did not mint. */
export function parseItemId(id: string): { kind: ItemKind; responseId: string; index: number } | undefined {
  const m = ITEM_ID.exec(id);
  if (!m) return undefined;
  return { kind: m[1] as ItemKind, responseId: `resp_${m[2]}`, index: Number(m[3]) };
}
