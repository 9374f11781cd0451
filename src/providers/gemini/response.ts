// Gemini GenerateContentResponse → canonical events (docs/providers.md#response). The same
// per-fragment logic serves the stream translator: a non-stream body is just
// one fragment that carries everything.
import type { CanonicalEvent, CanonicalRequest, FinishReason, StreamErrorCode, StreamErrorDetail, Usage } from '../../canonical/types.js';
import { inBandFromMapped } from '../shared/errors.js';
import { mapGeminiError } from './errors.js';
import { randomId } from '../shared/ids.js';
import { makeUsage } from '../shared/usage.js';

type Json = Record<string, any>;

/** What one response (or one whole stream) has seen so far. */
export class GeminiTurn {
  started = false;
  /** A functionCall part appeared anywhere in the turn (Gemini never says tool_calls itself). */
  sawCall = false;
  /** Text or a tool call was produced (thoughts alone are not usable output). */
  sawOutput = false;
  finishReason: string | undefined;
  finishMessage: string | undefined;
  blockReason: string | undefined;
  usage: Usage | undefined;
  #calls = 0;

  /** Translate one GenerateContentResponse (or stream fragment) into content events. */
  fragment(body: Json): CanonicalEvent[] {
    const out: CanonicalEvent[] = [];
    if (!this.started) {
      this.started = true;
      out.push({
        type: 'start',
        ...(typeof body.responseId === 'string' ? { upstreamId: body.responseId } : {}),
        ...(typeof body.modelVersion === 'string' ? { upstreamModel: body.modelVersion } : {}),
      });
    }
    const candidate: Json | undefined = Array.isArray(body.candidates) ? body.candidates[0] : undefined;
    const parts: unknown[] = Array.isArray(candidate?.content?.parts) ? candidate.content.parts : [];
    for (const raw of parts) {
      if (!raw || typeof raw !== 'object') continue;
      const part = raw as Json;
      if (part.functionCall && typeof part.functionCall === 'object') {
        out.push(...this.#call(part));
      } else if (typeof part.text === 'string') {
        // Gemini 3 signs a thought or text part (possibly an empty one at the end of a stream): the
        // signature rides on a reasoning item, before the text it signs, and goes back next turn.
        const signature = typeof part.thoughtSignature === 'string' && part.thoughtSignature !== '' ? part.thoughtSignature : undefined;
        if (part.thought === true) {
          if (part.text !== '' || signature) out.push({ type: 'reasoning_delta', text: part.text, ...(signature ? { signature } : {}) });
        } else {
          if (signature) out.push({ type: 'reasoning_delta', text: '', signature });
          if (part.text !== '') {
            this.sawOutput = true;
            out.push({ type: 'text_delta', text: part.text });
          }
        }
      }
      // inlineData, executableCode and codeExecutionResult: not representable, dropped.
    }
    if (candidate && typeof candidate.finishReason === 'string') {
      this.finishReason = candidate.finishReason;
      if (typeof candidate.finishMessage === 'string') this.finishMessage = candidate.finishMessage;
    }
    if (typeof body.promptFeedback?.blockReason === 'string' && !candidate) this.blockReason = body.promptFeedback.blockReason;
    if (body.usageMetadata && typeof body.usageMetadata === 'object') this.usage = geminiUsage(body.usageMetadata);
    return out;
  }

  #call(part: Json): CanonicalEvent[] {
    const fc = part.functionCall as Json;
    this.sawCall = true;
    this.sawOutput = true;
    const key = `call${this.#calls++}`;
    const callId = typeof fc.id === 'string' && fc.id !== '' ? fc.id : randomId('call_');
    const out: CanonicalEvent[] = [];
    // Gemini 3 needs the signature echoed on this functionCall part next turn: keep it as a reasoning blob just before the call.
    if (typeof part.thoughtSignature === 'string' && part.thoughtSignature !== '') {
      out.push({ type: 'reasoning_delta', text: '', signature: part.thoughtSignature });
    }
    out.push(
      { type: 'tool_call_start', key, callId, name: typeof fc.name === 'string' ? fc.name : '' },
      { type: 'tool_call_delta', key, arguments: JSON.stringify(fc.args ?? {}) },
      { type: 'tool_call_end', key },
    );
    return out;
  }

  /** Whether a finish reason (or a prompt block) has been seen. */
  get finished(): boolean {
    return this.finishReason !== undefined || this.blockReason !== undefined;
  }

  /** Closing events: the last usage, then exactly one finish or error (docs/providers.md#finish-reasons). */
  close(complete = false): CanonicalEvent[] {
    const out: CanonicalEvent[] = [];
    if (!this.started) {
      this.started = true;
      out.push({ type: 'start' });
    }
    if (this.usage) out.push({ type: 'usage', usage: this.usage });
    const end = this.#ending(complete);
    out.push('reason' in end ? { type: 'finish', reason: end.reason } : { type: 'error', code: 'server_error', message: end.message });
    return out;
  }

  /** `complete`: a whole non-stream body, where a missing finishReason is an unspecified end, not a cut. */
  #ending(complete: boolean): { reason: FinishReason } | { message: string } {
    const r = this.finishReason;
    if (r === undefined) {
      if (this.blockReason !== undefined) return { reason: 'content_filter' };
      if (complete && this.sawOutput) return { reason: this.sawCall ? 'tool_calls' : 'stop' };
      return { message: complete ? 'Gemini returned no candidates.' : 'The Gemini stream ended before a finish reason.' };
    }
    if (r === 'STOP') return { reason: this.sawCall ? 'tool_calls' : 'stop' };
    if (r === 'MAX_TOKENS') return { reason: 'length' };
    if (CONTENT_FILTER.has(r) || r.startsWith('IMAGE_')) return { reason: 'content_filter' };
    // MALFORMED_FUNCTION_CALL, UNEXPECTED_TOOL_CALL, TOO_MANY_TOOL_CALLS, OTHER, FINISH_REASON_UNSPECIFIED, unknown values.
    if (this.sawOutput) return { reason: this.sawCall ? 'tool_calls' : 'stop' };
    return { message: `Gemini stopped without usable output (${r})${this.finishMessage ? `: ${this.finishMessage}` : '.'}` };
  }
}

const CONTENT_FILTER = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'LANGUAGE']);

/** usageMetadata → Usage (docs/providers.md#usage): candidates exclude thoughts, so add them back. */
export function geminiUsage(m: Json): Usage {
  const n = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  const thoughts = n(m.thoughtsTokenCount);
  return makeUsage({
    inputTokens: n(m.promptTokenCount) + n(m.toolUsePromptTokenCount),
    cachedTokens: n(m.cachedContentTokenCount),
    outputTokens: n(m.candidatesTokenCount) + thoughts,
    reasoningTokens: thoughts,
  });
}

/**
 * A Gemini `{error:{code, message, status}}` object seen with a 200 (in a
 * stream, or as a body). A 4xx one (quota/rate limit, invalid argument) is
 * mapped as the same error over HTTP would be (mapGeminiError, RetryInfo
 * included); others are server-side failures.
 */
export function inBandError(err: Json): { type: 'error'; code: StreamErrorCode; message: string; detail?: StreamErrorDetail } {
  const status = typeof err.status === 'string' ? err.status : '';
  const message = typeof err.message === 'string' && err.message !== '' ? err.message : `Gemini reported an error${status ? ` (${status})` : ''}.`;
  const http = typeof err.code === 'number' ? err.code : status === 'RESOURCE_EXHAUSTED' ? 429 : status === 'INVALID_ARGUMENT' || status === 'FAILED_PRECONDITION' ? 400 : undefined;
  if (http === undefined || http >= 500 || http < 400) return { type: 'error', code: status === 'RESOURCE_EXHAUSTED' ? 'rate_limit_exceeded' : 'server_error', message };
  return inBandFromMapped(mapGeminiError(http, {}, JSON.stringify({ error: err })), message);
}

export function parseGeminiResponse(body: unknown, _req: CanonicalRequest): CanonicalEvent[] {
  const turn = new GeminiTurn();
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    // The non-SSE stream endpoint answers with an array; anything else is not a GenerateContentResponse.
    if (Array.isArray(body)) {
      const events: CanonicalEvent[] = [];
      for (const fragment of body) {
        if (fragment && typeof fragment === 'object' && (fragment as Json).error) {
          return [...events, ...startIfNeeded(turn), inBandError((fragment as Json).error)];
        }
        if (fragment && typeof fragment === 'object') events.push(...turn.fragment(fragment as Json));
      }
      return [...events, ...turn.close(true)];
    }
    return [{ type: 'start' }, { type: 'error', code: 'server_error', message: 'Gemini returned a body that is not a GenerateContentResponse.' }];
  }
  const b = body as Json;
  if (b.error && typeof b.error === 'object') return [{ type: 'start' }, inBandError(b.error)];
  const events = turn.fragment(b);
  // A non-stream body is complete: no finish reason here is a candidate-less answer or an unspecified end.
  return [...events, ...turn.close(true)];
}

function startIfNeeded(turn: GeminiTurn): CanonicalEvent[] {
  if (turn.started) return [];
  turn.started = true;
  return [{ type: 'start' }];
}
