// Wire ids the router mints for objects it returns (resp_, msg_, fc_, rs_, chatcmpl-, req_):
// 32 hex characters of cryptographic randomness. Bytes are drawn 4 KB at a time
// (256 ids) and sliced, so an id costs one hex conversion: per-id randomBytes
// showed at ~2% of router CPU, randomUUID plus stripping its dashes at ~0.8%.
import { randomBytes } from 'node:crypto';

const POOL_BYTES = 4096;
const ID_BYTES = 16;
let pool = Buffer.alloc(0);
let offset = 0;

export function wireId(prefix: string): string {
  if (offset + ID_BYTES > pool.length) {
    pool = randomBytes(POOL_BYTES);
    offset = 0;
  }
  const id = pool.toString('hex', offset, offset + ID_BYTES);
  offset += ID_BYTES;
  return prefix + id;
}
