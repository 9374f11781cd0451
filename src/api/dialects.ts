// Every front dialect the router speaks, by the `api` an exchange carries (its route). The stages
// read a dialect from here and never branch on which one it is (api/dialect.ts).
import type { Api } from '../canonical/types.js';
import { CHAT_DIALECT } from './chat/dialect.js';
import type { FrontDialect } from './dialect.js';
import { MESSAGES_DIALECT } from './messages/dialect.js';
import { RESPONSES_DIALECT } from './responses/dialect.js';

const DIALECTS: ReadonlyMap<Api, FrontDialect> = new Map([RESPONSES_DIALECT, CHAT_DIALECT, MESSAGES_DIALECT].map((d) => [d.api, d]));

export function dialectOf(api: Api): FrontDialect {
  const d = DIALECTS.get(api);
  if (!d) throw new Error(`no front dialect for api "${api}"`);
  return d;
}
