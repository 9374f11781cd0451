// Redis Cluster hash slots, computed here exactly as Redis does (CRC16-XMODEM
// of the key's hash tag, or of the whole key without one, modulo 16384), and
// pipelines that respect them. A Cluster pipeline must not span slots: ioredis
// rejects one whose keys live on different nodes, and a slot that moves
// between nodes mid-pipeline can only be followed when every command agrees on
// it. So on a Cluster a pipeline is split into one pipeline per slot (sent in
// parallel, still one round trip of wall time); on a standalone Redis or a
// Sentinel primary it stays a single pipeline.
import type { ChainableCommander } from 'ioredis';

export const SLOT_COUNT = 16384;

const TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let b = 0; b < 8; b++) c = c & 0x8000 ? (c << 1) ^ 0x1021 : c << 1;
    t[i] = c & 0xffff;
  }
  return t;
})();

/** CRC16-XMODEM (polynomial 0x1021, initial 0), the checksum Redis Cluster uses. */
export function crc16(data: Uint8Array): number {
  let crc = 0;
  for (const byte of data) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ byte) & 0xff]!;
  return crc;
}

/**
 * The part of a key Redis hashes: the text between the first '{' and the
 * first '}' after it when that is non-empty, else the whole key.
 */
export function hashTagOf(key: string): string {
  const open = key.indexOf('{');
  if (open < 0) return key;
  const close = key.indexOf('}', open + 1);
  if (close <= open + 1) return key;
  return key.slice(open + 1, close);
}

/** The Redis Cluster slot (0..16383) of a key. */
export function hashSlot(key: string): number {
  return crc16(Buffer.from(hashTagOf(key))) % SLOT_COUNT;
}

/** One command of a pipeline and the key that decides where it runs. */
export interface KeyedCommand {
  key: string;
  /** Appends exactly one command (about `key`) to the pipeline. */
  add(p: ChainableCommander): void;
}

/** What a pipeline needs of a connection: ioredis's Redis and Cluster both fit. */
export interface PipelineClient {
  readonly isCluster: boolean;
  pipeline(): ChainableCommander;
}

/**
 * Runs the commands as pipelines that each stay in one slot on a Cluster (one
 * pipeline elsewhere) and returns their results in the commands' order;
 * throws the first command error (a pipeline's exec() only rejects on
 * connection errors).
 */
export async function execPerSlot(client: PipelineClient, commands: readonly KeyedCommand[]): Promise<unknown[]> {
  if (commands.length === 0) return [];
  const groups = new Map<number, number[]>();
  commands.forEach((c, i) => {
    const slot = client.isCluster ? hashSlot(c.key) : 0;
    let g = groups.get(slot);
    if (!g) groups.set(slot, (g = []));
    g.push(i);
  });
  const out = new Array<unknown>(commands.length);
  await Promise.all(
    [...groups.values()].map(async (indexes) => {
      const p = client.pipeline();
      for (const i of indexes) commands[i]!.add(p);
      const results = (await p.exec()) ?? [];
      if (results.length !== indexes.length) throw new Error(`pipeline answered ${results.length} results for ${indexes.length} commands`);
      results.forEach(([err, value], j) => {
        if (err) throw err;
        out[indexes[j]!] = value;
      });
    }),
  );
  return out;
}
