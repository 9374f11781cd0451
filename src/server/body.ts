// Reads a JSON request body with hard limits, instead of a generic body
// parser: the Content-Length is checked before reading, a chunked body stops
// at the limit, compressed bodies are limited by their inflated size, and
// prototype-polluting keys (__proto__, constructor, prototype) are rejected at
// any depth, and a body nested deeper than MAX_JSON_DEPTH (64) levels is
// refused before it is parsed (src/canonical/json-depth.ts: every later walk of
// the body recurses). The raw bytes are kept for pass-through routes.
import type { NextFunction, Request, Response } from 'express';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { RouterError } from '../errors/registry.js';
import { bytesNestDeeperThan, MAX_JSON_DEPTH } from '../canonical/json-depth.js';
import { LARGE_BODY_BYTES, type LargeBodyGate } from './large-body-gate.js';

declare module 'express-serve-static-core' {
  interface Request {
    rawBody?: Buffer;
  }
}

const BODYLESS = new Set(['GET', 'HEAD', 'OPTIONS', 'DELETE']);
const JSON_TYPE = /^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i;

export function jsonBody(largeBodies: LargeBodyGate, limitBytes: () => number) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    let read: JsonBody | undefined;
    try {
      // A large body waits for its turn before it is read; the turn ends with the response.
      res.once('close', await largeBodies.enter(req));
      read = await readJsonBody(req, limitBytes());
    } catch (err) {
      return next(err);
    }
    req.body = read?.value;
    if (read) req.rawBody = read.raw;
    next();
  };
}

export interface JsonBody {
  value: Record<string, unknown>;
  raw: Buffer;
}

/**
 * The request's JSON object, or undefined for a bodyless request; throws a
 * RouterError for anything else (wrong type, too large, malformed, not an
 * object, nested deeper than MAX_JSON_DEPTH, a forbidden key).
 */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<JsonBody | undefined> {
  if (BODYLESS.has(req.method ?? '')) return undefined;
  const length = req.headers['content-length'];
  const chunked = req.headers['transfer-encoding'] !== undefined;
  if (!chunked && (length === undefined || length === '0')) return undefined;
  const type = req.headers['content-type'] ?? '';
  if (!JSON_TYPE.test(type)) throw new RouterError('unsupported_media_type');
  if (length !== undefined && Number(length) > limit) {
    throw new RouterError('body_too_large', `The request body exceeds the limit of ${limit} bytes.`);
  }
  const raw = await readLimited(decoder(req), limit);
  if (bytesNestDeeperThan(raw, MAX_JSON_DEPTH)) {
    throw new RouterError('invalid_body', `The request body nests objects and arrays deeper than ${MAX_JSON_DEPTH} levels (the limit).`);
  }
  const text = raw.toString('utf8');
  // Decoding and parsing a large body are two long steps (≈ 15 ms each per MB): other work gets a turn between them.
  if (raw.length > LARGE_BODY_BYTES) await new Promise((resolve) => setImmediate(resolve));
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new RouterError('invalid_json');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new RouterError('invalid_body');
  const bad = findForbiddenKey(value, text);
  if (bad !== undefined) throw new RouterError('forbidden_key', undefined, bad);
  return { value: value as Record<string, unknown>, raw };
}

function decoder(req: IncomingMessage): Readable {
  const enc = String(req.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
  switch (enc) {
    case 'identity':
    case '':
      return req;
    case 'gzip':
    case 'x-gzip':
      return req.pipe(createGunzip());
    case 'deflate':
      return req.pipe(createInflate());
    case 'br':
      return req.pipe(createBrotliDecompress());
    default:
      throw new RouterError('unsupported_content_encoding');
  }
}

function readLimited(stream: Readable, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err?: Error, value?: Buffer): void => {
      if (done) return;
      done = true;
      stream.removeAllListeners('data');
      if (err) reject(err);
      else resolve(value!);
    };
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        stream.pause();
        finish(new RouterError('body_too_large', `The request body exceeds the limit of ${limit} bytes.`));
        return;
      }
      chunks.push(chunk);
    });
    stream.once('end', () => finish(undefined, Buffer.concat(chunks, size)));
    stream.once('error', (err: Error) => finish(err instanceof RouterError ? err : new RouterError('invalid_json', 'The request body could not be read or decompressed.')));
  });
}

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);
/** One pass over the text: a forbidden key is spelled out, or hidden behind a \u escape. */
const MAY_HOLD_FORBIDDEN = /__proto__|constructor|prototype|\\u/;

/** JSON pointer of the first forbidden key, or undefined. Walks only when the raw text could contain one. */
export function findForbiddenKey(value: unknown, text?: string): string | undefined {
  if (text !== undefined) {
    if (!MAY_HOLD_FORBIDDEN.test(text)) return undefined;
  }
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length > 0) {
    const [node, at] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    for (const key of Object.keys(node)) {
      const here = `${at}/${key}`;
      if (FORBIDDEN.has(key)) return here;
      stack.push([(node as Record<string, unknown>)[key], here]);
    }
  }
  return undefined;
}
