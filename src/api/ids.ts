// Wire ids the router mints for objects it returns (resp_, msg_, fc_, rs_, chatcmpl-, req_).
// randomUUID draws from Node's cached entropy pool: several ids per request
// cost next to nothing (randomBytes per id showed up at ~2% of router CPU).
import { randomUUID } from 'node:crypto';

export function wireId(prefix: string): string {
  return prefix + randomUUID().replaceAll('-', '');
}
