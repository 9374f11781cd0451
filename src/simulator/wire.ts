// Writing answers: JSON bodies and paced SSE streams with the scripted faults
// (ttft, tokens/second pacing, drop, stall, in-band error).

import type { ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type { KindSpec } from './errors.js';
import type { Behaviour } from './types.js';

/** One piece of a streamed body. `event` frames count as chunks for drop/stall/in-band scripting. */
export interface Frame {
  /** Bytes as sent: SSE text, or a binary message (Bedrock's event stream). */
  text: string | Uint8Array;
  /** Output tokens carried (for tokensPerSecond pacing). */
  tokens: number;
  event: boolean;
}

export interface StreamPlan {
  frames: Frame[];
  /** Frames of the provider's in-band error, given the number of events already sent (and a scripted kind). */
  inBandError(sent: number, spec?: KindSpec): (string | Uint8Array)[];
  contentType?: string;
}

export interface Exchange {
  res: ServerResponse;
  behaviour: Behaviour;
  /** Aborted when the client goes away or the simulator closes. */
  signal: AbortSignal;
  headers: Record<string, string>;
  /** The scripted in-band error's kind and message (Behaviour.inBandError, credentials echoed already). */
  inBand?: KindSpec;
}

export function sseEvent(event: string, data: unknown): Frame {
  return { text: `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`, tokens: 0, event: true };
}

export function sseData(data: unknown, eol = '\n'): Frame {
  return { text: `data: ${typeof data === 'string' ? data : JSON.stringify(data)}${eol}${eol}`, tokens: 0, event: true };
}

export function withTokens(f: Frame, tokens: number): Frame {
  return { ...f, tokens };
}

/** Resolves true after ms, false as soon as the signal aborts. */
export async function sleep(ms: number | undefined, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  if (!ms || ms <= 0) return true;
  try {
    await delay(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** A non-stream answer: waits ttft + generation time, honours drop/stall (half the body is sent). */
export async function sendAnswerJson(ex: Exchange, body: unknown, outputTokens: number): Promise<void> {
  const b = ex.behaviour;
  const gen = b.tokensPerSecond && b.tokensPerSecond > 0 ? (outputTokens * 1000) / b.tokensPerSecond : 0;
  if (!(await sleep((b.ttftMs ?? 0) + gen, ex.signal))) return;
  const cut = b.dropAfterChunks !== undefined ? 'drop' : b.stallAfterChunks !== undefined ? 'stall' : undefined;
  if (!cut) return sendJson(ex.res, 200, body, ex.headers);
  const buf = Buffer.from(JSON.stringify(body));
  ex.res.writeHead(200, { 'content-type': 'application/json', 'content-length': buf.length, ...ex.headers });
  await new Promise<void>((resolve) => ex.res.write(buf.subarray(0, Math.floor(buf.length / 2)), () => resolve()));
  if (cut === 'drop') ex.res.socket?.destroy();
}

/**
 * A streamed answer. Headers go out immediately (latencyMs was already waited), then ttftMs,
 * then the frames paced at tokensPerSecond. Before each event (and once more before ending)
 * the drop / stall / in-band error counters are checked against the number of events sent.
 */
export async function sendStream(ex: Exchange, plan: StreamPlan): Promise<void> {
  const { res, behaviour: b, signal } = ex;
  res.writeHead(200, {
    'content-type': plan.contentType ?? 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    ...ex.headers,
  });
  res.flushHeaders();
  if (!(await sleep(b.ttftMs, signal))) return;
  const tps = b.tokensPerSecond && b.tokensPerSecond > 0 ? b.tokensPerSecond : undefined;
  const start = Date.now();
  let tokens = 0;
  let sent = 0;
  const cut = (): 'drop' | 'stall' | 'error' | undefined =>
    b.dropAfterChunks === sent ? 'drop' : b.stallAfterChunks === sent ? 'stall' : b.inBandErrorAfterChunks === sent ? 'error' : undefined;
  // Resolves once everything written so far has been handed to the socket, so a drop
  // never discards frames that were "sent" before it.
  let flushed: Promise<void> = Promise.resolve();
  const write = (text: string | Uint8Array): void => {
    flushed = new Promise((resolve) => res.write(text, () => resolve()));
  };
  const act = async (what: 'drop' | 'stall' | 'error'): Promise<void> => {
    if (what === 'drop') {
      await flushed;
      res.socket?.destroy();
    } else if (what === 'error') {
      for (const t of plan.inBandError(sent, ex.inBand)) res.write(t);
      res.end();
    }
    // stall: leave the response open; close() or the client ends it.
  };
  for (const frame of plan.frames) {
    if (frame.event) {
      const c = cut();
      if (c) return act(c);
    }
    if (tps && frame.tokens > 0) {
      // The first output goes out right after ttft; each later one k/tps seconds after the previous.
      const due = start + (tokens * 1000) / tps;
      tokens += frame.tokens;
      if (!(await sleep(due - Date.now(), signal))) return;
    }
    if (signal.aborted || res.destroyed) return;
    write(frame.text);
    if (frame.event) sent += 1;
  }
  const c = cut();
  if (c) return act(c);
  res.end();
}
